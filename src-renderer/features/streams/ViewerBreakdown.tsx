import { useEffect } from 'react';
import { Card } from '../../ui/Card.js';
import { formatBytes } from '../dashboard/format.js';
import { formatMs } from './format.js';
import { useStreams } from './store.js';

function Bars({ title, counts, testId }: { title: string; counts: Record<string, number>; testId: string }) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return (
    <div className="bars" data-testid={testId}>
      <div className="bars-title">{title}</div>
      {entries.length === 0 ? (
        <div className="muted small">No viewers yet.</div>
      ) : (
        entries.map(([key, n]) => (
          <div key={key} className="bar-row" data-testid={`${testId}-${key}`}>
            <span className="bar-label">{key}</span>
            <span className="meter"><span className="meter-fill" style={{ width: `${total > 0 ? (n / total) * 100 : 0}%` }} /></span>
            <span className="bar-value">{n}</span>
          </div>
        ))
      )}
    </div>
  );
}

/** Who watches what: concurrent viewers per rendition and per protocol, from `stream.viewers`. */
export function ViewerBreakdown({ name }: { name: string }) {
  const stats = useStreams((s) => s.viewers[name]);
  const loadViewers = useStreams((s) => s.loadViewers);
  useEffect(() => {
    void loadViewers(name);
  }, [name, loadViewers]);
  return (
    <Card title={<>Viewers <span className="muted">{stats ? stats.viewers : ''}</span></>} testId="viewer-breakdown">
      <div className="breakdown">
        <Bars title="By rendition" counts={stats?.byRendition ?? {}} testId="viewers-by-rendition" />
        <Bars title="By protocol" counts={stats?.byProtocol ?? {}} testId="viewers-by-protocol" />
      </div>
      <dl className="facts facts-inline">
        <dt>Sent</dt>
        <dd>{formatBytes(stats?.bytesOut)}</dd>
        <dt>Rendition switches</dt>
        <dd>{stats?.renditionSwitches ?? '—'}</dd>
        <dt>Startup (median)</dt>
        <dd data-testid="viewers-startup-p50">{formatMs(stats?.startupMsP50)}</dd>
      </dl>
    </Card>
  );
}
