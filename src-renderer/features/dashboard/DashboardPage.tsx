import { useEffect, useMemo } from 'react';
import type uPlot from 'uplot';
import { Card } from '../../ui/Card.js';
import { BackupsCard } from './BackupsCard.js';
import { CertificateCard } from './CertificateCard.js';
import { FfmpegCard } from './FfmpegCard.js';
import { formatBytes, formatRate } from './format.js';
import { LiveStreamsCard } from './LiveStreamsCard.js';
import { NativeCard } from './NativeCard.js';
import { StatTiles } from './StatTiles.js';
import { useDashboard } from './store.js';
import { TimeChart } from './TimeChart.js';

const percent = (v: number) => `${v.toFixed(0)} %`;
const CPU_SERIES = [{ label: 'CPU', color: '--chart-1' }];
const MEMORY_SERIES = [{ label: 'Used', color: '--chart-2' }];
const NETWORK_SERIES = [
  { label: 'Received', color: '--chart-3' },
  { label: 'Sent', color: '--chart-4' },
];

export function DashboardPage() {
  const latest = useDashboard((s) => s.latest);
  const series = useDashboard((s) => s.series);
  const load = useDashboard((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);

  const cpu = useMemo<uPlot.AlignedData>(() => [series.t, series.cpu], [series]);
  const memory = useMemo<uPlot.AlignedData>(() => [series.t, series.memUsed], [series]);
  const network = useMemo<uPlot.AlignedData>(() => [series.t, series.rx, series.tx], [series]);

  return (
    <div className="dashboard">
      <StatTiles stats={latest} />
      <LiveStreamsCard />
      <div className="charts">
        <Card title="CPU" className="chart-card">
          <TimeChart testId="chart-cpu" series={CPU_SERIES} data={cpu} formatValue={percent} yMax={100} />
        </Card>
        <Card
          title={<>Memory used {latest && <span className="muted">of {formatBytes(latest.memory.totalBytes)}</span>}</>}
          className="chart-card"
        >
          <TimeChart
            testId="chart-memory"
            series={MEMORY_SERIES}
            data={memory}
            formatValue={formatBytes}
            byteAxis
          />
        </Card>
        <Card title="Network" className="chart-card">
          <TimeChart testId="chart-network" series={NETWORK_SERIES} data={network} formatValue={formatRate} byteAxis />
        </Card>
      </div>
      <FfmpegCard />
      <CertificateCard />
      <NativeCard />
      <BackupsCard />
    </div>
  );
}
