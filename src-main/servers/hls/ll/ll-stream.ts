import type { Logger } from '../../../core/logger.js';
import { TrackSegmenter, type Cut, type TimedSample } from './segmenter.js';
import { TrackState, type SegmentRecord } from './track-state.js';
import type { LlTrackInfo, LlTrackSnapshot } from './types.js';
import { kidOf, type RunEncryption } from './content-keys.js';
import { auxInfoBoxes, clearKeyPssh, keyGroupBoxes, protectInit, protectSample, type CbcsTrack, type ProtectedSample } from '../../../protocols/cmaf/cbcs.js';

/**
 * A low-latency stream's timeline across the packager runs of one live run: every track's segments
 * and parts, the DVR window (complete segments written to the run's session folder, the oldest
 * removed), and waits for blocking playlist reloads, preload-hinted parts and chunked segments.
 *
 * Fragment bytes come from the caller (`FragmentWriter`), so this file holds no box code (a cbcs run's
 * samples and init sections are encrypted by protocols/cmaf/cbcs.ts); files go through `LlFiles`, so
 * tests run without a disk.
 */

export interface LlSample extends TimedSample {
  cto: number;
  flags: number;
  data: Buffer;
}

export interface LlFiles {
  write(dir: string, file: string, data: Buffer): Promise<void>;
  remove(dir: string, file: string): Promise<void>;
}

/** Turns a part's samples into one moof+mdat. */
export type FragmentWriter = (fragment: { sequence: number; trackId: number; baseDecodeTime: number; samples: LlSample[]; auxInfo?: readonly Buffer[]; pssh?: readonly Buffer[] }) => Buffer;

export interface LlStreamOptions {
  name: string;
  partTargetSec: number;
  segmentTargetSec: number;
  /** Seconds of complete segments kept (the DVR window); at least `minWindowSegments` segments. */
  windowSec: number;
  minWindowSegments: number;
  /** Complete segments whose parts stay in memory (listed as EXT-X-PART). */
  partsKeptSegments?: number;
  files: LlFiles;
  writeFragment: FragmentWriter;
  logger: Logger;
  now?: () => number;
  /** Bytes written (positive) or removed (negative) on disk, for a shared DVR budget. */
  onDiskBytes?: (delta: number) => void;
  /**
   * The stream's media clock (media/media-clock.ts): program date-time of a media time (FLV ms), null
   * before its first frame. Samples' decode times are the FLV times plus `mediaOffsetSec` (the packager
   * keeps the input's timestamps: ll-packager-args.ts), so every segment's PDT comes from the run's one anchor.
   */
  programDateTime?: (mediaMs: number) => number | null;
  mediaOffsetSec?: number;
  /** Segments and parts are served encrypted with these keys (AES-128); null or absent: clear. */
  encryption?: RunEncryption | null;
}

export interface RunTrack {
  info: Omit<LlTrackInfo, 'codec' | 'timescale'>;
}

interface RunTrackState {
  track: TrackState;
  trackId: number;
  segmenter: TrackSegmenter<LlSample> | null;
  sequence: number;
  parts: number;
  /** Its first samples went to the segmenter. */
  started?: boolean;
  /** A cbcs run: how this track's samples are encrypted. */
  cbcs?: CbcsTrack;
}

export class LlStream {
  readonly name: string;
  private readonly tracks = new Map<number, TrackState>();
  private run: LlRun | undefined;
  private endedFlag = false;
  private readonly now: () => number;
  /** Bytes of this stream's segment files on disk. */
  diskBytes = 0;
  /** Wall-clock time of the live run's first segment: the MPD's availabilityStartTime. */
  availabilityStartMs: number | null = null;

  /** AES-128 keys of this live run (content-keys.ts): parts and segments encrypted whole when served (ll-routes); null otherwise. */
  readonly encryption: RunEncryption | null;
  /** cbcs: samples encrypted as fragments are written, init sections protected (nothing to do when served). */
  readonly protection: RunEncryption | null;

