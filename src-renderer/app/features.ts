import type { ComponentType } from 'react';
import { accessFeature } from '../features/access/index.js';
import { dashboardFeature } from '../features/dashboard/index.js';
import { obsFeature } from '../features/obs/index.js';
import { podcastsFeature } from '../features/podcasts/index.js';
import { edgesFeature } from '../features/edges/index.js';
import { libraryFeature } from '../features/library/index.js';
import { recordingsFeature } from '../features/recordings/index.js';
import { remoteFeature } from '../features/remote/index.js';
import { settingsFeature } from '../features/settings/index.js';
import { streamsFeature } from '../features/streams/index.js';
import { studioFeature } from '../features/studio/index.js';
import type { IconName } from '../ui/Icon.js';

/** One page of the app: the navigation and the router are built from this list. */
export interface FeatureEntry {
  id: string;
  label: string;
  icon: IconName;
  component: ComponentType;
  /** Subscribes the feature's store to events, once at start-up (before any page is shown). */
  connect?: () => void;
}

/** Add a feature: create features/<id>/index.ts exporting its entry, then add one line here. */
export const FEATURES: readonly FeatureEntry[] = [
  dashboardFeature,
  studioFeature,
  streamsFeature,
  recordingsFeature,
  libraryFeature,
  podcastsFeature,
  obsFeature,
  edgesFeature,
  remoteFeature,
  accessFeature,
  settingsFeature,
];
