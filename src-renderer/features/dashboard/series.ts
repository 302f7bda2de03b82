import type { SystemStats } from '../../../src-shared/contract/index.js';

/** Columns for uPlot: `t` in Unix seconds, one array per plotted value, all the same length. */
export interface StatsSeries {
  t: number[];
  cpu: number[];
  memUsed: number[];
  rx: number[];
  tx: number[];
}

export const WINDOW_SEC = 120;

export const EMPTY_SERIES: StatsSeries = { t: [], cpu: [], memUsed: [], rx: [], tx: [] };

/**
 * Adds one sample and drops those older than the window. Returns a new object (the store is
 * immutable); a sample not newer than the last one (a replay on reconnect) is ignored.
 */
export function appendSample(series: StatsSeries, sample: SystemStats, windowSec = WINDOW_SEC): StatsSeries {
  const t = sample.at / 1000;
  const last = series.t[series.t.length - 1];
  if (last !== undefined && t <= last) return series;
  const from = series.t.findIndex((x) => x >= t - windowSec);
  const keep = from === -1 ? series.t.length : from;
  const cut = (values: number[], next: number) => [...values.slice(keep), next];
  return {
    t: cut(series.t, t),
    cpu: cut(series.cpu, sample.cpu.loadPercent),
    memUsed: cut(series.memUsed, sample.memory.usedBytes),
    rx: cut(series.rx, sample.network.rxBytesPerSec),
    tx: cut(series.tx, sample.network.txBytesPerSec),
  };
}
