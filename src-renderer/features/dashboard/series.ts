import type { SystemStats } from '../../../src-shared/contract/index.js';
import { appendWindowed, type TimeSeries } from '../../ui/time-series.js';

export type StatsSeries = TimeSeries<'cpu' | 'memUsed' | 'rx' | 'tx'>;

export const WINDOW_SEC = 120;

export const EMPTY_SERIES: StatsSeries = { t: [], cpu: [], memUsed: [], rx: [], tx: [] };

/** Adds one sample and drops those older than the window (see appendWindowed). */
export function appendSample(series: StatsSeries, sample: SystemStats, windowSec = WINDOW_SEC): StatsSeries {
  return appendWindowed(
    series,
    sample.at,
    {
      cpu: sample.cpu.loadPercent,
      memUsed: sample.memory.usedBytes,
      rx: sample.network.rxBytesPerSec,
      tx: sample.network.txBytesPerSec,
    },
    windowSec,
  );
}
