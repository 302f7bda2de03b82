import type { StreamStats } from '../../../src-shared/contract/index.js';
import { appendWindowed, type TimeSeries } from '../../ui/time-series.js';

export type StreamSeries = TimeSeries<'bitrateIn' | 'bitrateOut' | 'viewers'>;

/** Five minutes: enough to see a bitrate dip and the viewers it cost. */
export const STREAM_WINDOW_SEC = 300;

export const EMPTY_STREAM_SERIES: StreamSeries = { t: [], bitrateIn: [], bitrateOut: [], viewers: [] };

/** Adds one sample, dropping those older than the window (see appendWindowed). */
export function appendStreamSample(series: StreamSeries, sample: StreamStats, windowSec = STREAM_WINDOW_SEC): StreamSeries {
  return appendWindowed(
    series,
    sample.at,
    { bitrateIn: sample.bitrateInKbps, bitrateOut: sample.bitrateOutKbps, viewers: sample.viewers },
    windowSec,
  );
}