  constructor(readonly options: LlStreamOptions) {
    this.name = options.name;
    this.encryption = options.encryption?.scheme === 'aes-128' ? options.encryption : null;
    this.protection = options.encryption?.scheme === 'cbcs' ? options.encryption : null;
    this.now = options.now ?? Date.now;
  }

  /**
   * PART-TARGET as announced: the configured part target plus 5 %. Sources timed in milliseconds
   * (RTMP) give 33/34 ms frames, so six frames are 200-201 ms; a strict 200 ms limit would cut five.
   */
  get partLimitSec(): number {
    return Math.round(this.options.partTargetSec * 1050) / 1000;
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  /** When end() was called (Unix ms), null while a run is on. */
  endedAt: number | null = null;
  /** The publisher dropped (it may reconnect) rather than stopped. */
  mayReturn = false;

  get currentRun(): LlRun | undefined {
    return this.run;
  }

  trackIndexes(): number[] {
    return [...this.tracks.keys()].sort((a, b) => a - b);
  }

  track(index: number): TrackState | undefined {
    return this.tracks.get(index);
  }

  infos(): LlTrackInfo[] {
    return this.trackIndexes().map((i) => this.tracks.get(i)!.info);
  }

  snapshot(index: number): LlTrackSnapshot | undefined {
    return this.tracks.get(index)?.snapshot(this.endedFlag);
  }

  /** A new ffmpeg run writing to `dir`: its first segments follow a discontinuity. */
  startRun(id: string, dir: string, tracks: RunTrack[]): LlRun {
    this.run?.end();
    this.endedFlag = false;
    this.endedAt = null;
    // Each track numbers on from its own last segment: a run killed after the audio started a segment
    // but before the video did leaves them one apart, and a jump would be a hole in a playlist (whose
    // numbers are implied by position). Players align tracks by time, not by number.
    this.run = new LlRun(this, id, dir, tracks);
    return this.run;
  }

  /** The stream is over (its publisher left): waits give up; playlists end after a grace (see ll-routes). */
  end(options: { mayReturn?: boolean } = {}): void {
    this.run?.end();
    if (!this.endedFlag) this.endedAt = this.now();
    this.mayReturn = options.mayReturn ?? false;
    this.endedFlag = true;
    for (const t of this.tracks.values()) t.changed();
  }

  /** @internal */ trackFor(info: LlTrackInfo): TrackState {
    let track = this.tracks.get(info.index);
    if (!track) {
      track = new TrackState(info);
      this.tracks.set(info.index, track);
    } else track.info = info;
    return track;
  }

  /** The oldest complete segment's wall-clock time across tracks (for a shared disk budget). */
  oldestProgramDateTime(): number | null {
    let oldest: number | null = null;
    for (const t of this.tracks.values()) {
      const first = t.segments[0];
      if (first?.complete && (oldest === null || first.programDateTime < oldest)) oldest = first.programDateTime;
    }
    return oldest;
  }

  /** Drops the oldest complete segment of every track (the disk budget is exceeded). */
  evictOldest(): void {
    for (const t of this.tracks.values()) if (t.segments.length > 1 && t.segments[0]!.complete) this.drop(t);
  }

  /** @internal */ segmentCompleted(track: TrackState, seg: SegmentRecord, dir: string): void {
    const data = Buffer.concat(seg.parts.map((p) => p.data ?? Buffer.alloc(0)));
    seg.bytes = data.length;
    this.options.files
      .write(dir, fileOf(track.index, seg.msn), data)
      .then(() => {
        // Dropped from the window while being written (a short window, a slow disk): remove it now.
        if (seg.dropped) return this.options.files.remove(dir, fileOf(track.index, seg.msn));
        seg.onDisk = true;
        this.diskBytes += data.length;
        this.options.onDiskBytes?.(data.length);
        this.trimMemory(track);
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, stream: this.name, msn: seg.msn }, 'could not write a DVR segment'));
    this.trimWindow(track);
  }

