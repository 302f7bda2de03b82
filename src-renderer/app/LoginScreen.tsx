import { useState, type FormEvent } from 'react';
import { ERROR_CATALOGUE } from '../../src-shared/error-catalogue.js';
import { extractLoginCode } from '../api/auth.js';
import { toClientError } from '../api/client.js';
import { Icon } from '../ui/Icon.js';
import { capitalise } from '../ui/toast-store.js';
import { useSession } from './session-store.js';

export function LoginScreen() {
  const login = useSession((s) => s.login);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ title: string; message: string } | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const value = extractLoginCode(code);
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      await login(value);
    } catch (err) {
      const { shape } = toClientError(err);
      setError({ title: ERROR_CATALOGUE[shape.code]?.title ?? shape.code, message: capitalise(shape.message) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="center-screen" data-testid="login-screen">
      <form className="login-card" onSubmit={(e) => void submit(e)}>
        <span className="brand-mark large"><Icon name="broadcast" size={28} /></span>
        <h1>Sign in to this studio</h1>
        <p>
          This studio is run by <code>streams host</code>. When it starts, it prints a one-time login link in its
          terminal, like <code>http://127.0.0.1:7070/login?code=…</code>. Open that link in this browser, or paste the
          link or its code below.
        </p>
        <label className="field-label" htmlFor="login-code">Login code or link</label>
        <input
          id="login-code"
          className="input"
          data-testid="login-code"
          autoFocus
          autoComplete="off"
          spellCheck={false}
          placeholder="XXXX or http://…/login?code=XXXX"
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
        {error && (
          <div className="form-error" data-testid="login-error" role="alert">
            <strong>{error.title}.</strong> {error.message}
          </div>
        )}
        <button className="button primary" type="submit" data-testid="login-submit" disabled={busy || !code.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          The link is valid for 10 minutes and works once. Lost it? Run <code>streams login-link</code> on the host to
          print another.
        </p>
        <p className="muted small">
          Invited with a name and a password? <a href="/login" data-testid="login-password">Sign in with your password</a>.
        </p>
      </form>
    </main>
  );
}
