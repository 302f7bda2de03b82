import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app/App.js';
import { FEATURES } from './app/features.js';
import { connectSession } from './app/session-store.js';

// Event subscriptions live for the whole page, so a slice keeps its data while its page is hidden.
connectSession();
FEATURES.forEach((feature) => feature.connect?.());

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
