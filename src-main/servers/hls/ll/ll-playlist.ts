/**
 * Low-latency HLS playlists (RFC 8216bis), as pure functions of the segmenter's snapshot.
 *
 * A media playlist lists the window oldest first. Each segment gets its EXT-X-PROGRAM-DATE-TIME, its
 * EXT-X-MAP when the initialization section may have changed (first listed segment, after a
 * discontinuity, on a new run), its EXT-X-PART lines when it is among the last segments, then EXTINF
 * and its URI. The segment being written lists its complete parts only (no EXTINF yet), and an
 * EXT-X-PRELOAD-HINT names the next part, so a player asks for it before it exists (the route blocks).
 * A delta update (`_HLS_skip`) replaces the segments further than CAN-SKIP-UNTIL from the end by
 * EXT-X-SKIP; MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE stay those of the full playlist.
 * Players without low-latency support read the same text as a plain live playlist.
 */

import { appendQuery, formatAttributes } from '../playlist.js';
import { llUris, type LlSegment, type LlTrackInfo, type LlTrackSnapshot } from './types.js';

/** EXT-X-SKIP needs version 9; a skip that also covers date ranges (`_HLS_skip=v2`) needs 10. */
export const LL_HLS_VERSION = 9;
const SKIP_DATERANGES_VERSION = 10;

/** RFC 8216bis: CAN-SKIP-UNTIL >= 6 target durations; parts SHOULD go after 3 target durations. */
export const SKIP_UNTIL_TARGET_DURATIONS = 6;
export const PART_LISTING_TARGET_DURATIONS = 3;
/** PART-HOLD-BACK: the spec's floor is 2 part targets; it recommends 3. */
export const PART_HOLD_BACK_PART_TARGETS = 3;

export interface LlRenditionReport {
  /** The other rendition's media playlist, relative (e.g. `llUris.media(1)`); the query is appended. */
  uri: string;
  lastMsn: number;
  lastPart: number;
}

export interface LlMediaPlaylistOptions {
  /** EXT-X-PART-INF:PART-TARGET, seconds; no part is longer. */
  partTargetSec: number;
  /** EXT-X-TARGETDURATION: an integer that must not change during the stream, >= every rounded EXTINF. */
  targetDurationSec: number;
  /** Query (without `?`) appended to every URI we write; may be ''. */
  query: string;
  /** `_HLS_skip` of the request: false for the full playlist. Ignored once the stream has ended. */
  skip: false | 'YES' | 'v2';
  /** One per other rendition of the master (not this one). */
  renditionReports: readonly LlRenditionReport[];
  /** List parts for this many last segments; default: those starting within 3 target durations of the end. */
  partsForLastSegments?: number;
  /** EXT-X-SERVER-CONTROL:HOLD-BACK (seconds, >= 3 target durations); omitted when unset. */
  holdBackSec?: number;
  /** EXT-X-ENDLIST (and no preload hint); default `track.ended`. */
  endList?: boolean;
  /** EXT-X-DATERANGE lines (timed data, data/timed-metadata.ts) whose dates are in the window; never skipped. */
  dateRanges?: readonly string[];
  /**
   * An encrypted stream (AES-128): the key URI (relative, without query) of segment `msn`. An EXT-X-KEY
   * goes before the first segment of each key; initialization sections stay clear (METHOD=NONE before a
   * later EXT-X-MAP), and the IV is the media sequence number (no IV attribute).
   */
  keyUri?: (msn: number) => string;
  /**
   * A cbcs stream (Common Encryption): the key id (32 hex digits) of segment `msn`. An
   * `EXT-X-KEY:METHOD=SAMPLE-AES` with `KEYFORMAT="org.w3.clearkey"` goes before each run's EXT-X-MAP
   * and before the first segment of each later key, its URI a data URI of the key id (what EME players
   * read); the player's licence server is the stream's `licence` address, given to it in its DRM settings.
   */
  sampleAesKid?: (msn: number) => string;
  /** Other DRM systems' EXT-X-KEY attributes (a key provider's) for segment `msn`, each written after the ClearKey key. */
  sampleAesKeys?: (msn: number) => readonly string[];
}

/** Decimal attribute values: at most 6 decimals, no trailing zeros (`0.2`, `0.6`, `12`). */
export const fmtDecimal = (n: number): string => String(Number(n.toFixed(6)));
const fmtExtinf = (d: number): string => d.toFixed(6);
const isoMs = (unixMs: number): string => new Date(unixMs).toISOString();
// Sums of float durations: a boundary within a microsecond counts as on it.
const EPS = 1e-6;

/** The last part a track has published (LAST-MSN/LAST-PART of a rendition report), or null when none. */
export function llLastPart(track: LlTrackSnapshot): { msn: number; part: number } | null {
  for (let i = track.segments.length - 1; i >= 0; i -= 1) {
    const seg = track.segments[i]!;
    if (seg.parts.length > 0) return { msn: seg.msn, part: seg.parts.length - 1 };
    if (seg.complete) return null; // an older segment without listed parts: nothing to report as a part
  }
  return null;
}

