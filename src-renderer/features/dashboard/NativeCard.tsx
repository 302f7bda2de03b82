import { useSession } from '../../app/session-store.js';
import { Card } from '../../ui/Card.js';

const PARTS: Record<string, string> = {
  pipewire: 'Wayland screens (PipeWire)',
  wlroots: 'sway and wlroots desktops',
  srtp: 'WebRTC fan-out (libsrtp)',
};

/** The host's native parts, and which path feeds WebRTC viewers (native fan-out or werift in JavaScript) and why. */
export function NativeCard() {
  const info = useSession((s) => s.info);
  if (!info) return null;
  const fanout = info.webrtc.fanout;
  const native = info.capture.native;
  return (
    <Card title="Native parts" testId="native-card">
      <dl className="facts">
        <dt>WebRTC viewers</dt>
        <dd data-testid="webrtc-fanout">
          <span className={`badge ${fanout.path === 'native' ? 'badge-ok' : 'badge-warn'}`}>{fanout.path === 'native' ? 'native fan-out' : 'JavaScript'}</span>{' '}
          {fanout.path === 'native' ? <span className="muted">each packet protected and sent to every viewer in one native call</span> : <span className="muted">{fanout.reason}</span>}
        </dd>
        <dt>Built here</dt>
        <dd data-testid="native-features">
          {native.features.length === 0 ? <span className="muted">nothing</span> : native.features.map((f) => <span key={f} className="chip chip-ok" title={f}>{PARTS[f] ?? f}</span>)}
        </dd>
        {native.reason && (
          <>
            <dt>Missing</dt>
            <dd className="muted small">{native.reason}</dd>
          </>
        )}
      </dl>
    </Card>
  );
}
