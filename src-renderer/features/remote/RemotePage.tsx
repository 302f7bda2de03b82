import { useEffect, useState } from 'react';
import { QUALITY_LEVEL_NAMES, type Display, type RemotePermission, type RemoteSession } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { BroadcastForm, BroadcastList } from './Broadcasts.js';
import { RdpAccesses } from './RdpAccesses.js';
import { RdpGateways } from './RdpGateways.js';
import { parseSize } from './size.js';
import { useRemote } from './store.js';

const SIZES = ['1280x720', '1920x1080', '1024x768', '2560x1440'];
const REFRESH_MS = 2000;

/** Displays (real and virtual), remote sessions with their pairing codes and viewers. */
export function RemotePage() {
  const { loaded, displays, sessions, waylandNote } = useRemote();
  const { load, createDisplay, deleteDisplay, openSession, endSession, openRdp } = useRemote.getState();
  const [size, setSize] = useState(SIZES[0]!);
  const [permission, setPermission] = useState<RemotePermission>('control');
  const [broadcastOf, setBroadcastOf] = useState<string | null>(null);
  const broadcastDisplay = displays.find((d) => d.id === broadcastOf);
  const parsed = parseSize(size);

  useEffect(() => {
    void load();
    // Viewers join and leave on their own: the page follows them.
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const viewerUrl = `${window.location.origin}/remote`;

  return (
    <div className="remote">
      <Card
        title="Displays"
        testId="remote-displays"
        actions={
          <form
            style={{ display: 'flex', gap: 8, alignItems: 'center' }}
            onSubmit={(e) => {
              e.preventDefault();
              if (parsed) void createDisplay(parsed.width, parsed.height);
            }}
          >
            <input className="input input-compact" list="remote-sizes" aria-label="Size" data-testid="display-size" value={size} onChange={(e) => setSize(e.target.value)} />
            <datalist id="remote-sizes">{SIZES.map((s) => <option key={s} value={s} />)}</datalist>
            <button className="button primary" type="submit" disabled={!parsed} data-testid="create-display">Create virtual display</button>
          </form>
        }
      >
        {waylandNote && (
          <div className="notice notice-warn" role="status" data-testid="wayland-note">
            This host runs on a Wayland desktop whose screens it cannot capture: {waylandNote}. Virtual displays work as usual.
          </div>
        )}
        {!loaded ? (
          <p className="muted">Loading…</p>
        ) : displays.length === 0 ? (
          <p className="muted">No display yet. Create a virtual display (Xvfb) to host a headless desktop.</p>
        ) : (
          <table className="table">
            <thead>
              <tr><th>Display</th><th>Size</th><th>Kind</th><th>State</th><th /></tr>
            </thead>
            <tbody>
              {displays.map((d) => (
                <tr key={d.id} data-testid={`display-${d.id}`}>
                  <td>{d.name} <span className="muted small">{d.id}</span></td>
                  <td>{d.width}×{d.height} @ {d.refreshHz} Hz</td>
                  <td>{displayKind(d)}</td>
                  <td>{d.state}</td>
                  <td style={{ display: 'flex', gap: 6 }}>
                    <select className="input input-compact" aria-label="Permission" value={permission} onChange={(e) => setPermission(e.target.value as RemotePermission)}>
                      <option value="control">Control</option>
                      <option value="view">View only</option>
                    </select>
                    <button className="button" type="button" data-testid={`share-${d.id}`} onClick={() => void openSession(d.id, permission)}>Share</button>
                    <button className="button" type="button" data-testid={`broadcast-display-${d.id}`} onClick={() => setBroadcastOf(d.id)}>Broadcast</button>
                    {d.kind === 'x11' && (
                      <button className="button" type="button" data-testid={`rdp-open-${d.id}`} title="Let RDP clients in for an hour, with a password made for it" onClick={() => void openRdp(d.id, 60)}>
                        RDP
                      </button>
                    )}
                    {d.virtual && <button className="button danger-outline" type="button" onClick={() => void deleteDisplay(d.id)}>Delete</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {broadcastDisplay && <BroadcastForm key={broadcastDisplay.id} display={broadcastDisplay} onDone={() => setBroadcastOf(null)} />}
      </Card>
      <Card title="Remote sessions" testId="remote-sessions">
        {sessions.length === 0 ? (
          <p className="muted">No session. Share a display, then open <code>{viewerUrl}</code> on the viewing device and enter the pairing code.</p>
        ) : (
          <table className="table">
            <thead>
              <tr><th>Pairing code</th><th>Display</th><th>Permission</th><th>Viewers</th><th /></tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id} data-testid={`session-${s.id}`}>
                  <td>
                    <strong style={{ fontSize: 20, letterSpacing: 4 }} data-testid="pairing-code">{s.pairingCode}</strong>
                    <div className="muted small">{s.pairingExpiresAt > Date.now() ? `valid until ${new Date(s.pairingExpiresAt).toLocaleTimeString()}` : 'expired'} · {viewerUrl}</div>
                  </td>
                  <td>{displays.find((d) => d.id === s.displayId)?.name ?? s.displayId}</td>
                  <td>{s.permission === 'control' ? 'Control' : 'View only'}</td>
                  <td>{s.viewers.length === 0 ? <span className="muted">none</span> : s.viewers.map((v) => <ViewerLine key={v.id} viewer={v} />)}</td>
                  <td><button className="button danger" type="button" data-testid={`end-${s.id}`} onClick={() => void endSession(s.id)}>End session</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <RdpAccesses displays={displays} />
      <RdpGateways />
      <BroadcastList displays={displays} />
    </div>
  );
}

/** One viewer: where from, and what its network reports (loss, round trip, the quality it needs). */
function ViewerLine({ viewer }: { viewer: RemoteSession['viewers'][number] }) {
  const n = viewer.network;
  return (
    <div data-testid={`viewer-${viewer.id}`}>
      {viewer.remoteAddress} · {viewer.connected ? 'connected' : 'connecting'}
      {n && (
        <span className="muted">
          {' '}· {n.lossPercent}% loss{n.rttMs !== null ? ` · ${n.rttMs} ms` : ''} · {QUALITY_LEVEL_NAMES[n.level]?.toLowerCase() ?? n.level} quality{n.auto ? '' : ' (chosen)'}
        </span>
      )}
    </div>
  );
}

/** How the host reaches a display, in words: an Xvfb it made, the X display it runs on, a Wayland monitor. */
function displayKind(d: Display): string {
  if (d.virtual) return d.kind === 'x11' ? 'virtual (Xvfb)' : 'virtual';
  if (d.kind === 'wayland') return 'Wayland monitor';
  return d.kind === 'x11' ? 'X display' : 'screen';
}