/** A rendition report of `track` as seen from another rendition's playlist, or null when it has no part yet. */
export function llRenditionReport(track: LlTrackSnapshot): LlRenditionReport | null {
  const last = llLastPart(track);
  return last ? { uri: llUris.media(track.index), lastMsn: last.msn, lastPart: last.part } : null;
}

interface Layout {
  /** Segments replaced by EXT-X-SKIP (0: none). */
  skipped: number;
  /** Index of the first segment whose parts are listed. */
  partsFrom: number;
}

function layoutOf(segments: readonly LlSegment[], opts: LlMediaPlaylistOptions, ended: boolean): Layout {
  const ends: number[] = [];
  let total = 0;
  for (const seg of segments) ends.push((total += seg.duration));
  let skipped = 0;
  if (opts.skip && !ended) {
    const until = SKIP_UNTIL_TARGET_DURATIONS * opts.targetDurationSec;
    while (skipped < segments.length && total - ends[skipped]! > until + EPS) skipped += 1;
  }
  let partsFrom: number;
  if (opts.partsForLastSegments !== undefined) {
    partsFrom = Math.max(0, segments.length - opts.partsForLastSegments);
  } else {
    const reach = PART_LISTING_TARGET_DURATIONS * opts.targetDurationSec;
    partsFrom = segments.findIndex((seg, i) => total - (ends[i]! - seg.duration) <= reach + EPS);
    if (partsFrom < 0) partsFrom = segments.length;
  }
  return { skipped, partsFrom: Math.max(partsFrom, skipped) };
}

/** An LL-HLS media playlist of one track (see the file header). */
export function writeLlMediaPlaylist(track: LlTrackSnapshot, opts: LlMediaPlaylistOptions): string {
  const ended = opts.endList ?? track.ended;
  const q = (uri: string): string => appendQuery(uri, opts.query);
  const segments = track.segments;
  const { skipped, partsFrom } = layoutOf(segments, opts, ended);
  const skipDateRanges = skipped > 0 && opts.skip === 'v2';
  const td = opts.targetDurationSec;

  const out = ['#EXTM3U', `#EXT-X-VERSION:${skipDateRanges ? SKIP_DATERANGES_VERSION : LL_HLS_VERSION}`, `#EXT-X-TARGETDURATION:${td}`];
  const control: Record<string, string> = {
    'CAN-BLOCK-RELOAD': 'YES',
    'CAN-SKIP-UNTIL': fmtDecimal(SKIP_UNTIL_TARGET_DURATIONS * td),
    'PART-HOLD-BACK': fmtDecimal(PART_HOLD_BACK_PART_TARGETS * opts.partTargetSec),
  };
  if (opts.holdBackSec !== undefined) control['HOLD-BACK'] = fmtDecimal(opts.holdBackSec);
  out.push(`#EXT-X-SERVER-CONTROL:${formatAttributes(control)}`);
  out.push(`#EXT-X-PART-INF:${formatAttributes({ 'PART-TARGET': fmtDecimal(opts.partTargetSec) })}`);
  out.push(`#EXT-X-MEDIA-SEQUENCE:${segments[0]?.msn ?? 0}`);
  out.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${track.discontinuitySequence}`);
  if (skipped > 0) {
    const skip: Record<string, string> = { 'SKIPPED-SEGMENTS': String(skipped) };
    // Date ranges are never skipped (each answer lists them all), so none counts as removed; v2 still requires the list.
    if (skipDateRanges) skip['RECENTLY-REMOVED-DATERANGES'] = '';
    out.push(`#EXT-X-SKIP:${formatAttributes(skip)}`);
  }
  // Every date range in every answer (no CAN-SKIP-DATERANGES): players place them by START-DATE.
  out.push(...(opts.dateRanges ?? []));

  let previous: LlSegment | null = null;
  let keyInEffect: string | null = null;
  for (let i = skipped; i < segments.length; i += 1) {
    const seg = segments[i]!;
    // A segment just begun has nothing to list: the preload hint names its first part.
    if (!seg.complete && seg.parts.length === 0) continue;
    if (seg.discontinuity) out.push('#EXT-X-DISCONTINUITY');
    if (!previous || seg.discontinuity || seg.run !== previous.run) {
      // An AES-128 EXT-X-KEY would apply to the EXT-X-MAP after it: the initialization section is clear.
      if (keyInEffect !== null && opts.keyUri) out.push('#EXT-X-KEY:METHOD=NONE');
      keyInEffect = null;
      if (opts.sampleAesKid) {
        keyInEffect = opts.sampleAesKid(seg.msn);
        out.push(...sampleAesKeyLines(keyInEffect, opts.sampleAesKeys?.(seg.msn)));
      }
      out.push(`#EXT-X-MAP:${formatAttributes({ URI: q(llUris.init(seg.run, track.index)) })}`);
    } else if (opts.sampleAesKid && opts.sampleAesKid(seg.msn) !== keyInEffect) {
      keyInEffect = opts.sampleAesKid(seg.msn);
      out.push(...sampleAesKeyLines(keyInEffect, opts.sampleAesKeys?.(seg.msn)));
    }
    if (opts.keyUri) {
      const uri = opts.keyUri(seg.msn);
      if (uri !== keyInEffect) out.push(`#EXT-X-KEY:${formatAttributes({ METHOD: 'AES-128', URI: q(uri) })}`);
      keyInEffect = uri;
    }
    out.push(`#EXT-X-PROGRAM-DATE-TIME:${isoMs(seg.programDateTime)}`);
    if (!seg.complete || (i >= partsFrom && seg.partsListed)) {
      seg.parts.forEach((part, p) => {
        const attrs: Record<string, string> = {
          DURATION: fmtDecimal(part.duration),
          URI: q(llUris.part(seg.run, track.index, seg.firstPart + p)),
        };
        if (part.independent) attrs.INDEPENDENT = 'YES';
        out.push(`#EXT-X-PART:${formatAttributes(attrs)}`);
      });
    }
    if (seg.complete) out.push(`#EXTINF:${fmtExtinf(seg.duration)},`, q(llUris.segment(seg.run, track.index, seg.msn)));
    previous = seg;
  }

  const last = segments.at(-1);
  if (!ended && last) {
    // The next part by its running number: the same name whether it continues this segment or opens the next.
    const next = llUris.part(last.run, track.index, last.firstPart + last.parts.length);
    out.push(`#EXT-X-PRELOAD-HINT:${formatAttributes({ TYPE: 'PART', URI: q(next) })}`);
  }
  for (const r of opts.renditionReports) {
    out.push(`#EXT-X-RENDITION-REPORT:${formatAttributes({ URI: q(r.uri), 'LAST-MSN': String(r.lastMsn), 'LAST-PART': String(r.lastPart) })}`);
  }
  if (ended) out.push('#EXT-X-ENDLIST');
  return out.join('\n') + '\n';
}

