import { useState } from 'react';
import { Card } from '../../ui/Card.js';
import { useRemote } from './store.js';

/**
 * The RDP gateway: connect to an RDP server elsewhere and drive it from any browser through the remote
 * viewer (the pairing code of its session). The password goes to the host's RDP client and is kept
 * nowhere; the form forgets it once sent.
 */
export function RdpGateways() {
  const { gateways } = useRemote();
  const { openGateway, closeGateway } = useRemote.getState();
  const [host, setHost] = useState('');
  const [port, setPort] = useState('3389');
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [domain, setDomain] = useState('');
  const [fingerprint, setFingerprint] = useState('');
  const [busy, setBusy] = useState(false);
  const viewerUrl = `${window.location.origin}/remote`;

  return (
    <Card title="Connect to an RDP server" testId="rdp-gateways">
      <form
        style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void openGateway({
            host: host.trim(),
            port: Number(port) || 3389,
            user: user.trim(),
            password,
            ...(domain.trim() ? { domain: domain.trim() } : {}),
            ...(fingerprint.trim() ? { certificateSha256: fingerprint.trim() } : {}),
          }).then(() => {
            setBusy(false);
            setPassword('');
          });
        }}
      >
        <input className="input input-compact" aria-label="RDP server" placeholder="server (host or address)" data-testid="gateway-host" value={host} onChange={(e) => setHost(e.target.value)} required />
        <input className="input input-compact" style={{ width: 80 }} aria-label="Port" data-testid="gateway-port" value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" />
        <input className="input input-compact" aria-label="User" placeholder="user" data-testid="gateway-user" value={user} onChange={(e) => setUser(e.target.value)} required autoComplete="off" />
        <input className="input input-compact" type="password" aria-label="Password" placeholder="password" data-testid="gateway-password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />
        <input className="input input-compact" style={{ width: 120 }} aria-label="Domain" placeholder="domain (optional)" value={domain} onChange={(e) => setDomain(e.target.value)} />
        <input className="input input-compact" style={{ width: 220 }} aria-label="Certificate fingerprint" placeholder="certificate SHA-256 (optional)" value={fingerprint} onChange={(e) => setFingerprint(e.target.value)} />
        <button className="button primary" type="submit" disabled={busy || !host.trim() || !user.trim()} data-testid="gateway-connect">
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </form>
      <p className="muted small">
        The host signs in with its RDP client and shares the remote desktop as a control session: open <code>{viewerUrl}</code> on any device and enter the
        pairing code. Without a fingerprint, the server&apos;s certificate is trusted the first time and pinned after.
      </p>
      {gateways.length > 0 && (
        <table className="table">
          <thead>
            <tr><th>Server</th><th>User</th><th>Pairing code</th><th>Viewers</th><th>Certificate</th><th /></tr>
          </thead>
          <tbody>
            {gateways.map((g) => (
              <tr key={g.id} data-testid={`gateway-${g.id}`}>
                <td>{g.target}</td>
                <td><code>{g.user}</code></td>
                <td>
                  <strong style={{ fontSize: 20, letterSpacing: 4 }} data-testid="gateway-pairing-code">{g.pairingCode}</strong>
                  <div className="muted small">{g.pairingExpiresAt > Date.now() ? `valid until ${new Date(g.pairingExpiresAt).toLocaleTimeString()}` : 'expired'}</div>
                </td>
                <td>{g.viewers}</td>
                <td className="muted small mono" title={g.certificateSha256 ?? ''}>{g.certificateSha256 ? `${g.certificateSha256.slice(0, 23)}…` : 'none'}</td>
                <td><button className="button danger" type="button" data-testid={`gateway-close-${g.id}`} onClick={() => void closeGateway(g.id)}>Disconnect</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
