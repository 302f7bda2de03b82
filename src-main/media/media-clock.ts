import type { MediaClockView } from '../../src-shared/contract/data.js';
import type { StreamClockPort } from '../data/types.js';
import type { MediaChunk, PathReader } from './types.js';

/**
 * The program timeline of each stream: ONE anchor per live run of its Path, taken when the run's first
 * media frame arrives, `pdt(t) = anchor.programDateTime + (t - anchor.mediaTime)`. Every packager
 * (LL-HLS, HLS, DASH, WebRTC time maps, the recorder's start_pdt) and every data message takes its
 * program date-time from here, so for any frame they agree to the millisecond.
 *
 * `mediaTime` is the FLV timestamp (ms) of a frame on the publisher's timeline. After the run ends the
 * anchor is kept (not live) until the next run: packagers flushing their last segments still map time.
 */

/** What the clock needs from the Path hub (PathManager has it). */
export interface ClockPaths {
  onPublish(listener: (name: string) => void): () => void;
  onUnpublish(listener: (name: string) => void): () => void;
  addReader(name: string, reader: PathReader): () => void;
}

interface Run {
  live: boolean;
  anchor: { mediaTime: number; programDateTime: number } | null;
  newest: number | null;
  /** The most a frame arrived before the date the anchor gives it (ms, >= 0): see lateBy. */
  lateBy: number;
}

export class MediaClock implements StreamClockPort {
  private readonly runs = new Map<string, Run>();
  private readonly now: () => number;
  private readonly offs: (() => void)[] = [];

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Follows every live run of `paths`: a reader per run sees its frames from the first one. */
  attach(paths: ClockPaths): void {
    this.offs.push(
      // onPublish runs before the publisher's first write, so the reader misses no frame.
      paths.onPublish((name) => {
        this.start(name);
        paths.addReader(name, { id: 'media-clock', push: (chunk) => this.frame(name, chunk), close: () => undefined });
      }),
      paths.onUnpublish((name) => this.stop(name)),
    );
  }

  detach(): void {
    for (const off of this.offs.splice(0)) off();
  }

  /** A new live run of `stream`: the next frame is its anchor. */
  start(stream: string): void {
    this.runs.set(stream, { live: true, anchor: null, newest: null, lateBy: 0 });
  }

  /** The run ended: no more stamping; its anchor stays for late mapping until the next run. */
  stop(stream: string): void {
    const run = this.runs.get(stream);
    if (run) run.live = false;
  }

  /** Forgets a deleted stream. */
  forget(stream: string): void {
    this.runs.delete(stream);
  }

  /** One chunk of the run, in order. Headers, metadata and codec configurations carry no frame time. */
  frame(stream: string, chunk: MediaChunk): void {
    if (chunk.sequenceHeader || (chunk.kind !== 'video' && chunk.kind !== 'audio')) return;
    const run = this.runs.get(stream);
    if (!run?.live) return;
    const now = this.now();
    run.anchor ??= { mediaTime: chunk.timestamp, programDateTime: now };
    if (chunk.kind !== 'video') return;
    if (run.newest === null || chunk.timestamp > run.newest) run.newest = chunk.timestamp;
    run.lateBy = Math.max(run.lateBy, run.anchor.programDateTime + (chunk.timestamp - run.anchor.mediaTime) - now);
  }

  /**
   * How much later than they reach the host the run dates its frames (ms): the anchor is the first
   * frame's arrival, and a publisher whose first frame comes late (an ingest that probes before its first
   * output: WHIP through ffmpeg, about 1.4 s here) has every later frame dated that much after it came.
   * The dates stay as they are (every packager and message agrees on them); what is placed on the
   * program by when it happened (a guest's own recording) adds this. 0 before any frame.
   */
  lateBy(stream: string): number {
    return this.runs.get(stream)?.lateBy ?? 0;
  }

  /** The program date-time of `mediaTime` in the stream's current (or last) run; null before any frame. */
  programDateTime(stream: string, mediaTime: number): number | null {
    const anchor = this.runs.get(stream)?.anchor;
    return anchor ? anchor.programDateTime + (mediaTime - anchor.mediaTime) : null;
  }

  stamp(stream: string, mediaTime?: number): { mediaTime: number | null; programDateTime: number | null } {
    const run = this.runs.get(stream);
    if (!run?.live || !run.anchor) return { mediaTime: null, programDateTime: null };
    // Before the first video frame (audio only so far) the anchor's own time is the newest we know.
    const t = mediaTime ?? run.newest ?? run.anchor.mediaTime;
    return { mediaTime: t, programDateTime: run.anchor.programDateTime + (t - run.anchor.mediaTime) };
  }

  view(stream: string): MediaClockView {
    const run = this.runs.get(stream);
    const live = run?.live === true && run.anchor !== null;
    const { mediaTime, programDateTime } = this.stamp(stream);
    return { live, mediaTime, programDateTime, anchor: run?.anchor ? { ...run.anchor } : null };
  }
}
