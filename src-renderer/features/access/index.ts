import type { FeatureEntry } from '../../app/features.js';
import { AccessPage } from './AccessPage.js';

export const accessFeature: FeatureEntry = {
  id: 'access',
  label: 'Access',
  icon: 'users',
  component: AccessPage,
};
