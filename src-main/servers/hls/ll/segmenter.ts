/**
 * Cuts a track's samples into parts and segments for LL-HLS and chunked LL-DASH. Pure: samples in,
 * cuts out; the timeline turns cuts into fragments, playlists and files.
 *
 * - A part never exceeds the part target: it is closed when the next sample (assumed as long as the
 *   last one) would take it past the target, and before a sample that would. Closing on the last
 *   sample rather than waiting for the next one keeps a frame of latency off every part.
 * - Video: a keyframe starts a new part (INDEPENDENT=YES), and a new segment once the current one has
 *   reached the segment target (less half a frame). Encoded rungs have a keyframe every segment
 *   target, so segments are exactly that long; a passed-through source cuts at its own keyframes.
 * - Audio follows the video: it starts a segment at the first sample at or after the video's latest
 *   boundary it has not crossed yet, so both tracks' segments share media sequence numbers. Without a
 *   video track (`followsBoundaries: false`) audio cuts by itself at the segment target.
 */

/** The part of a sample the segmenter needs (a CmafSample is one). */
export interface TimedSample {
  /** Decode time, track timescale. */
  dts: number;
  duration: number;
  keyframe: boolean;
}

export interface SegmenterOptions {
  kind: 'video' | 'audio';
  timescale: number;
  partTargetSec: number;
  segmentTargetSec: number;
  /** Audio only: cut segments at boundaries given with `boundary()` (the video's), else by itself. */
  followsBoundaries?: boolean;
  /** Told the decode time of every sample that starts a segment, as soon as it is pushed. */
  onSegmentStart?: (dts: number) => void;
}

export interface Cut<S extends TimedSample> {
  samples: S[];
  /** Decode time of the first sample, track timescale. */
  baseDecodeTime: number;
  /** Sum of the samples' durations, track timescale. */
  duration: number;
  /** The first sample is a sync sample. */
  independent: boolean;
  /** This part is the first of a new segment. */
  startsSegment: boolean;
}

export class TrackSegmenter<S extends TimedSample> {
  private readonly partTarget: number;
  private readonly segmentTarget: number;
  private pending: S[] = [];
  private pendingDuration = 0;
  private pendingStartsSegment = true;
  /** Duration of the segment so far, including pending samples. */
  private segmentDuration = 0;
  private segmentStarted = false;
  /** Video boundaries (seconds of media time) audio has yet to cross, ascending. */
  private readonly boundaries: number[] = [];

  constructor(private readonly options: SegmenterOptions) {
    this.partTarget = options.partTargetSec * options.timescale;
    this.segmentTarget = options.segmentTargetSec * options.timescale;
  }

  /** Audio: the video started a segment at this media time (seconds). */
  boundary(timeSec: number): void {
    const last = this.boundaries.at(-1);
    if (last === undefined || timeSec > last) this.boundaries.push(timeSec);
  }

  push(samples: readonly S[]): Cut<S>[] {
    const cuts: Cut<S>[] = [];
    for (const sample of samples) {
      const startsSegment = this.startsSegment(sample);
      const overTarget = this.pending.length > 0 && this.pendingDuration + sample.duration > this.partTarget + 0.5;
      const keyPart = this.options.kind === 'video' && sample.keyframe && this.pending.length > 0;
      if (this.pending.length > 0 && (startsSegment || overTarget || keyPart)) cuts.push(this.cut());
      if (startsSegment) {
        this.options.onSegmentStart?.(sample.dts);
        this.pendingStartsSegment = true;
        this.segmentDuration = 0;
      }
      this.segmentStarted = true;
      this.pending.push(sample);
      this.pendingDuration += sample.duration;
      this.segmentDuration += sample.duration;
      // Close now when the next sample, as long as this one, would not fit.
      if (this.pendingDuration + sample.duration > this.partTarget + 0.5) cuts.push(this.cut());
    }
    return cuts;
  }

  /** The samples held back (the run ended): they make a last, shorter part. */
  flush(): Cut<S>[] {
    return this.pending.length > 0 ? [this.cut()] : [];
  }

  private startsSegment(sample: S): boolean {
    const halfFrame = sample.duration / 2;
    if (this.options.kind === 'audio' && this.options.followsBoundaries) {
      const time = (sample.dts + halfFrame) / this.options.timescale;
      let crossed = false;
      while (this.boundaries.length > 0 && this.boundaries[0]! <= time) {
        this.boundaries.shift();
        crossed = true;
      }
      return crossed || !this.segmentStarted;
    }
    if (!this.segmentStarted) return true;
    if (this.options.kind === 'video') return sample.keyframe && this.segmentDuration >= this.segmentTarget - halfFrame;
    return this.segmentDuration >= this.segmentTarget - halfFrame;
  }

  private cut(): Cut<S> {
    const samples = this.pending;
    const first = samples[0]!;
    const cut: Cut<S> = {
      samples,
      baseDecodeTime: first.dts,
      duration: this.pendingDuration,
      independent: this.options.kind === 'audio' || first.keyframe,
      startsSegment: this.pendingStartsSegment,
    };
    this.pending = [];
    this.pendingDuration = 0;
    this.pendingStartsSegment = false;
    return cut;
  }
}
