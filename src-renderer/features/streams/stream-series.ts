import type { StreamStats } from '../../../src-shared/contract/index.js';

/** Columns for uPlot: `t` in Unix seconds, one array per plotted value, all the same length. */
export interface StreamSeries {
  t: number[];
  bitrateIn: number[];
  bitrateOut: number[];
  viewers: number[];
}

/** Five minutes: enough to see a bitrate dip and the viewers it cost. */
export const STREAM_WINDOW_SEC = 300;

export const EMPTY_STREAM_SERIES: StreamSeries = { t: [], bitrateIn: [], bitrateOut: [], viewers: [] };

/** Adds one sample, dropping those older than the window; a sample not newer than the last is ignored. */
export function appendStreamSample(series: StreamSeries, sample: StreamStats, windowSec = STREAM_WINDOW_SEC): StreamSeries {
  const t = sample.at / 1000;
  const last = series.t[series.t.length - 1];
  if (last !== undefined && t <= last) return series;
  const from = series.t.findIndex((x) => x >= t - windowSec);
  const keep = from === -1 ? series.t.length : from;
  const cut = (values: number[], next: number) => [...values.slice(keep), next];
  return {
    t: cut(series.t, t),
    bitrateIn: cut(series.bitrateIn, sample.bitrateInKbps),
    bitrateOut: cut(series.bitrateOut, sample.bitrateOutKbps),
    viewers: cut(series.viewers, sample.viewers),
  };
}
