import type { LlRunStart, LlSegment, LlTrackInfo, LlTrackSnapshot } from './types.js';

/**
 * One track's window of a low-latency stream: segments with their parts (bytes in memory while they
 * are recent), waiters for blocking requests, and the counters playlists need. Mutated only by
 * LlStream; read by the routes through snapshots and waits.
 */

export interface PartRecord {
  duration: number;
  independent: boolean;
  /** moof+mdat; null once the segment's parts were dropped from memory (the segment file stays). */
  data: Buffer | null;
}

export interface SegmentRecord {
  msn: number;
  run: string;
  parts: PartRecord[];
  /** The track's running number of parts[0] (see `LlSegment.firstPart`). */
  firstPart: number;
  /** Seconds: `ticks` over the track's timescale (summed as integers, so 10 x 0.2 s is exactly 2 s). */
  duration: number;
  ticks: number;
  complete: boolean;
  programDateTime: number;
  discontinuity: boolean;
  baseDecodeTime: number;
  bytes: number;
  /** The whole segment is on disk (its file can be served and the parts dropped). */
  onDisk: boolean;
  /** Left the window (its file goes as soon as it is written). */
  dropped?: boolean;
}

export class TrackState {
  readonly segments: SegmentRecord[] = [];
  /** Discontinuities of segments that left the window. */
  discontinuitySequence = 0;
  nextMsn = 0;
  /** The running number the next part will have (parts are numbered across segments and runs). */
  nextPart = 0;
  info: LlTrackInfo;
  /** Init sections by run id. */
  readonly inits = new Map<string, Buffer>();
  /** Where each run with segments in the window began (see `LlTrackSnapshot.runStarts`). */
  readonly runStarts = new Map<string, LlRunStart>();
  private readonly wakers = new Set<() => void>();

  constructor(info: LlTrackInfo) {
    this.info = info;
  }

  get index(): number {
    return this.info.index;
  }

  current(): SegmentRecord | undefined {
    return this.segments.at(-1);
  }

  find(msn: number): SegmentRecord | undefined {
    const first = this.segments[0];
    if (!first) return undefined;
    const seg = this.segments[msn - first.msn];
    return seg?.msn === msn ? seg : this.segments.find((s) => s.msn === msn);
  }

  /** The part with running number `n` (its segment and index there), while its segment is in the window. */
  partAt(n: number): { seg: SegmentRecord; index: number } | undefined {
    for (let i = this.segments.length - 1; i >= 0; i -= 1) {
      const seg = this.segments[i]!;
      if (seg.firstPart <= n) return n - seg.firstPart < seg.parts.length ? { seg, index: n - seg.firstPart } : undefined;
    }
    return undefined;
  }

  /** The last complete part: [msn, part index], or null. */
  lastPart(): { msn: number; part: number } | null {
    for (let i = this.segments.length - 1; i >= 0; i -= 1) {
      const seg = this.segments[i]!;
      if (seg.parts.length > 0) return { msn: seg.msn, part: seg.parts.length - 1 };
    }
    return null;
  }

  /** Whether segment `msn` (part `part`, when given) or anything later is available. */
  has(msn: number, part?: number): boolean {
    const last = this.current();
    if (!last) return false;
    if (last.msn > msn) return true;
    if (last.msn < msn) return false;
    return part === undefined ? last.complete : last.parts.length > part || last.complete;
  }

  /** Calls `wake` on every change until the returned function is called. */
  watch(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  changed(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /**
   * A key that changes whenever a playlist written from `snapshot()` would (the playlist answers are
   * kept per key, see ll-routes): the window's first number and length, the discontinuities that left
   * it, the parts and state of the segment being written, and how many segments are complete and how
   * many still list their parts (parts leave memory oldest first). Read from the state itself, so no
   * change can be missed by a writer that forgets to say so.
   */
  playlistKey(): string {
    let complete = 0;
    let listed = 0;
    for (const s of this.segments) {
      if (s.complete) complete += 1;
      if (s.parts.length > 0 && s.parts.every((p) => p.data !== null)) listed += 1;
    }
    const first = this.segments[0];
    const last = this.segments.at(-1);
    return `${first?.msn ?? -1}.${this.segments.length}.${this.discontinuitySequence}.${last?.parts.length ?? 0}.${complete}.${listed}`;
  }

  snapshot(ended: boolean): LlTrackSnapshot {
    return {
      index: this.info.index,
      kind: this.info.kind,
      timescale: this.info.timescale,
      discontinuitySequence: this.discontinuitySequence,
      ended,
      runStarts: Object.fromEntries(this.runStarts),
      segments: this.segments.map(
        (s): LlSegment => ({
          msn: s.msn,
          run: s.run,
          parts: s.parts.map((p) => ({ duration: p.duration, independent: p.independent })),
          firstPart: s.firstPart,
          partsListed: s.parts.length > 0 && s.parts.every((p) => p.data !== null),
          duration: s.duration,
          complete: s.complete,
          programDateTime: s.programDateTime,
          discontinuity: s.discontinuity,
          baseDecodeTime: s.baseDecodeTime,
        }),
      ),
    };
  }
}
