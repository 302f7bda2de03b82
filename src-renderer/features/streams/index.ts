import type { FeatureEntry } from '../../app/features.js';
import { connectStreams } from './store.js';
import { StreamsPage } from './StreamsPage.js';

export const streamsFeature: FeatureEntry = {
  id: 'streams',
  label: 'Streams',
  icon: 'video',
  component: StreamsPage,
  connect: connectStreams,
};
