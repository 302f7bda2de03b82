import { useMemo, useState, type FormEvent } from 'react';
import type uPlot from 'uplot';
import type { ObsOutputName } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { TimeChart } from '../dashboard/TimeChart.js';
import { formatKbps } from '../streams/format.js';
import { formatDuration, OBS_WINDOW_SEC } from './obs-model.js';
import { setOutput, streamToStudio, useObs } from './store.js';

const OUTPUTS: { name: ObsOutputName; label: string }[] = [
  { name: 'stream', label: 'Stream' },
  { name: 'record', label: 'Record' },
  { name: 'replay', label: 'Replay buffer' },
  { name: 'virtualcam', label: 'Virtual camera' },
];
const BITRATE_SERIES = [{ label: 'Bitrate', color: '--chart-1' }];
const FPS_SERIES = [
  { label: 'FPS', color: '--chart-2' },
  { label: 'Dropped', color: '--chart-3' },
];

/** Start/stop every output, one-click "stream to this studio", and live stats charts. */
export function OutputsCard() {
  const outputs = useObs((s) => s.outputs);
  const stats = useObs((s) => s.lastStats);
  const series = useObs((s) => s.series);
  const [stream, setStream] = useState('obs');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const bitrate = useMemo<uPlot.AlignedData>(() => [series.t, series.bitrate], [series]);
  const fps = useMemo<uPlot.AlignedData>(() => [series.t, series.fps, series.dropped], [series]);

  const send = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(await streamToStudio(stream.trim()));
    setBusy(false);
  };

  return (
    <Card title="Outputs" testId="obs-outputs">
      <div className="obs-output-buttons">
        {OUTPUTS.map(({ name, label }) => {
          const o = outputs?.[name];
          const active = Boolean(o?.active);
          const unavailable = (name === 'replay' || name === 'virtualcam') && outputs !== null && !(outputs[name] as { available: boolean }).available;
          return (
            <button
              key={name}
              type="button"
              className={`button ${active ? 'danger' : ''}`}
              data-testid={`obs-output-${name}`}
              data-active={active}
              disabled={!outputs || unavailable}
              title={unavailable ? `${label} is not set up in this OBS` : undefined}
              onClick={() => void setOutput(name, !active)}
            >
              <Icon name={active ? 'stop' : name === 'record' ? 'record' : 'play'} size={14} /> {active ? `Stop ${label.toLowerCase()}` : label}
            </button>
          );
        })}
      </div>
      {outputs && (
        <p className="muted obs-output-facts" data-testid="obs-output-facts">
          {outputs.stream.active ? `Streaming ${formatDuration(outputs.stream.durationMs)} to ${outputs.stream.server ?? 'the service'}` : 'Not streaming'}
          {outputs.record.active ? ` · recording ${formatDuration(outputs.record.durationMs)}` : ''}
        </p>
      )}
      <form className="obs-inline-form" onSubmit={(e) => void send(e)}>
        <input className="input input-compact" aria-label="Stream name" data-testid="obs-studio-stream" value={stream} onChange={(e) => setStream(e.target.value)} />
        <button className="button primary small-button" type="submit" data-testid="obs-stream-to-studio" disabled={busy || !stream.trim() || Boolean(outputs?.stream.active)}>
          <Icon name="broadcast" size={14} /> Stream to this studio
        </button>
      </form>
      {error && <div className="form-error" role="alert" data-testid="obs-stream-error">{error}</div>}
      <dl className="obs-stats" data-testid="obs-stats">
        <div><dt>FPS</dt><dd>{stats ? stats.fps.toFixed(1) : '—'}</dd></div>
        <div><dt>CPU</dt><dd>{stats ? `${stats.cpuPercent.toFixed(1)} %` : '—'}</dd></div>
        <div><dt>Bitrate</dt><dd data-testid="obs-stats-bitrate">{stats ? formatKbps(stats.streamBitrateKbps) : '—'}</dd></div>
        <div><dt>Dropped</dt><dd>{stats ? `${stats.streamDroppedFrames} / ${stats.streamTotalFrames}` : '—'}</dd></div>
        <div><dt>Skipped</dt><dd>{stats ? `${stats.renderSkippedFrames + stats.outputSkippedFrames}` : '—'}</dd></div>
      </dl>
      <div className="charts">
        <TimeChart testId="chart-obs-bitrate" series={BITRATE_SERIES} data={bitrate} formatValue={formatKbps} windowSec={OBS_WINDOW_SEC} height={120} />
        <TimeChart testId="chart-obs-fps" series={FPS_SERIES} data={fps} formatValue={(v) => v.toFixed(0)} windowSec={OBS_WINDOW_SEC} height={120} />
      </div>
    </Card>
  );
}
