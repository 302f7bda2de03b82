import { useEffect, useMemo, useState } from 'react';
import type { EdgeInfo } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { itemHref, useHashItem } from '../../ui/hash-route.js';
import { Icon } from '../../ui/Icon.js';
import { formatRate } from '../dashboard/format.js';
import { TimeChart } from '../dashboard/TimeChart.js';
import { useNow } from '../recordings/use-now.js';
import { EdgeList } from './EdgeList.js';
import { EdgePlayer } from './EdgePlayer.js';
import { FunctionsCard } from './FunctionsCard.js';
import { EDGE_WINDOW_SEC, mergeSeries } from './model.js';
import { ProvisionDialog } from './ProvisionDialog.js';
import { PurgeForm } from './PurgeForm.js';
import { RunnersCard } from './RunnersCard.js';
import { ScalingCard } from './ScalingCard.js';
import { useRunners } from './runners-store.js';
import { useEdges } from './store.js';

const COLORS = ['--chart-1', '--chart-2', '--chart-3', '--chart-4'];

type EdgesTab = 'edges' | 'runners';

/** The page's two fleets, one address each: `#/edges` (delivery) and `#/edges/runners` (transcoding). */
export function EdgesPage() {
  const tab: EdgesTab = useHashItem('edges') === 'runners' ? 'runners' : 'edges';
  const edges = useEdges((s) => s.edges.length);
  const runners = useRunners((s) => s.runners.length);
  const tabs: { id: EdgesTab; label: string; count: number }[] = [
    { id: 'edges', label: 'Edges', count: edges },
    { id: 'runners', label: 'Runners', count: runners },
  ];
  return (
    <div className="edges">
      <nav className="segmented edges-tabs" role="tablist" aria-label="Fleet">
        {tabs.map((t) => (
          <a
            key={t.id}
            role="tab"
            aria-selected={tab === t.id}
            className={`segment ${tab === t.id ? 'active' : ''}`}
            href={itemHref('edges', t.id === 'edges' ? null : t.id)}
            data-testid={`edges-tab-${t.id}`}
          >
            {t.label}
            {t.count > 0 && <span className="edges-tab-count">{t.count}</span>}
          </a>
        ))}
      </nav>
      {tab === 'runners' ? (
        <>
          <RunnersCard />
          <ScalingCard role="runner" />
        </>
      ) : (
        <EdgeFleet />
      )}
    </div>
  );
}

/** The edge fleet: health, charts, purge, provisioning and decommission. */
function EdgeFleet() {
  const edges = useEdges((s) => s.edges);
  const series = useEdges((s) => s.series);
  const loaded = useEdges((s) => s.loaded);
  const now = useNow(true, 1000);
  const [dialog, setDialog] = useState<{ edge?: EdgeInfo } | null>(null);
  useEffect(() => {
    void useEdges.getState().load();
  }, []);
  const ids = useMemo(() => edges.map((e) => e.id), [edges]);
  const chartSeries = edges.map((e, i) => ({ label: e.id, color: COLORS[i % COLORS.length]! }));
  const chart = (key: 'hit' | 'bps' | 'p99', title: string, format: (v: number) => string, yMax?: number) => (
    <div className="edge-chart">
      <h3>{title}</h3>
      <TimeChart
        testId={`edge-chart-${key}`}
        series={chartSeries}
        data={mergeSeries(series, ids, key) as never}
        formatValue={format}
        windowSec={EDGE_WINDOW_SEC}
        height={140}
        {...(yMax ? { yMax } : {})}
      />
    </div>
  );

  return (
    <>
      <Card
        title={<>Edges <span className="muted">{edges.length || ''}</span></>}
        testId="edges-card"
        actions={
          <button className="button primary" data-testid="provision-open" onClick={() => setDialog({})}>
            <Icon name="plus" size={16} /> Provision an edge
          </button>
        }
      >
        {loaded ? <EdgeList edges={edges} now={now} onDecommission={(edge) => setDialog({ edge })} onDrain={(edge, draining) => void useEdges.getState().drain(edge.id, draining)} /> : <p className="muted">Loading…</p>}
      </Card>
      {edges.length > 0 && (
        <Card title="Fleet" testId="edges-charts">
          <div className="charts">
            {chart('hit', 'Hit ratio', (v) => `${v.toFixed(0)} %`, 100)}
            {chart('bps', 'Bandwidth', (v) => formatRate(v))}
            {chart('p99', 'p99 latency', (v) => `${v.toFixed(0)} ms`)}
          </div>
        </Card>
      )}
      <ScalingCard role="edge" />
      <FunctionsCard />
      <PurgeForm />
      {edges.some((e) => e.healthy) && <EdgePlayer />}
      {dialog && <ProvisionDialog {...(dialog.edge ? { edge: dialog.edge } : {})} onClose={() => setDialog(null)} />}
    </>
  );
}
