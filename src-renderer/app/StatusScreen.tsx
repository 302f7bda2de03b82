import { useSession } from './session-store.js';

/** Shown before the first answer, and while the host cannot be reached (it retries by itself). */
export function StatusScreen() {
  const auth = useSession((s) => s.auth);
  const lastError = useSession((s) => s.lastError);
  const bootstrap = useSession((s) => s.bootstrap);
  if (auth === 'checking') {
    return (
      <main className="center-screen" data-testid="loading-screen">
        <div className="spinner" aria-label="Loading" />
      </main>
    );
  }
  return (
    <main className="center-screen" data-testid="unreachable-screen">
      <div className="login-card">
        <h1>Cannot reach the studio</h1>
        <p>The studio host did not answer. Is <code>streams host</code> still running? Retrying…</p>
        {lastError && <p className="muted small">{lastError}</p>}
        <button className="button" onClick={() => void bootstrap()}>Retry now</button>
      </div>
    </main>
  );
}