export interface LlMasterOptions {
  /** Query (without `?`) appended to every media playlist URI. */
  query: string;
}

const AUDIO_GROUP = 'audio';

/** HLS FRAME-RATE: a decimal with at most three places. */
const fmtFrameRate = (fps: number): string => fps.toFixed(3);

/**
 * The master playlist: one EXT-X-STREAM-INF per video track (its BANDWIDTH includes the audio's) and
 * the audio track as the one rendition of group "audio". Without video, each audio track is a variant.
 */
export function writeLlMasterPlaylist(tracks: readonly LlTrackInfo[], opts: LlMasterOptions): string {
  const q = (uri: string): string => appendQuery(uri, opts.query);
  const videos = tracks.filter((t) => t.kind === 'video');
  const audio = tracks.find((t) => t.kind === 'audio');
  const out = ['#EXTM3U', '#EXT-X-INDEPENDENT-SEGMENTS'];
  if (videos.length === 0) {
    for (const a of tracks) {
      out.push(`#EXT-X-STREAM-INF:${formatAttributes({ BANDWIDTH: String(a.bandwidthBps), CODECS: a.codec })}`, q(llUris.media(a.index)));
    }
    return out.join('\n') + '\n';
  }
  if (audio) {
    const media: Record<string, string> = {
      TYPE: 'AUDIO', 'GROUP-ID': AUDIO_GROUP, NAME: 'audio', DEFAULT: 'YES', AUTOSELECT: 'YES',
    };
    if (audio.channels) media.CHANNELS = String(audio.channels);
    media.URI = q(llUris.media(audio.index));
    out.push(`#EXT-X-MEDIA:${formatAttributes(media)}`);
  }
  for (const v of videos) {
    const attrs: Record<string, string> = {
      BANDWIDTH: String(v.bandwidthBps + (audio?.bandwidthBps ?? 0)),
      CODECS: audio ? `${v.codec},${audio.codec}` : v.codec,
    };
    if (v.width && v.height) attrs.RESOLUTION = `${v.width}x${v.height}`;
    if (v.fps) attrs['FRAME-RATE'] = fmtFrameRate(v.fps);
    if (audio) attrs.AUDIO = AUDIO_GROUP;
    out.push(`#EXT-X-STREAM-INF:${formatAttributes(attrs)}`, q(llUris.media(v.index)));
  }
  return out.join('\n') + '\n';
}

/** The EXT-X-KEY lines of a cbcs key (see `sampleAesKid`): ClearKey's, then other systems'. */
function sampleAesKeyLines(kid: string, others: readonly string[] = []): string[] {
  const uri = `data:text/plain;base64,${Buffer.from(kid, 'hex').toString('base64')}`;
  return [`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="${uri}",KEYID=0x${kid},KEYFORMAT="org.w3.clearkey",KEYFORMATVERSIONS="1"`, ...others.map((attributes) => `#EXT-X-KEY:${attributes}`)];
}
