import type { FeatureEntry } from '../../app/features.js';
import { StudioPage } from './StudioPage.js';
import { connectStudio } from './store.js';

export const studioFeature: FeatureEntry = {
  id: 'studio',
  label: 'Studio',
  icon: 'film',
  component: StudioPage,
  connect: connectStudio,
};
