import { useEffect, useState } from 'react';
import type { Broadcast, Display } from '../../../src-shared/contract/index.js';
import { onEvent } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { useBroadcasts } from './broadcast-store.js';

const STATE_BADGE: Record<Broadcast['state'], string> = { starting: 'badge-idle', live: 'badge-live', restarting: 'badge-warn', failed: 'badge-bad' };

/** Start a broadcast of one display: into which stream, and the whole display or one of its windows. */
export function BroadcastForm({ display, onDone }: { display: Display; onDone: () => void }) {
  const { streams, windows } = useBroadcasts();
  const { load, loadWindows, start } = useBroadcasts.getState();
  const [stream, setStream] = useState('');
  const [windowId, setWindowId] = useState('');
  const [busy, setBusy] = useState(false);
  const list = windows[display.id] ?? [];
  const chosen = stream || streams[0] || '';

  useEffect(() => {
    void load();
    void loadWindows(display.id);
  }, [display.id, load, loadWindows]);

  return (
    <form
      className="broadcast-form"
      data-testid="broadcast-form"
      style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap', marginTop: 12 }}
      onSubmit={(e) => {
        e.preventDefault();
        if (!chosen) return;
        setBusy(true);
        void start({ displayId: display.id, stream: chosen, ...(windowId ? { windowId: Number(windowId) } : {}) }).then((ok) => {
          setBusy(false);
          if (ok) onDone();
        });
      }}
    >
      <strong>Broadcast {display.name}</strong>
      {streams.length === 0 ? (
        <span className="muted">Create a stream on the Streams page first: the display is published into it.</span>
      ) : (
        <select className="input input-compact" aria-label="Stream" data-testid="broadcast-stream" value={chosen} onChange={(e) => setStream(e.target.value)}>
          {streams.map((name) => <option key={name} value={name}>{name}</option>)}
        </select>
      )}
      <select className="input input-compact" style={{ maxWidth: 360 }} aria-label="Window" data-testid="broadcast-window" value={windowId} onChange={(e) => setWindowId(e.target.value)}>
        <option value="">Whole display ({display.width}×{display.height})</option>
        {list.map((w) => <option key={w.id} value={String(w.id)}>{w.title || `window 0x${w.id.toString(16)}`} ({w.width}×{w.height})</option>)}
      </select>
      <button className="button" type="button" onClick={() => void loadWindows(display.id)}>Refresh windows</button>
      <button className="button primary" type="submit" disabled={!chosen || busy} data-testid="broadcast-start">Start broadcast</button>
      <button className="button" type="button" onClick={onDone}>Cancel</button>
    </form>
  );
}

/** Running broadcasts with their state, kept current by broadcast.changed events. */
export function BroadcastList({ displays }: { displays: Display[] }) {
  const { broadcasts } = useBroadcasts();
  const { load, stop, apply } = useBroadcasts.getState();

  useEffect(() => {
    void load();
    return onEvent('broadcast.changed', ({ id, broadcast }) => apply(id, broadcast));
  }, [load, apply]);

  return (
    <Card title="Broadcasts" testId="remote-broadcasts">
      {broadcasts.length === 0 ? (
        <p className="muted">No broadcast. Broadcast a display to publish it as a live stream (HLS, DASH, WebRTC, recording and restreaming follow).</p>
      ) : (
        <table className="table">
          <thead>
            <tr><th>Stream</th><th>Display</th><th>Area</th><th>Video</th><th>State</th><th /></tr>
          </thead>
          <tbody>
            {broadcasts.map((b) => (
              <tr key={b.id} data-testid={`broadcast-${b.id}`}>
                <td><strong>{b.stream}</strong></td>
                <td>{displays.find((d) => d.id === b.displayId)?.name ?? b.displayId}</td>
                <td>
                  {b.target.width}×{b.target.height}
                  {(b.target.x > 0 || b.target.y > 0) && <span className="muted"> at {b.target.x},{b.target.y}</span>}
                  {b.windowId !== undefined && <div className="muted small">window 0x{b.windowId.toString(16)}</div>}
                </td>
                <td>{b.fps} fps · {b.bitrateKbps} kb/s · {b.encoder}<div className="muted small">sound: {b.audio}</div></td>
                <td>
                  <span className={`badge ${STATE_BADGE[b.state]}`} data-testid="broadcast-state" data-state={b.state} title={b.lastError ?? ''}>{b.state}</span>
                  {b.lastError && <div className="muted small">{b.lastError}</div>}
                </td>
                <td><button className="button danger" type="button" data-testid={`stop-broadcast-${b.id}`} onClick={() => void stop(b.id)}>Stop</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
