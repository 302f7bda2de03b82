import { useEffect } from 'react';
import type { Stream } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { formatDvrMinutes, formatMeasuredLatency, LATENCY_WORDS } from './format.js';
import { LatencyFields } from './LatencyFields.js';
import { useStreams } from './store.js';

/**
 * The stream's latency: its mode and DVR window (editable; they apply from the next publish) and what
 * our players measured, per protocol (the median of `viewers.latencyMsP50`).
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
        <dt>Measured</dt>
        <dd data-testid="stream-latency-measured" className={measured ? '' : 'muted'} title="Median glass-to-glass latency our players reported">
          {measured ?? 'not measured yet'}
        </dd>
      </dl>
      <details className="latency-edit">
        <summary data-testid="stream-latency-change">Change mode or DVR window</summary>
        <LatencyFields
          label="Mode"
          latency={stream.latency}
          dvrMinutes={stream.dvrMinutes}
          commit="blur"
          testId="stream-latency-edit"
          onChange={(change) => void update({ name: stream.name, ...change })}
        />
        {live && <p className="field-hint latency-next">Changes apply from the next publish.</p>}
      </details>
    </Card>
  );
}
