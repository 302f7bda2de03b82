import type { FeatureEntry } from '../../app/features.js';
import { RecordingsPage } from './RecordingsPage.js';
import { connectRecordings } from './store.js';

export const recordingsFeature: FeatureEntry = {
  id: 'recordings',
  label: 'Recordings',
  icon: 'film',
  component: RecordingsPage,
  connect: connectRecordings,
};
