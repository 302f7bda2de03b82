import type { WindowDefinition, WindowResult } from '../../../src-shared/contract/index.js';

/** Points kept per tumbling window chart (a minute each for the default: two hours). */
export const MAX_POINTS = 120;

/** How a window is drawn: counts over time (tumbling, no groups), bars per group, or one number. */
export type WindowView = 'timeline' | 'bars' | 'number';

export function viewOf(def: WindowDefinition): WindowView {
  if (def.groupBy !== undefined) return 'bars';
  return def.kind === 'tumbling' ? 'timeline' : 'number';
}

/** A tumbling window's counts, one point per window start (`t` in Unix seconds, for uPlot). */
export interface Timeline {
  t: number[];
  count: number[];
}

export const EMPTY_TIMELINE: Timeline = { t: [], count: [] };

/**
 * Adds a tumbling window's result to its timeline: the point of the same window is replaced (results come
 * while it fills), a newer one appended, an older one (a replay) ignored. Returns a new object.
 */
export function addToTimeline(line: Timeline, result: WindowResult, max = MAX_POINTS): Timeline {
  if (result.start <= 0) return line;
  const t = result.start / 1000;
  const last = line.t.length - 1;
  if (last >= 0 && line.t[last] === t) return { t: line.t, count: [...line.count.slice(0, last), result.count] };
  if (last >= 0 && t < line.t[last]!) return line;
  const keep = Math.max(0, line.t.length + 1 - max);
  return { t: [...line.t.slice(keep), t], count: [...line.count.slice(keep), result.count] };
}

export interface Bar {
  label: string;
  count: number;
  /** Of the largest bar, 0..1. */
  share: number;
}

/** Groups as bars, largest first, at most `max` (the rest summed into one "others" bar). */
export function barsOf(groups: Record<string, number>, max = 8): Bar[] {
  const sorted = Object.entries(groups).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = sorted.slice(0, max).map(([label, count]) => ({ label, count }));
  const rest = sorted.slice(max).reduce((n, [, c]) => n + c, 0);
  if (rest > 0) shown.push({ label: 'others', count: rest });
  const top = Math.max(1, ...shown.map((b) => b.count));
  return shown.map((b) => ({ ...b, share: b.count / top }));
}