  private trimMemory(track: TrackState): void {
    const keep = this.options.partsKeptSegments ?? 4;
    const complete = track.segments.filter((s) => s.complete);
    for (const seg of complete.slice(0, Math.max(0, complete.length - keep))) {
      if (seg.onDisk) for (const part of seg.parts) part.data = null;
    }
  }

  private trimWindow(track: TrackState): void {
    const { windowSec, minWindowSegments } = this.options;
    let total = track.segments.reduce((sum, s) => sum + (s.complete ? s.duration : 0), 0);
    while (track.segments.length > minWindowSegments + 1 && total - track.segments[0]!.duration >= windowSec - 1e-6) {
      total -= track.segments[0]!.duration;
      this.drop(track);
    }
  }

  private drop(track: TrackState): void {
    const seg = track.segments.shift();
    if (!seg) return;
    if (seg.discontinuity) track.discontinuitySequence += 1;
    seg.dropped = true;
    if (track.segments[0]?.run !== seg.run) track.runStarts.delete(seg.run);
    const dir = this.run?.dirOf(seg.run);
    if (seg.onDisk && dir) {
      this.diskBytes -= seg.bytes;
      this.options.onDiskBytes?.(-seg.bytes);
      this.options.files.remove(dir, fileOf(track.index, seg.msn)).catch(() => undefined);
    }
  }

  /** @internal */ nowMs(): number {
    return this.now();
  }
}

/** One ffmpeg run: per track, an init section then samples. */
export class LlRun {
  private readonly perTrack = new Map<number, RunTrackState>();
  private anchor: { wallMs: number; mediaSec: number } | null = null;
  /** Media time of the video's first segment (null until its first keyframe). */
  private firstBoundary: number | null = null;
  /**
   * The video's segment starts so far (the last few): an audio track whose init section comes after
   * the video has started segments (an MPEG-TS source is probed longer) gets them when it is set up,
   * or its first segment would span two of the video's and its numbers would trail for the whole run.
   */
  private readonly boundaries: number[] = [];
  private readonly heldAudio: LlSample[] = [];
  /** The run's audio track, once its init section came. */
  private audio: RunTrackState | undefined;
  /** Video tracks held until every rendition has its first samples (see holdVideo). */
  private readonly videoStart: { aligned: boolean; from: number | null; held: Map<number, LlSample[]> } = {
    aligned: false,
    from: null,
    held: new Map(),
  };
  /** Media time up to which the reference video has been pushed. */
  private videoEndSec = -Infinity;
  private ended = false;
  private readonly dirs: Map<string, string>;
  /** cbcs key periods whose key did not come (said once each). */
  private readonly keyless = new Set<number>();
  private readonly videoIndex: number | undefined;

  constructor(
    private readonly stream: LlStream,
    readonly id: string,
    readonly dir: string,
    private readonly tracks: RunTrack[],
  ) {
    this.dirs = new Map(previousDirs(stream).concat([[id, dir]]));
    this.videoIndex = tracks.find((t) => t.info.kind === 'video')?.info.index;
  }

  /** The folder of a run of this live run (for files of older runs still in the window). */
  dirOf(run: string): string | undefined {
    return this.dirs.get(run);
  }

  /** Tracks this run writes (every one appears in the master once it has its init section). */
  get trackCount(): number {
    return this.tracks.length;
  }

  /** Every track has a part in this run. */
  get ready(): boolean {
    return this.tracks.every((t) => (this.perTrack.get(t.info.index)?.parts ?? 0) > 0);
  }

