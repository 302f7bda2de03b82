import type { FeatureEntry } from '../../app/features.js';
import { SettingsPage } from './SettingsPage.js';
import { connectSettings } from './store.js';

export const settingsFeature: FeatureEntry = {
  id: 'settings',
  label: 'Settings',
  icon: 'settings',
  component: SettingsPage,
  connect: connectSettings,
};
