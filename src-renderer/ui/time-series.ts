/** Columns for uPlot: `t` in Unix seconds, then one array per plotted value, all the same length. */
export type TimeSeries<K extends string> = { t: number[] } & { [P in K]: number[] };

/**
 * Adds one sample at `atMs` and drops those older than the window. Returns a new object (stores are
 * immutable); a sample not newer than the last one (a replay on reconnect) is ignored.
 */
export function appendWindowed<K extends string>(
  series: TimeSeries<K>,
  atMs: number,
  values: { [P in K]: number },
  windowSec: number,
): TimeSeries<K> {
  const t = atMs / 1000;
  const last = series.t[series.t.length - 1];
  if (last !== undefined && t <= last) return series;
  const from = series.t.findIndex((x) => x >= t - windowSec);
  const keep = from === -1 ? series.t.length : from;
  const next = { t: [...series.t.slice(keep), t] } as TimeSeries<K>;
  for (const key of Object.keys(values) as K[]) {
    (next as Record<K, number[]>)[key] = [...(series as Record<K, number[]>)[key].slice(keep), values[key]];
  }
  return next;
}
