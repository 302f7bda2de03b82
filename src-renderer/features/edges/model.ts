import type { EdgeInfo, PurgeRequest } from '../../../src-shared/contract/index.js';
import { purgeRequestSchema } from '../../../src-shared/contract/index.js';
import { appendWindowed, type TimeSeries } from '../../ui/time-series.js';

export type EdgeSeries = TimeSeries<'hit' | 'bps' | 'p99'>;
export const EMPTY_EDGE_SERIES: EdgeSeries = { t: [], hit: [], bps: [], p99: [] };
export const EDGE_WINDOW_SEC = 120;

/** One heartbeat of an edge into its chart series: hit ratio in %, bytes/s over the last minute, p99 ms. */
export function appendEdgeSample(series: EdgeSeries, edge: EdgeInfo, atMs: number): EdgeSeries {
  if (!edge.stats) return series;
  return appendWindowed(series, atMs, { hit: edge.stats.hitRatio * 100, bps: edge.stats.bytes / 60, p99: edge.stats.p99Ms }, EDGE_WINDOW_SEC);
}

/** Several edges on one chart: one time axis (union), each edge's value or null where it has none. */
export function mergeSeries(byEdge: Record<string, EdgeSeries>, ids: string[], key: 'hit' | 'bps' | 'p99'): (number | null)[][] {
  const times = [...new Set(ids.flatMap((id) => byEdge[id]?.t ?? []))].sort((a, b) => a - b);
  const columns = ids.map((id) => {
    const s = byEdge[id];
    const at = new Map(s ? s.t.map((t, i) => [t, s[key][i]!] as const) : []);
    return times.map((t) => at.get(t) ?? null);
  });
  return [times, ...columns];
}

export type PurgeMode = 'tags' | 'prefix' | 'pattern' | 'urls';

/** The purge form's text -> a request the contract accepts, or the first problem in words. */
export function purgeFromForm(mode: PurgeMode, text: string, soft: boolean): { request: PurgeRequest } | { error: string } {
  const items = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  const raw: Record<string, unknown> =
    mode === 'tags' ? { tags: items } : mode === 'urls' ? { urls: items } : { [mode]: text.trim() || undefined };
  if (soft) raw.soft = true;
  const parsed = purgeRequestSchema.safeParse(raw);
  if (parsed.success) return { request: parsed.data };
  const issue = parsed.error.issues[0];
  return { error: `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}` };
}

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(0)} %`;
}

export function ago(ms: number | null, now: number): string {
  if (ms === null) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}
