import { startTransition, useOptimistic } from 'react';
import type { Destination } from '../../../../src-shared/contract/index.js';
import { Icon } from '../../../ui/Icon.js';
import { useNow } from '../../recordings/use-now.js';
import { formatDuration, formatKbps } from '../format.js';
import { DESTINATION_BADGE, DESTINATION_STATE_WORDS, isRunning, retryInSec } from './format.js';
import { useDestinations } from './store.js';

/** What the relay does now, in a line: bitrate and uptime while live, the countdown while retrying. */
function Status({ d, now }: { d: Destination; now: number }) {
  const retryIn = retryInSec(d, now);
  if (d.state === 'live') {
    return (
      <span data-testid={`destination-live-${d.id}`}>
        {formatKbps(d.bitrateKbps)} · up {d.since ? formatDuration((now - d.since) / 1000) : '—'}
      </span>
    );
  }
  if (retryIn !== null) {
    return <span data-testid={`destination-retry-${d.id}`}>retry #{d.retries + 1} in {retryIn} s</span>;
  }
  if (d.state === 'connecting') return <span>connecting…</span>;
  if (d.state === 'failed') return <span>gave up{d.retries > 0 ? ` after ${d.retries} retries` : ''}</span>;
  return <span>{d.autoStart ? 'starts with the stream' : 'starts when you press Start'}</span>;
}

export function DestinationRow({ destination: d, streamLive }: { destination: Destination; streamLive: boolean }) {
  const { start, stop, remove, update } = useDestinations.getState();
  const running = isRunning(d.state);
  const now = useNow(d.state === 'live' || d.state === 'retrying');
  const [autoStart, setAutoStart] = useOptimistic(d.autoStart);
  const toggleAutoStart = (next: boolean) =>
    startTransition(async () => {
      setAutoStart(next);
      await update(d.stream, d.id, { autoStart: next });
    });
  return (
    <li className="destination-row" data-testid={`destination-${d.id}`}>
      <div className="destination-main">
        <div className="destination-title">
          <span className="destination-label">{d.label}</span>
          <span className={`badge ${DESTINATION_BADGE[d.state]}`} title={DESTINATION_STATE_WORDS[d.state]} data-testid={`destination-state-${d.id}`} data-state={d.state}>
            {d.state}
          </span>
          <span className="muted small">{d.rendition ?? 'source'}</span>
        </div>
        <div className="muted small destination-meta">
          <span className="mono">{d.url}</span>
          <span title="Only the last characters of the key are ever shown">key {d.keyHint ?? 'none'}</span>
        </div>
        <div className="small destination-status">
          <Status d={d} now={now} />
        </div>
        {d.error && d.state !== 'live' && (
          <div className="field-error" data-testid={`destination-error-${d.id}`}>{d.error}</div>
        )}
      </div>
      <div className="destination-actions">
        <label className="switch" title="Start and stop with the stream">
          <input type="checkbox" data-testid={`destination-autostart-${d.id}`} checked={autoStart} onChange={(e) => toggleAutoStart(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">Auto</span>
        </label>
        {running ? (
          <button className="button" data-testid={`destination-stop-${d.id}`} onClick={() => void stop(d.stream, d.id)}>
            <Icon name="stop" size={16} /> Stop
          </button>
        ) : (
          <button
            className="button"
            data-testid={`destination-start-${d.id}`}
            disabled={!streamLive}
            title={streamLive ? 'Relay to this destination now' : 'A relay starts once the stream is live'}
            onClick={() => void start(d.stream, d.id)}
          >
            <Icon name="play" size={16} /> Start
          </button>
        )}
        <button className="icon-button" aria-label={`Delete ${d.label}`} data-testid={`destination-delete-${d.id}`} onClick={() => void remove(d.stream, d.id)}>
          <Icon name="trash" size={16} />
        </button>
      </div>
    </li>
  );
}
