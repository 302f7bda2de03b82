import type { FeatureEntry } from '../../app/features.js';
import './library.css';
import { LibraryPage } from './LibraryPage.js';
import { connectLibrary } from './store.js';

export const libraryFeature: FeatureEntry = {
  id: 'library',
  label: 'Library',
  icon: 'library',
  component: LibraryPage,
  connect: connectLibrary,
};
