import type { FeatureEntry } from '../../app/features.js';
import { ObsPage } from './ObsPage.js';
import { connectObs } from './store.js';

export const obsFeature: FeatureEntry = {
  id: 'obs',
  label: 'OBS',
  icon: 'video',
  component: ObsPage,
  connect: connectObs,
};
