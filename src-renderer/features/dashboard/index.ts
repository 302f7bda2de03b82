import type { FeatureEntry } from '../../app/features.js';
import { DashboardPage } from './DashboardPage.js';
import { connectDashboard } from './store.js';

export const dashboardFeature: FeatureEntry = {
  id: 'dashboard',
  label: 'Dashboard',
  icon: 'dashboard',
  component: DashboardPage,
  connect: connectDashboard,
};
