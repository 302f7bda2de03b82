import { useState } from 'react';
import type { User } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { attempt, toastSuccess } from '../../ui/toast-store.js';

type Session = Awaited<ReturnType<typeof call<'sessions.list'>>>[number];

/** Your account: password, the TOTP second factor, and where you are signed in. */
export function AccountCard({ me, sessions, onChanged }: { me: User | null; sessions: Session[]; onChanged(): void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [setup, setSetup] = useState<{ secret: string; qrSvg: string } | null>(null);
  const [code, setCode] = useState('');

  const savePassword = async () => {
    const done = await attempt(() => call('account.setPassword', { password, ...(me?.hasPassword ? { current } : {}) }));
    if (!done) return;
    setCurrent('');
    setPassword('');
    toastSuccess('Password saved');
    onChanged();
  };
  const confirmTotp = async () => {
    const done = await attempt(() => call(setup ? 'account.totpEnable' : 'account.totpDisable', { code }));
    if (!done) return;
    toastSuccess(setup ? 'Sign-in now asks for a code' : 'Second factor off');
    setSetup(null);
    setCode('');
    onChanged();
  };

  return (
    <Card title={<>Your account {me && <span className="muted">{me.name} · {me.role}</span>}</>} testId="account-card">
      {me ? (
        <>
          <h3>Password</h3>
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void savePassword();
            }}
          >
            {me.hasPassword && <input className="input" type="password" aria-label="Current password" placeholder="Current password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />}
            <input className="input" type="password" aria-label="New password" placeholder="New password (10 or more characters)" autoComplete="new-password" minLength={10} value={password} data-testid="new-password" onChange={(e) => setPassword(e.target.value)} />
            <button className="button primary" type="submit" disabled={password.length < 10} data-testid="save-password">{me.hasPassword ? 'Change' : 'Set password'}</button>
          </form>
          <h3>Second factor</h3>
          {setup ? (
            <div className="totp-setup" data-testid="totp-setup">
              <div className="qr" dangerouslySetInnerHTML={{ __html: setup.qrSvg }} />
              <div>
                <p>Scan this with an authenticator app, or type the key <code data-testid="totp-secret">{setup.secret}</code>, then enter the code it shows.</p>
              </div>
            </div>
          ) : (
            <p className="muted">{me.totpEnabled ? 'On: signing in with your password asks for a code from your authenticator app.' : 'Off. With it on, a stolen password is not enough to sign in.'}</p>
          )}
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void confirmTotp();
            }}
          >
            {!me.totpEnabled && !setup && (
              <button type="button" className="button" data-testid="totp-start" onClick={() => void attempt(() => call('account.totpSetup', {})).then((s) => s && setSetup(s))}>
                Turn on
              </button>
            )}
            {(setup || me.totpEnabled) && (
              <>
                <input className="input" inputMode="numeric" pattern="[0-9]{6}" maxLength={6} aria-label="Authenticator code" placeholder="6-digit code" value={code} data-testid="totp-code" onChange={(e) => setCode(e.target.value)} />
                <button className="button primary" type="submit" disabled={!/^\d{6}$/.test(code)} data-testid="totp-confirm">{setup ? 'Confirm' : 'Turn off'}</button>
              </>
            )}
          </form>
        </>
      ) : (
        <p className="muted">This window signed in with the host's API token.</p>
      )}
      <h3>Signed in</h3>
      <table className="table" data-testid="sessions-table">
        <thead>
          <tr><th>Browser</th><th>Address</th><th>Since</th><th>Last seen</th><th /></tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id}>
              <td className="small">{s.userAgent || 'unknown'}{s.current && <span className="badge badge-ok session-current">this one</span>}</td>
              <td>{s.ip}</td>
              <td className="muted">{new Date(s.createdAt).toLocaleString()}</td>
              <td className="muted">{new Date(s.lastSeenAt).toLocaleString()}</td>
              <td>
                <div className="row-actions">
                {!s.current && (
                  <button className="button small-button" onClick={() => void attempt(() => call('sessions.revoke', { id: s.id })).then((done) => done && onChanged())}>
                    Sign out
                  </button>
                )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
