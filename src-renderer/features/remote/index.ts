import type { FeatureEntry } from '../../app/features.js';
import { RemotePage } from './RemotePage.js';

export const remoteFeature: FeatureEntry = {
  id: 'remote',
  label: 'Remote',
  icon: 'video',
  component: RemotePage,
};
