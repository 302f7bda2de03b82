import type { FeatureEntry } from '../../app/features.js';
import { EdgesPage } from './EdgesPage.js';
import { connectEdges } from './store.js';

export const edgesFeature: FeatureEntry = {
  id: 'edges',
  label: 'Edges',
  icon: 'server',
  component: EdgesPage,
  connect: connectEdges,
};
