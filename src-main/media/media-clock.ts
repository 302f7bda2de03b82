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
    this.runs.set(stream, { live: true, anchor: null, newest: null });
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
    run.anchor ??= { mediaTime: chunk.timestamp, programDateTime: this.now() };
    if (chunk.kind === 'video' && (run.newest === null || chunk.timestamp > run.newest)) run.newest = chunk.timestamp;
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
