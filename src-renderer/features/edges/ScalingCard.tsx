import { useEffect } from 'react';
import type { ScalingStatus } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { useNow } from '../recordings/use-now.js';
import { DECISION_WORDS, edgePolicyLine, policyLine, scalingChart, sourcesLine } from './scaling-model.js';
import { useRunners } from './runners-store.js';
import './scaling.css';

const BOX = { width: 720, height: 110, left: 36, right: 6, top: 8, bottom: 8 };

type Role = 'runner' | 'edge';

/**
 * The autoscaler as one fleet sees it (runners in the Runners tab, edges in the Edges tab): its
 * policy, the machines it added, its decisions with their reasons, and load against capacity.
 */
export function ScalingCard({ role }: { role: Role }) {
  const scaling = useRunners((s) => s.scaling);
  const now = useNow(true, 1000);
  // Decisions come as events; the load samples (one per look) are read again every few seconds.
  useEffect(() => {
    void useRunners.getState().loadScaling();
    const timer = setInterval(() => void useRunners.getState().loadScaling(), 5000);
    return () => clearInterval(timer);
  }, []);
  if (!scaling) return null;
  const edge = role === 'edge';
  const enabled = edge ? scaling.edges.enabled : scaling.enabled;
  const backoffUntil = edge ? scaling.edges.backoffUntil : scaling.backoffUntil;
  const lastReason = edge ? scaling.edges.lastReason : scaling.lastReason;
  const members = scaling.members.filter((m) => m.role === role);
  const decisions = scaling.decisions.filter((d) => d.role === role);
  const backoff = backoffUntil !== null && backoffUntil > now ? Math.ceil((backoffUntil - now) / 1000) : null;
  const lastFailure = decisions.find((d) => d.action === 'failed');
  return (
    <Card
      title={<>Autoscaling <span className={`badge ${enabled ? 'badge-ok' : 'badge-muted'}`} data-testid="scaling-state">{enabled ? 'on' : 'off'}</span></>}
      testId={edge ? 'edge-scaling-card' : 'scaling-card'}
    >
      {enabled ? (
        <>
          <p className="scaling-policy" data-testid="scaling-policy">{edge ? edgePolicyLine({ ...scaling.edges, cooldownSeconds: scaling.cooldownSeconds }) : policyLine(scaling)}</p>
          <p className="muted small" data-testid="scaling-sources">{sourcesLine(scaling)}</p>
        </>
      ) : edge ? (
        <p className="muted" data-testid="scaling-off">
          Off: edges come and go by hand. Turn on <a href="#/settings">Autoscaling › Edges</a> in Settings, with an SSH pool or a provider command,
          to add edges when the viewers' traffic per edge core passes a target, and drain and remove them when the others can carry it.
        </p>
      ) : (
        <p className="muted" data-testid="scaling-off">
          Off: runners come and go by hand. Turn on <a href="#/settings">Autoscaling › Runners</a> in Settings, with an SSH pool or a provider command,
          to add runners when jobs wait and remove them once idle.
        </p>
      )}
      {backoff !== null && lastFailure && (
        <div className="notice notice-bad scaling-alert" role="alert" data-testid="scaling-alert">
          <strong>Adding {edge ? 'an edge' : 'a runner'} failed.</strong> {lastFailure.reason.replace(/; next try in \d+ s$/, '')}. Next try in {backoff} s.
        </div>
      )}
      {enabled && <p className="small" data-testid="scaling-now">Now: {lastReason || '—'}</p>}
      <LoadChart samples={scaling.samples} role={role} targetMbps={scaling.edges.targetMbps} />
      {members.length > 0 && (
        <ul className="scaling-members" data-testid="scaling-members">
          {members.map((m) => (
            <li key={m.id} data-testid={`scaling-member-${m.name}`}>
              <strong>{m.name}</strong> <span className="badge badge-accent">{m.state}</span>{' '}
              <span className="muted small">
                {edge && m.edgeId ? `${m.edgeId} · ` : ''}
                {m.source === 'pool' ? 'SSH pool' : `provider ${m.providerId ?? ''}`} · {m.target}
              </span>
            </li>
          ))}
        </ul>
      )}
      <h4 className="scaling-heading">Decisions</h4>
      {decisions.length === 0 ? (
        <p className="muted small" data-testid="scaling-no-decisions">None yet.</p>
      ) : (
        <table className="table scaling-decisions" data-testid="scaling-decisions">
          <tbody>
            {decisions.slice(0, 12).map((d) => (
              <tr key={`${d.at}-${d.action}-${d.member}`}>
                <td className="muted small nowrap">{new Date(d.at).toLocaleTimeString()}</td>
                <td><span className={`badge badge-${DECISION_WORDS[d.action].tone}`}>{DECISION_WORDS[d.action].label}</span></td>
                <td className="nowrap">{d.member ?? ''}</td>
                <td className="small">{d.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

const LEGEND: Record<Role, { what: string; load: string; capacity: string }> = {
  runner: { what: 'Runner load', load: 'load (busy slots + jobs waiting)', capacity: 'capacity (runner slots)' },
  edge: { what: 'Edge traffic', load: 'traffic (Mbit/s, all edges in rotation)', capacity: 'capacity (edge cores × the target)' },
};

function LoadChart({ samples, role, targetMbps }: { samples: ScalingStatus['samples']; role: Role; targetMbps: number }) {
  const chart = scalingChart(samples, BOX, role, targetMbps);
  const legend = LEGEND[role];
  if (samples.length < 2) return <p className="muted small" data-testid="scaling-chart-empty">Load against capacity shows after a few seconds.</p>;
  return (
    <figure className="scaling-chart-figure">
      <svg className="scaling-chart" viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={`${legend.what} against capacity over the last ${chart.spanMin} min`} data-testid="scaling-chart">
        {chart.ticks.map((t) => (
          <g key={t.value}>
            <line className="chart-grid" x1={BOX.left} x2={BOX.width - BOX.right} y1={t.y} y2={t.y} />
            <text className="chart-axis" x={BOX.left - 6} y={t.y} textAnchor="end" dominantBaseline="middle">{t.value}</text>
          </g>
        ))}
        <path className="scaling-load" d={chart.load} />
        <path className="scaling-capacity" d={chart.capacity} />
      </svg>
      <figcaption className="muted small">
        <span className="legend legend-load" /> {legend.load} <span className="legend legend-capacity" /> {legend.capacity} · last {chart.spanMin || '<1'} min
      </figcaption>
    </figure>
  );
}
