import type { FeatureEntry } from '../../app/features.js';
import './podcasts.css';
import { PodcastsPage } from './PodcastsPage.js';
import { connectPodcasts } from './store.js';

export const podcastsFeature: FeatureEntry = {
  id: 'podcasts',
  label: 'Podcasts',
  icon: 'mic',
  component: PodcastsPage,
  connect: connectPodcasts,
};
