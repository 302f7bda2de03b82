import { useMemo } from 'react';
import type uPlot from 'uplot';
import { Card } from '../../ui/Card.js';
import { TimeChart } from '../dashboard/TimeChart.js';
import { formatKbps } from './format.js';
import { EMPTY_STREAM_SERIES, STREAM_WINDOW_SEC } from './stream-series.js';
import { useStreams } from './store.js';

const BITRATE_SERIES = [
  { label: 'In', color: '--chart-1' },
  { label: 'Out', color: '--chart-2' },
];
const VIEWER_SERIES = [{ label: 'Viewers', color: '--chart-3' }];
/** Viewers are whole: ticks between two counts (0.5) stay blank instead of repeating a number. */
const count = (v: number) => (Number.isInteger(v) ? String(v) : '');

/** Bitrate in/out and viewers over the last five minutes, from `stream.stats`. */
export function StreamCharts({ name }: { name: string }) {
  const series = useStreams((s) => s.series[name]) ?? EMPTY_STREAM_SERIES;
  const bitrate = useMemo<uPlot.AlignedData>(() => [series.t, series.bitrateIn, series.bitrateOut], [series]);
  const viewers = useMemo<uPlot.AlignedData>(() => [series.t, series.viewers], [series]);
  return (
    <div className="charts">
      <Card title="Bitrate" className="chart-card">
        <TimeChart testId="chart-stream-bitrate" series={BITRATE_SERIES} data={bitrate} formatValue={formatKbps} windowSec={STREAM_WINDOW_SEC} />
      </Card>
      <Card title="Viewers" className="chart-card">
        <TimeChart testId="chart-stream-viewers" series={VIEWER_SERIES} data={viewers} formatValue={count} windowSec={STREAM_WINDOW_SEC} />
      </Card>
    </div>
  );
}