  init(index: number, init: { trackId: number; timescale: number; codec: string }, data: Buffer): void {
    const spec = this.tracks.find((t) => t.info.index === index);
    if (!spec || this.ended) return;
    let cbcs: CbcsTrack | undefined;
    const protection = this.stream.protection;
    if (protection) {
      // A track that cannot be protected is left out (the stream never plays), never served clear.
      try {
        const others = protection.systemsOf(0).map((system) => system.pssh);
        ({ init: data, track: cbcs } = protectInit(data, Buffer.from(protection.kidOf(0), 'hex'), protection.keyOf(0), protection.constantIv, others));
      } catch (error) {
        this.stream.options.logger.error({ err: error, stream: this.stream.name, track: index }, 'this track cannot be encrypted (cbcs): it is not served');
        return;
      }
    }
    const track = this.stream.trackFor({ ...spec.info, codec: init.codec, timescale: init.timescale });
    track.inits.set(this.id, data);
    const { segmentTargetSec } = this.stream.options;
    const segmenter = new TrackSegmenter<LlSample>({
      kind: spec.info.kind,
      timescale: init.timescale,
      partTargetSec: this.stream.partLimitSec,
      segmentTargetSec,
      followsBoundaries: spec.info.kind === 'audio' && this.videoIndex !== undefined,
      ...(index === this.videoIndex ? { onSegmentStart: (dts: number) => this.announceBoundary(dts / init.timescale) } : {}),
    });
    if (spec.info.kind === 'audio') for (const timeSec of this.boundaries) segmenter.boundary(timeSec);
    const state: RunTrackState = { track, trackId: init.trackId, segmenter, sequence: 1, parts: 0, ...(cbcs ? { cbcs } : {}) };
    this.perTrack.set(index, state);
    if (spec.info.kind === 'audio') this.audio = state;
    this.stream.options.files.write(this.dir, `init-${index}.mp4`, data).catch((error: unknown) =>
      this.stream.options.logger.warn({ err: error, stream: this.stream.name }, 'could not write an init section'),
    );
  }

  samples(index: number, samples: LlSample[]): void {
    const state = this.perTrack.get(index);
    if (!state?.segmenter || this.ended || samples.length === 0) return;
    const timescale = state.track.info.timescale;
    this.anchor ??= { wallMs: this.stream.nowMs(), mediaSec: samples[0]!.dts / timescale };
    if (state.track.info.kind === 'audio' && this.videoIndex !== undefined) {
      // Audio never runs ahead of the video: its segments then start where the video's do, whose
      // keyframes are known by the time the audio gets there (one grid for LL-DASH's @duration).
      this.heldAudio.push(...samples);
      this.pumpAudio();
      return;
    }
    const videoTracks = this.tracks.filter((t) => t.info.kind === 'video').length;
    if (!this.videoStart.aligned && videoTracks > 1) {
      this.holdVideo(state, samples);
      return;
    }
    if (this.videoStart.from !== null && !state.started) {
      // A rendition that started late joins at the others' start (or its first keyframe after it).
      const at = samples.findIndex((x) => x.keyframe && x.dts / timescale >= this.videoStart.from!);
      if (at < 0) return;
      samples = samples.slice(at);
    }
    this.pushVideo(state, samples);
  }

  private pushVideo(state: RunTrackState, samples: LlSample[]): void {
    if (samples.length === 0) return;
    state.started = true;
    for (const cut of state.segmenter!.push(samples)) this.addPart(state, cut);
    if (state.track.info.index === this.videoIndex) {
      const last = samples.at(-1)!;
      this.videoEndSec = (last.dts + last.duration) / state.track.info.timescale;
      this.pumpAudio();
    }
  }

  /**
   * The renditions of a run start together: a copied rung's output begins at the source's next
   * keyframe while encoded rungs begin at once (measured: one 2 s GOP apart), which would give the
   * same media sequence number to different moments. Each video track is held until all have
   * samples, then starts at the first keyframe at or after the latest first sample.
   */
  private holdVideo(state: RunTrackState, samples: LlSample[]): void {
    const held = this.videoStart.held;
    const list = held.get(state.track.info.index) ?? [];
    list.push(...samples);
    held.set(state.track.info.index, list);
    const videos = [...this.perTrack.values()].filter((s) => s.track.info.kind === 'video');
    const expected = this.tracks.filter((t) => t.info.kind === 'video').length;
    const heldSec = (s: RunTrackState): number => (held.get(s.track.info.index) ?? []).reduce((n, x) => n + x.duration, 0) / s.track.info.timescale;
    const ready = videos.length === expected && videos.every((s) => (held.get(s.track.info.index)?.length ?? 0) > 0);
    // A rendition that never starts does not hold the others back for long.
    if (!ready && !videos.some((s) => heldSec(s) > VIDEO_ALIGN_MAX_SEC)) return;
    this.videoStart.aligned = true;
    const starts = videos.flatMap((s) => {
      const first = held.get(s.track.info.index)?.[0];
      return first ? [first.dts / s.track.info.timescale] : [];
    });
    const from = Math.max(...starts) - 0.001;
    this.videoStart.from = from;
    for (const s of videos) {
      const list = held.get(s.track.info.index) ?? [];
      const { timescale } = s.track.info;
      const at = list.findIndex((x) => x.keyframe && x.dts / timescale >= from);
      this.pushVideo(s, at < 0 ? [] : list.slice(at));
    }
    held.clear();
  }

