import type { EdgeInfo } from '../../../src-shared/contract/index.js';
import { formatBytes } from '../dashboard/format.js';
import { ago, percent } from './model.js';

const DRAIN_WORDS: Record<NonNullable<EdgeInfo['draining']>, string> = {
  operator: 'draining: no new viewers',
  decommission: 'draining for its decommission',
  upgrade: 'draining while it is upgraded',
  autoscaler: 'draining: the autoscaler is removing it',
};

export function EdgeList({
  edges,
  now,
  onDecommission,
  onDrain,
}: {
  edges: EdgeInfo[];
  now: number;
  onDecommission(edge: EdgeInfo): void;
  onDrain(edge: EdgeInfo, draining: boolean): void;
}) {
  if (edges.length === 0) {
    return <p className="muted" data-testid="edges-empty">No edges yet. Provision one on any Debian or Ubuntu server you can reach over SSH.</p>;
  }
  return (
    <table className="table" data-testid="edges-table">
      <thead>
        <tr>
          <th>Edge</th><th>Region</th><th>Health</th><th>Hit ratio</th><th>Sent / min</th><th>p99</th><th>Last heartbeat</th><th />
        </tr>
      </thead>
      <tbody>
        {edges.map((e) => (
          <tr key={e.id} data-testid={`edge-row-${e.id}`}>
            <td><div>{e.id}</div><div className="muted small">{e.url}</div></td>
            <td>{e.region || '—'}</td>
            <td>
              <span className={`badge ${e.healthy ? 'badge-ok' : 'badge-bad'}`} data-testid={`edge-health-${e.id}`}>
                {e.healthy ? 'healthy' : e.connected ? 'out of rotation' : 'offline'}
              </span>
              {e.draining && (
                <div>
                  <span className="badge badge-warn" data-testid={`edge-draining-${e.id}`}>{DRAIN_WORDS[e.draining]}</span>
                </div>
              )}
              {e.unhealthyReason && (
                <div className="muted small" data-testid={`edge-reason-${e.id}`}>
                  {e.unhealthyReason}
                </div>
              )}
            </td>
            <td>{percent(e.hitRatio)}</td>
            <td>{e.stats ? formatBytes(e.stats.bytes) : '—'}</td>
            <td>{e.stats ? `${e.stats.p99Ms.toFixed(0)} ms` : '—'}</td>
            <td>{ago(e.lastSeen, now)}</td>
            <td>
              <div className="edge-actions">
                <button
                  className="button"
                  data-testid={`edge-drain-${e.id}`}
                  title={e.draining ? 'Send new viewers here again' : 'No new viewers; those watching move to the other edges within half a minute'}
                  onClick={() => onDrain(e, !e.draining)}
                >
                  {e.draining ? 'Undrain' : 'Drain'}
                </button>
                <button className="button danger-outline" data-testid={`edge-decommission-${e.id}`} onClick={() => onDecommission(e)}>
                  Decommission
                </button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
