import type { Display } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { CopyButton, CopyField } from '../../ui/CopyButton.js';
import { useRemote } from './store.js';

/**
 * RDP into the host's X displays: each open access with where to connect, the user name, who is signed
 * in and who was refused; the password of the one just opened, shown once.
 */
export function RdpAccesses({ displays }: { displays: Display[] }) {
  const { rdp, rdpPassword } = useRemote();
  const { closeRdp, forgetRdpPassword } = useRemote.getState();
  if (rdp.length === 0) return null;
  const nameOf = (id: string): string => displays.find((d) => d.id === id)?.name ?? id;
  return (
    <Card title="RDP access" testId="rdp-accesses">
      <p className="muted small">
        Any RDP client (Windows Remote Desktop, Remmina, xfreerdp) signs in with the user name and password below. The password is shown once; open
        the access again for a new one.
      </p>
      {rdpPassword && rdp.some((a) => a.displayId === rdpPassword.displayId) && (
        <div className="notice notice-warn" role="status" data-testid="rdp-password" style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
          <span>
            Password of <strong>{rdp.find((a) => a.displayId === rdpPassword.displayId)!.user}</strong> on {nameOf(rdpPassword.displayId)}:
          </span>
          <code className="mono" style={{ whiteSpace: 'nowrap', fontSize: 15 }}>{rdpPassword.password}</code>
          <CopyButton text={rdpPassword.password} />
          <button className="button small-button" type="button" onClick={forgetRdpPassword}>Hide</button>
          <span className="small">Shown this once: the host keeps only its hash.</span>
        </div>
      )}
      <table className="table">
        <thead>
          <tr><th>Display</th><th>Connect to</th><th>User</th><th>Signed in</th><th>Closes</th><th /></tr>
        </thead>
        <tbody>
          {rdp.map((a) => (
            <tr key={a.displayId} data-testid={`rdp-${a.displayId}`}>
              <td>{nameOf(a.displayId)} <span className="muted small">{a.state === 'running' ? '' : a.state}</span></td>
              <td>
                <CopyField value={a.address} testId="rdp-address" />
                {a.certificateSha256 && <div className="muted small mono" title="The certificate the RDP client shows on its first connection">SHA-256 {a.certificateSha256.slice(0, 23)}…</div>}
              </td>
              <td>
                <code data-testid="rdp-user">{a.user}</code>
              </td>
              <td data-testid="rdp-counts">
                {a.connected} now · {a.signIns} in all{a.refused > 0 ? <> · <span className="badge badge-bad">{a.refused} refused</span></> : null}
              </td>
              <td>{new Date(a.expiresAt).toLocaleTimeString()}</td>
              <td><button className="button danger" type="button" data-testid={`rdp-close-${a.displayId}`} onClick={() => void closeRdp(a.displayId)}>Close</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}