  /** Feeds the held audio the video has caught up with; what precedes the first keyframe has no picture. */
  private pumpAudio(): void {
    const state = this.audio;
    if (!state?.segmenter || this.heldAudio.length === 0) return;
    const { timescale } = state.track.info;
    const heldSec = this.heldAudio.reduce((sum, x) => sum + x.duration, 0) / timescale;
    // No video for a while (a stalled or absent picture): the audio goes on alone.
    const stalled = heldSec > AUDIO_HOLD_MAX_SEC;
    if (this.firstBoundary === null && !stalled) return;
    let n = 0;
    while (n < this.heldAudio.length && (stalled || this.heldAudio[n]!.dts / timescale < this.videoEndSec)) n += 1;
    const from = this.firstBoundary ?? -Infinity;
    const ready = this.heldAudio.splice(0, n).filter((x) => (x.dts + x.duration / 2) / timescale >= from);
    if (ready.length > 0) for (const cut of state.segmenter.push(ready)) this.addPart(state, cut);
  }

  /** The run's ffmpeg is gone: the held samples make last parts, the segments in progress complete. */
  end(): void {
    if (this.ended) return;
    if (!this.videoStart.aligned && this.videoStart.held.size > 0) {
      this.videoStart.aligned = true;
      for (const [index, list] of this.videoStart.held) this.pushVideo(this.perTrack.get(index)!, list);
      this.videoStart.held.clear();
    }
    if (this.heldAudio.length > 0) {
      this.videoEndSec = Infinity;
      this.firstBoundary ??= -Infinity;
      this.pumpAudio();
    }
    for (const state of this.perTrack.values()) {
      for (const cut of state.segmenter?.flush() ?? []) this.addPart(state, cut);
      const last = state.track.current();
      if (last && last.run === this.id && !last.complete) this.complete(state, last);
      state.segmenter = null;
    }
    this.ended = true;
  }

  private addPart(state: RunTrackState, cut: Cut<LlSample>): void {
    const { track } = state;
    const timescale = track.info.timescale;
    let seg = track.current();
    const opens = cut.startsSegment || !seg || seg.run !== this.id;
    const sealed = state.cbcs ? this.seal(state.cbcs, cut, opens ? track.nextMsn : seg!.msn, opens) : null;
    if (sealed === false) return;
    const data = this.stream.options.writeFragment({
      sequence: state.sequence++,
      trackId: state.trackId,
      baseDecodeTime: cut.baseDecodeTime,
      samples: sealed ? cut.samples.map((s, i) => ({ ...s, data: sealed.samples[i]!.data })) : cut.samples,
      ...(sealed ? { auxInfo: sealed.auxInfo, pssh: sealed.pssh } : {}),
    });
    if (opens || !seg) {
      if (seg && !seg.complete) this.complete(state, seg);
      const startSec = cut.baseDecodeTime / timescale;
      seg = {
        msn: track.nextMsn++,
        run: this.id,
        parts: [],
        firstPart: track.nextPart,
        duration: 0,
        ticks: 0,
        complete: false,
        programDateTime: this.wallOf(startSec),
        discontinuity: track.segments.length > 0 && track.segments.at(-1)!.run !== this.id,
        baseDecodeTime: cut.baseDecodeTime,
        bytes: 0,
        onDisk: false,
      };
      track.segments.push(seg);
      if (!track.runStarts.has(seg.run)) track.runStarts.set(seg.run, { msn: seg.msn, baseDecodeTime: seg.baseDecodeTime, programDateTime: seg.programDateTime });
      this.stream.availabilityStartMs ??= seg.programDateTime;
    }
    seg.parts.push({ duration: cut.duration / timescale, independent: cut.independent, data });
    track.nextPart += 1;
    seg.ticks += cut.duration;
    seg.duration = seg.ticks / timescale;
    state.parts += 1;
    track.changed();
  }

