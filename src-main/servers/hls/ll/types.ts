/**
 * The vocabulary of low-latency output (LL-HLS, LL-DASH): what the segmenter produces and the
 * playlist and MPD writers read. Times in seconds unless a name says otherwise.
 *
 * Tracks are numbered like the packager's output streams: the video renditions in ladder order
 * (0..R-1), then the audio track (R). A run is one ffmpeg process (one packager session); a new run
 * starts a new initialization section and a discontinuity, and media sequence numbers continue.
 */

export interface LlPart {
  /** Seconds of media in this part; never above the part target. */
  duration: number;
  /** Starts with a sync sample (a keyframe; every audio part is independent). */
  independent: boolean;
}

export interface LlSegment {
  /** Media sequence number: monotonic across runs of one live run of the stream. */
  msn: number;
  /** Id of the run (packager session) whose init section this segment needs; part of its URIs. */
  run: string;
  /** Complete parts in order: parts[i] is the segment's part i. Empty when the parts are no longer held. */
  parts: LlPart[];
  /**
   * The track's running number of the segment's first part (parts are numbered across segments and
   * runs, so the part after the last one has a name before anyone knows which segment it opens).
   */
  firstPart: number;
  /** Whether `parts` still lists every part (older segments are served whole only). */
  partsListed: boolean;
  /** Seconds of media: the sum of the complete parts while the segment is being written. */
  duration: number;
  complete: boolean;
  /** Wall-clock time (Unix ms) of the segment's first sample. */
  programDateTime: number;
  /** The first segment of a run that follows another run: EXT-X-DISCONTINUITY / a new Period. */
  discontinuity: boolean;
  /** Decode time of its first sample in the track's timescale (tfdt), within its run. */
  baseDecodeTime: number;
}

/** Where a run began on a track: its first segment's media sequence number, decode time and date. */
export interface LlRunStart {
  msn: number;
  baseDecodeTime: number;
  programDateTime: number;
}

export interface LlTrackSnapshot {
  index: number;
  kind: 'video' | 'audio';
  /** Units per second of baseDecodeTime. */
  timescale: number;
  /** The window (live or DVR), oldest first; the last one may be in progress. */
  segments: LlSegment[];
  /**
   * Per run with segments in the window, its first segment's number and times, kept after that segment
   * left the window: a live MPD's Period and its `$Number$` addressing stay anchored there.
   */
  runStarts?: Readonly<Record<string, LlRunStart>>;
  /** Discontinuities before segments[0] (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySequence: number;
  /** The stream has ended: no segment will follow (EXT-X-ENDLIST, static MPD). */
  ended: boolean;
}

/** What a variant needs in the master playlist and the MPD. */
export interface LlTrackInfo {
  index: number;
  kind: 'video' | 'audio';
  /** RFC 6381 codec string from the init segment, e.g. `avc1.64001f`, `mp4a.40.2`. */
  codec: string;
  bandwidthBps: number;
  width?: number;
  height?: number;
  fps?: number;
  sampleRate?: number;
  channels?: number;
  timescale: number;
}

/** Relative URIs of a track's files, as served under `/live/<name>/` (without query). */
export const llUris = {
  media: (track: number): string => `v${track}.m3u8`,
  init: (run: string, track: number): string => `s/${run}/init-${track}.mp4`,
  segment: (run: string, track: number, msn: number): string => `s/${run}/seg-${track}-${msn}.m4s`,
  /**
   * A part by its running number on the track (`LlSegment.firstPart` + its index): the preload hint
   * names the next part, which may open a new segment (a segment closes at the keyframe after its
   * target), and a name with the segment's number in it would then name a part that never comes.
   */
  part: (run: string, track: number, number: number): string => `s/${run}/part-${track}-${number}.m4s`,
  /** The content key of an encrypted stream (AES-128), relative to a media playlist: `/live/<name>/keys/<kid>`. */
  key: (kid: string): string => `keys/${kid}`,
  /** DASH SegmentTemplate@media of a run (a Period): `$Number$` is the media sequence number. */
  segmentTemplate: (run: string, track: number): string => `s/${run}/seg-${track}-$Number$.m4s`,
};

/** File names inside a session folder (the run's disk copy for the DVR window). */
export const LL_FILE_RE = /^(?:init-(\d{1,3})\.mp4|seg-(\d{1,3})-(\d{1,12})\.m4s|part-(\d{1,3})-(\d{1,15})\.m4s)$/;
