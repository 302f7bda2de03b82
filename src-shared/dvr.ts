/**
 * The seek bar of a live player with a DVR window, as pure arithmetic on media times (seconds): the
 * studio's preview imports these, and the standalone player page (/play/<name>) inlines their source
 * (`DVR_FUNCTIONS`), so both players agree on labels, clamping and what counts as "at live".
 *
 * Inlined means: each function stands alone. It may call another function of this list by name (the
 * page declares them all under the names they have at run time), but no constant or import of this file.
 */

/** Media ranges as a <video>'s `seekable` gives them (TimeRanges without the DOM type). */
export interface RangeList {
  readonly length: number;
  start(index: number): number;
  end(index: number): number;
}

/** The window a viewer may seek in: the oldest media still listed up to the live point players hold. */
export interface DvrWindow {
  /** Oldest seekable media time. */
  start: number;
  /** The live point: where "Live" jumps to (the live edge minus the hold-back the player keeps). */
  live: number;
  /** Seconds between playlist steps (the part target in LL-HLS, else the segment duration). */
  stepSec: number;
}

export interface DvrPosition {
  /** Seconds from the oldest point to the live point. */
  spanSec: number;
  /** Seconds the playhead is behind the live point (0 at or past it). */
  behindSec: number;
  /** Where the thumb stands, 0 (oldest) to 1 (live). */
  fraction: number;
  /**
   * Close enough to the live point to call it live: within one and a half steps, at least 2 s (hls.js
   * in LL mode sits about a second behind its live point while its forward buffer is under a second).
   */
  atLive: boolean;
  /** The window is long enough for a seek bar to mean something (10 s, or five steps). */
  seekable: boolean;
}

/** `75` -> `1:15`, `3725` -> `1:02:05`; whole seconds, rounded down, never negative. */
export function formatClock(sec: number): string {
  const total = Number.isFinite(sec) && sec > 0 ? Math.floor(sec) : 0;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** Time behind live as a seek bar writes it: `750` -> `-12:30`. */
export function formatBehind(sec: number): string {
  return `-${formatClock(sec)}`;
}

/** A latency for people: `0.85` -> `850 ms`, `1.42` -> `1.4 s`; null or nonsense -> `—`. */
export function formatLatency(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '—';
  return sec < 1 ? `${Math.round(sec * 1000)} ms` : `${sec.toFixed(1)} s`;
}

/** The seekable range of a media element as one span (first start to last end), or null when there is none. */
export function seekableSpan(ranges: RangeList | null | undefined): { start: number; end: number } | null {
  if (!ranges || ranges.length === 0) return null;
  const start = ranges.start(0);
  const end = ranges.end(ranges.length - 1);
  return Number.isFinite(start) && Number.isFinite(end) && end > start ? { start, end } : null;
}

/** Where the playhead stands in the window, and whether that is live. */
export function dvrPosition(dvr: DvrWindow, currentTime: number): DvrPosition {
  const live = Math.max(dvr.start, dvr.live);
  const spanSec = live - dvr.start;
  const behindSec = Math.max(0, live - currentTime);
  const fraction = spanSec > 0 ? Math.min(1, Math.max(0, (currentTime - dvr.start) / spanSec)) : 1;
  const tolerance = Math.max(2, 1.5 * dvr.stepSec);
  return { spanSec, behindSec, fraction, atLive: behindSec <= tolerance, seekable: spanSec >= Math.max(10, 5 * dvr.stepSec) };
}

/**
 * The media time to seek to for a wanted one: inside the window, a step clear of its oldest end (that
 * media may leave the playlist before it loads) and never past the live point.
 */
export function clampSeek(dvr: DvrWindow, wanted: number): number {
  const live = Math.max(dvr.start, dvr.live);
  const margin = Math.min((live - dvr.start) / 2, Math.max(1, dvr.stepSec));
  return Math.min(live, Math.max(dvr.start + margin, wanted));
}

/** The media time at a point of the bar (0 oldest, 1 live), clamped like any seek. */
export function timeAtFraction(dvr: DvrWindow, fraction: number): number {
  const live = Math.max(dvr.start, dvr.live);
  return clampSeek(dvr, dvr.start + Math.min(1, Math.max(0, fraction)) * (live - dvr.start));
}

/**
 * Glass-to-glass latency from the wall clock a stream carries (HLS PROGRAM-DATE-TIME of the frame on
 * screen): now minus that time. Null when it cannot be true (the clocks disagree, or over 10 minutes:
 * that is a rewound viewer, not latency).
 */
export function wallClockLatencySec(nowMs: number, playingDateMs: number | null | undefined): number | null {
  if (playingDateMs === null || playingDateMs === undefined || !Number.isFinite(playingDateMs)) return null;
  const sec = (nowMs - playingDateMs) / 1000;
  return sec >= 0 && sec <= 600 ? sec : null;
}

/** What the player page inlines, in an order where each is declared before the page uses it. */
export const DVR_FUNCTIONS = [formatClock, formatBehind, formatLatency, seekableSpan, dvrPosition, clampSeek, timeAtFraction, wallClockLatencySec] as const;
