import { useEffect } from 'react';
import { DisplayPicker } from '../features/studio/DisplayPicker.js';
import { Icon } from '../ui/Icon.js';
import { Toasts } from '../ui/Toasts.js';
import { FEATURES } from './features.js';
import { Header } from './Header.js';
import { LoginScreen } from './LoginScreen.js';
import { useHashRoute } from './route.js';
import { useSession } from './session-store.js';
import { Sidebar } from './Sidebar.js';
import { StatusScreen } from './StatusScreen.js';

/** A host whose last starts died serves the UI in safe mode: say why on every page. */
function SafeModeBanner() {
  const safeMode = useSession((s) => s.info?.safeMode ?? null);
  if (!safeMode) return null;
  return (
    <div className="notice notice-bad safe-mode" role="alert" data-testid="safe-mode">
      <Icon name="alert" />
      <div>
        <strong>Safe mode.</strong> {safeMode.reason} Fix what failed (the log is in the home's <code>logs/host.log</code>; Settings still work), then restart the host.
      </div>
    </div>
  );
}

function Shell() {
  const route = useHashRoute();
  const feature = FEATURES.find((f) => f.id === route) ?? FEATURES[0];
  if (!feature) return null;
  const Page = feature.component;
  return (
    <div className="app">
      <Sidebar features={FEATURES} active={feature.id} />
      <div className="app-main">
        <Header title={feature.label} />
        <SafeModeBanner />
        <main className="page" data-testid={`page-${feature.id}`}>
          <Page />
        </main>
      </div>
    </div>
  );
}

export function App() {
  const auth = useSession((s) => s.auth);
  const bootstrap = useSession((s) => s.bootstrap);
  useEffect(() => {
    void bootstrap();
  }, [bootstrap]);
  return (
    <>
      {auth === 'signed-in' ? <Shell /> : auth === 'signed-out' ? <LoginScreen /> : <StatusScreen />}
      <Toasts />
      {window.studioDesktop && <DisplayPicker bridge={window.studioDesktop} />}
    </>
  );
}