  /**
   * A cbcs part's samples encrypted with the key of segment `msn`'s period, and what its fragment
   * says of it: a part under another key than the init section's names it (`seig`), and, when keys
   * rotate, a segment's first part names this key and the next in a ClearKey `pssh` (with the
   * provider's systems), so that players that read it ask for the next key a whole period ahead.
   * False: the key provider has not given this period's key (asked ahead, a period earlier): the part
   * is not served, never clear.
   */
  private seal(cbcs: CbcsTrack, cut: Cut<LlSample>, msn: number, opensSegment: boolean): { samples: ProtectedSample[]; auxInfo: Buffer[]; pssh: Buffer[] } | false {
    const protection = this.stream.protection!;
    const period = protection.periodOf(msn);
    void protection.ready(period);
    let key: Buffer;
    try {
      key = protection.keyOf(period);
    } catch (error) {
      if (!this.keyless.has(period)) this.stream.options.logger.error({ err: error, stream: this.stream.name, period }, 'no key for this period (cbcs): its parts are not served');
      this.keyless.add(period);
      return false;
    }
    const samples = cut.samples.map((s) => protectSample({ ...cbcs, key }, s.data));
    const kid = Buffer.from(kidOf(protection.epoch, period), 'hex');
    const auxInfo = [...auxInfoBoxes(samples), ...(period === 0 ? [] : keyGroupBoxes(cbcs, kid, samples.length))];
    const pssh = opensSegment && protection.rotates ? [clearKeyPssh(kid, Buffer.from(kidOf(protection.epoch, period + 1), 'hex')), ...protection.systemsOf(period).map((system) => system.pssh)] : [];
    return { samples, auxInfo, pssh };
  }

  private complete(state: RunTrackState, seg: SegmentRecord): void {
    seg.complete = true;
    this.stream.segmentCompleted(state.track, seg, this.dirOf(seg.run) ?? this.dir);
    state.track.changed();
  }

  private announceBoundary(timeSec: number): void {
    this.firstBoundary ??= timeSec;
    this.boundaries.push(timeSec);
    if (this.boundaries.length > 16) this.boundaries.shift();
    for (const state of this.perTrack.values()) {
      if (state.track.info.kind === 'audio') state.segmenter?.boundary(timeSec);
    }
  }

  private wallOf(mediaSec: number): number {
    const { programDateTime, mediaOffsetSec = 0 } = this.stream.options;
    const pdt = programDateTime?.(Math.round((mediaSec - mediaOffsetSec) * 1000));
    if (pdt !== undefined && pdt !== null) return pdt;
    const anchor = this.anchor ?? { wallMs: this.stream.nowMs(), mediaSec };
    return Math.round(anchor.wallMs + (mediaSec - anchor.mediaSec) * 1000);
  }
}

/** Renditions wait this long at most for each other at the start of a run. */
const VIDEO_ALIGN_MAX_SEC = 6;

/** Audio held behind a picture that does not come goes on alone after this long. */
const AUDIO_HOLD_MAX_SEC = 2;

const fileOf = (track: number, msn: number): string => `seg-${track}-${msn}.m4s`;

function previousDirs(stream: LlStream): [string, string][] {
  const run = stream.currentRun;
  if (!run) return [];
  const out: [string, string][] = [];
  for (const index of stream.trackIndexes()) {
    for (const seg of stream.track(index)!.segments) {
      const dir = run.dirOf(seg.run);
      if (dir) out.push([seg.run, dir]);
    }
  }
  return out;
}
