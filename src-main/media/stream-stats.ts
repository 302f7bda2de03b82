import type { ViewerStats } from '../../src-shared/contract/index.js';

/** Segments are fetched every 2 s or so: a 1 s window would swing between 0 and twice the rate. */
const BITRATE_OUT_WINDOW_MS = 6000;

/** (time, bytes served) samples of the last few seconds: the bitrate out is averaged over them. */
export class BitrateWindow {
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = BITRATE_OUT_WINDOW_MS) {}

  /** The average rate in kb/s from the oldest kept sample to `bytes` at `now`; 0 before the first sample. */
  kbps(bytes: number, now: number): number {
    const first = this.samples[0];
    if (!first) return 0;
    const seconds = (now - first.at) / 1000;
    return seconds > 0 ? Math.round(((bytes - first.bytes) * 8) / 1000 / seconds) : 0;
  }

  add(bytes: number, now: number): void {
    this.samples.push({ at: now, bytes });
    while (this.samples.length > 1 && now - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }
}

export interface LiveFigures {
  uptimeSec: number;
  bitrateInKbps: number;
  bitrateOutKbps: number;
  viewers: number;
  droppedChunks: number;
}

/** The figures a live stream shows (in its view and in its stats events), at `now`. */
export function liveFigures(
  input: { since: number; bitrateInBps: number | undefined; viewers: ViewerStats; droppedChunks: number; out: BitrateWindow },
  now: number,
): LiveFigures {
  return {
    uptimeSec: Math.round((now - input.since) / 1000),
    bitrateInKbps: Math.round((input.bitrateInBps ?? 0) / 1000),
    bitrateOutKbps: input.out.kbps(input.viewers.bytesOut, now),
    viewers: input.viewers.viewers,
    droppedChunks: input.droppedChunks,
  };
}
