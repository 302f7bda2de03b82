import { useEffect } from 'react';
import type { EncodeOn, Stream } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { formatDvrMinutes, formatMeasuredLatency, LATENCY_WORDS } from './format.js';
import { LatencyFields } from './LatencyFields.js';
import { useStreams } from './store.js';

const ENCODE_ON_WORDS: Record<EncodeOn, string> = { origin: 'this host', runner: 'a runner when one is free' };

/** Where the ladder encodes now (live), else where it will. */
export function encodedOnText(stream: Stream): string {
  const now = stream.live?.encodedOn;
  if (now === undefined || now === null) return stream.live ? 'starting…' : ENCODE_ON_WORDS[stream.encodeOn];
  return now === 'origin' ? (stream.encodeOn === 'runner' ? 'this host (no runner free)' : 'this host') : `runner ${now}`;
}

/**
 * The stream's latency: its mode and DVR window (editable; they apply from the next publish), where
 * its ladder encodes (this host, or a transcoding runner: low latency only), and what our players
 * measured, per protocol (the median of `viewers.latencyMsP50`).
 */
export function LatencyCard({ stream }: { stream: Stream }) {
  const stats = useStreams((s) => s.viewers[stream.name]);
  const loadViewers = useStreams((s) => s.loadViewers);
  const update = useStreams((s) => s.update);
  useEffect(() => {
    void loadViewers(stream.name);
  }, [stream.name, loadViewers]);
  const measured = formatMeasuredLatency(stats?.latencyMsP50);
  const live = stream.state === 'live';
  return (
    <Card title="Latency" testId="stream-latency">
      <dl className="facts facts-inline">
        <dt>Mode</dt>
        <dd data-testid="stream-latency-mode">{LATENCY_WORDS[stream.latency].label}</dd>
        <dt>DVR window</dt>
        <dd data-testid="stream-dvr-window">{stream.latency === 'low' ? formatDvrMinutes(stream.dvrMinutes) : 'live window only'}</dd>
        <dt>Encoded on</dt>
        <dd data-testid="stream-encoded-on">{encodedOnText(stream)}</dd>
        <dt>Measured</dt>
        <dd data-testid="stream-latency-measured" className={measured ? '' : 'muted'} title="Median glass-to-glass latency our players reported">
          {measured ?? 'not measured yet'}
        </dd>
      </dl>
      <details className="latency-edit">
        <summary data-testid="stream-latency-change">Change mode, DVR window or where it encodes</summary>
        <LatencyFields
          label="Mode"
          latency={stream.latency}
          dvrMinutes={stream.dvrMinutes}
          commit="blur"
          testId="stream-latency-edit"
          onChange={(change) => void update({ name: stream.name, ...change })}
        />
        <label className="field-label encode-on-label" htmlFor="stream-encode-on">Encode the ladder on</label>
        <select
          id="stream-encode-on"
          className="input input-compact"
          data-testid="stream-encode-on"
          value={stream.encodeOn}
          disabled={stream.latency !== 'low' && stream.encodeOn === 'origin'}
          onChange={(e) => void update({ name: stream.name, encodeOn: e.target.value as EncodeOn })}
        >
          <option value="origin">This host</option>
          <option value="runner">A runner</option>
        </select>
        <div className="field-hint" data-testid="stream-encode-on-hint">
          {stream.latency !== 'low' ? 'Runners encode low-latency streams only.' : stream.encodeOn === 'runner' ? 'A transcoding runner when one is free, else this host; a runner that fails hands the ladder back within seconds and players go on.' : 'Encoded by this host.'}
        </div>
        {live && <p className="field-hint latency-next">Changes apply from the next publish.</p>}
      </details>
    </Card>
  );
}
