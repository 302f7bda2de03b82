/**
 * HLS playlists (RFC 8216), as pure functions: parse and write media playlists, stitch the media
 * playlists of several packager sessions into one continuous live playlist, and rewrite the master.
 *
 * URL shapes served by routes.ts, all under `/live/<name>/` (relative URIs in our playlists resolve
 * against that folder, so a player needs only the master URL):
 *   index.m3u8                 master: the current session's master.m3u8, variants rewritten to ours
 *   v<N>.m3u8                  media playlist of packager stream N (media_N.m3u8 of every session), stitched
 *   manifest.mpd               DASH: the current session's MPD, templates pointing at s/<session>/ (mpd.ts)
 *   s/<session>/<file>         init and media segments, read from that session's folder
 *   beacon                     POST {sid, startupMs} from our player
 * Every URI we write carries `?sid=<viewer>` and, for private streams, `&exp=..&sig=..[&ip=1]`.
 *
 * Stitching: a publisher that reconnects gets a new ffmpeg whose media sequence restarts at 1. The
 * stitched playlist numbers segments globally (session k's segments follow all segments of the
 * sessions before it), puts EXT-X-DISCONTINUITY on the first segment of each new session, counts the
 * discontinuities that slid out of the window in EXT-X-DISCONTINUITY-SEQUENCE (RFC 8216 6.2.2), repeats
 * EXT-X-MAP where the initialization section changes, and keeps the last `windowSize` segments.
 * Numbers stay monotonic only while the session list keeps every session of the current live run.
 */

export interface MapInfo {
  uri: string;
  byterange: string | null;
}

export interface MediaSegment {
  uri: string;
  duration: number;
  title: string;
  /** An EXT-X-DISCONTINUITY tag precedes this segment. */
  discontinuity: boolean;
  /** The EXT-X-MAP in effect for this segment. */
  map: MapInfo | null;
  /** The EXT-X-KEY attribute list in effect (null: none, or METHOD=NONE). */
  key: Record<string, string> | null;
  /** Other tags of this segment, verbatim (EXT-X-PROGRAM-DATE-TIME, EXT-X-BYTERANGE, EXT-X-DATERANGE...). */
  tags: string[];
}

export interface MediaPlaylist {
  version: number | null;
  targetDuration: number;
  mediaSequence: number;
  discontinuitySequence: number;
  playlistType: 'EVENT' | 'VOD' | null;
  independentSegments: boolean;
  /** Other playlist-level tags, verbatim (EXT-X-START, EXT-X-SERVER-CONTROL...). */
  headerTags: string[];
  segments: MediaSegment[];
  endList: boolean;
}

export class PlaylistParseError extends Error {
  override readonly name = 'PlaylistParseError';
}

/** Parses an attribute list (RFC 8216 4.2): quoted strings keep their commas; quotes are removed. */
export function parseAttributes(list: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g;
  for (const m of list.matchAll(re)) {
    const [, name, raw] = m;
    if (!name || raw === undefined) continue;
    out[name] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return out;
}

/** Attributes whose values RFC 8216 (and 8216bis, for low latency) define as enumerated or numeric (written without quotes). */
const UNQUOTED = new Set([
  'METHOD', 'BANDWIDTH', 'AVERAGE-BANDWIDTH', 'RESOLUTION', 'FRAME-RATE', 'HDCP-LEVEL', 'TYPE', 'DEFAULT',
  'AUTOSELECT', 'FORCED', 'CLOSED-CAPTIONS', 'TIME-OFFSET', 'PRECISE', 'IV', 'DURATION', 'PLANNED-DURATION',
  'PART-TARGET', 'CAN-BLOCK-RELOAD', 'PART-HOLD-BACK', 'HOLD-BACK', 'CAN-SKIP-UNTIL', 'CAN-SKIP-DATERANGES',
  'SKIPPED-SEGMENTS', 'INDEPENDENT', 'GAP', 'LAST-MSN', 'LAST-PART', 'BYTERANGE-START', 'BYTERANGE-LENGTH',
]);

export function formatAttributes(attrs: Record<string, string>): string {
  return Object.entries(attrs)
    .map(([k, v]) => (UNQUOTED.has(k) && !(k === 'CLOSED-CAPTIONS' && v !== 'NONE') ? `${k}=${v}` : `${k}="${v}"`))
    .join(',');
}

function tagValue(line: string): string {
  const i = line.indexOf(':');
  return i < 0 ? '' : line.slice(i + 1);
}

function intOf(line: string, what: string): number {
  const n = Number(tagValue(line).trim());
  if (!Number.isInteger(n) || n < 0) throw new PlaylistParseError(`bad ${what}: ${line}`);
  return n;
}

/** Playlist-level tags kept in `headerTags`; any other unknown tag belongs to the next segment. */
const HEADER_TAGS = new Set([
  '#EXT-X-START', '#EXT-X-SERVER-CONTROL', '#EXT-X-PART-INF', '#EXT-X-DEFINE', '#EXT-X-I-FRAMES-ONLY', '#EXT-X-ALLOW-CACHE',
]);

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new PlaylistParseError('not an HLS playlist (no #EXTM3U)');
  const pl: MediaPlaylist = {
    version: null, targetDuration: 0, mediaSequence: 0, discontinuitySequence: 0, playlistType: null,
    independentSegments: false, headerTags: [], segments: [], endList: false,
  };
  let map: MapInfo | null = null;
  let key: Record<string, string> | null = null;
  let pending: { duration: number; title: string; discontinuity: boolean; tags: string[] } | null = null;
  let pendingDisc = false;
  let pendingTags: string[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (!line.startsWith('#')) {
      if (!pending) throw new PlaylistParseError(`segment without #EXTINF: ${line}`);
      pl.segments.push({ uri: line, duration: pending.duration, title: pending.title, discontinuity: pending.discontinuity, map, key, tags: pending.tags });
      pending = null;
      pendingDisc = false;
      pendingTags = [];
      continue;
    }
    if (!line.startsWith('#EXT')) continue; // a comment
    const name = line.split(':', 1)[0];
    switch (name) {
      case '#EXT-X-VERSION': pl.version = intOf(line, 'version'); break;
      case '#EXT-X-TARGETDURATION': pl.targetDuration = intOf(line, 'target duration'); break;
      case '#EXT-X-MEDIA-SEQUENCE': pl.mediaSequence = intOf(line, 'media sequence'); break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE': pl.discontinuitySequence = intOf(line, 'discontinuity sequence'); break;
      case '#EXT-X-PLAYLIST-TYPE': {
        const t = tagValue(line).trim();
        pl.playlistType = t === 'EVENT' || t === 'VOD' ? t : null;
        break;
      }
      case '#EXT-X-INDEPENDENT-SEGMENTS': pl.independentSegments = true; break;
      case '#EXT-X-ENDLIST': pl.endList = true; break;
      case '#EXT-X-DISCONTINUITY': pendingDisc = true; break;
      case '#EXT-X-MAP': {
        const a = parseAttributes(tagValue(line));
        if (!a.URI) throw new PlaylistParseError(`EXT-X-MAP without URI: ${line}`);
        map = { uri: a.URI, byterange: a.BYTERANGE ?? null };
        break;
      }
      case '#EXT-X-KEY': {
        const a = parseAttributes(tagValue(line));
        key = a.METHOD === 'NONE' ? null : a;
        break;
      }
      case '#EXTINF': {
        const value = tagValue(line);
        const comma = value.indexOf(',');
        const duration = Number(comma < 0 ? value : value.slice(0, comma));
        if (!Number.isFinite(duration) || duration < 0) throw new PlaylistParseError(`bad EXTINF: ${line}`);
        pending = { duration, title: comma < 0 ? '' : value.slice(comma + 1), discontinuity: pendingDisc, tags: pendingTags };
        break;
      }
      default:
        if (pending) pending.tags.push(line);
        else if (pl.segments.length === 0 && !pendingDisc && HEADER_TAGS.has(name ?? '')) pl.headerTags.push(line);
        else pendingTags.push(line);
    }
  }
  return pl;
}

const fmtDuration = (d: number): string => d.toFixed(6);

function mapLine(map: MapInfo): string {
  return `#EXT-X-MAP:${formatAttributes(map.byterange ? { URI: map.uri, BYTERANGE: map.byterange } : { URI: map.uri })}`;
}

const sameMap = (a: MapInfo | null, b: MapInfo | null): boolean => a?.uri === b?.uri && a?.byterange === b?.byterange;
const sameKey = (a: Record<string, string> | null, b: Record<string, string> | null): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

export function writeMediaPlaylist(pl: MediaPlaylist): string {
  const out = ['#EXTM3U'];
  if (pl.version !== null) out.push(`#EXT-X-VERSION:${pl.version}`);
  out.push(`#EXT-X-TARGETDURATION:${pl.targetDuration}`);
  out.push(`#EXT-X-MEDIA-SEQUENCE:${pl.mediaSequence}`);
  out.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${pl.discontinuitySequence}`);
  if (pl.playlistType) out.push(`#EXT-X-PLAYLIST-TYPE:${pl.playlistType}`);
  if (pl.independentSegments) out.push('#EXT-X-INDEPENDENT-SEGMENTS');
  out.push(...pl.headerTags);
  let map: MapInfo | null = null;
  let key: Record<string, string> | null = null;
  pl.segments.forEach((seg, i) => {
    if (seg.discontinuity) out.push('#EXT-X-DISCONTINUITY');
    // Repeated after a discontinuity too: a new session means a new initialization section. It goes
    // before the segment's key, which would apply to it (RFC 8216bis 4.4.4.4): sections stay clear.
    if (seg.map && (i === 0 || seg.discontinuity || !sameMap(seg.map, map))) {
      if (key !== null) out.push('#EXT-X-KEY:METHOD=NONE');
      key = null;
      out.push(mapLine(seg.map));
    }
    if (!sameKey(seg.key, key)) out.push(seg.key ? `#EXT-X-KEY:${formatAttributes(seg.key)}` : '#EXT-X-KEY:METHOD=NONE');
    out.push(`#EXTINF:${fmtDuration(seg.duration)},${seg.title}`, ...seg.tags, seg.uri);
    map = seg.map;
    key = seg.key;
  });
  if (pl.endList) out.push('#EXT-X-ENDLIST');
  return out.join('\n') + '\n';
}

/** Appends a query (without `?`) to a URI that may already have one. */
export function appendQuery(uri: string, query: string): string {
  if (!query) return uri;
  return uri + (uri.includes('?') ? '&' : '?') + query;
}

/** A URI with a scheme or an absolute path is left as it is by the rewriters. */
export const isRelativeUri = (uri: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(uri) && !uri.startsWith('/');

export interface StitchSession {
  id: string;
  /** The session's media_N.m3u8 (text or parsed); null when the session has written none yet. */
  playlist: string | MediaPlaylist | null;
  /** The session's packager has exited (its playlist is final). */
  ended?: boolean;
  /** Whether a discontinuity separates this session from the previous one (default true). */
  discontinuityBefore?: boolean;
}

export interface StitchOptions {
  /** Keep the last N segments (default 10). RFC 8216 wants at least 3 target durations. */
  windowSize?: number;
  /** Append EXT-X-ENDLIST: the stream is no longer live (ended, errored, idle). */
  endList: boolean;
  /** Query (without `?`) appended to every segment, map and key URI. */
  query?: string;
  /** Where a session's file is served, relative to the stitched playlist (default `s/<id>/<uri>`). */
  segmentUri?: (sessionId: string, uri: string) => string;
}

export const DEFAULT_WINDOW = 10;

const defaultSegmentUri = (sessionId: string, uri: string): string => `s/${encodeURIComponent(sessionId)}/${uri}`;

/** Builds the stitched playlist as data (see the file header); `stitchMediaPlaylist` writes it. */
export function buildStitchedPlaylist(sessions: readonly StitchSession[], opts: StitchOptions): MediaPlaylist {
  const windowSize = Math.max(1, opts.windowSize ?? DEFAULT_WINDOW);
  const toUri = opts.segmentUri ?? defaultSegmentUri;
  const rewrite = (sessionId: string, uri: string): string =>
    appendQuery(isRelativeUri(uri) ? toUri(sessionId, uri) : uri, opts.query ?? '');
  const items: { seg: MediaSegment; seq: number; discBefore: number }[] = [];
  let base: number | null = null;
  let disc = 0;
  let produced = false;
  let targetDuration = 0;
  let version = 0;
  let independent = true;
  for (const session of sessions) {
    const pl = typeof session.playlist === 'string' ? parseMediaPlaylist(session.playlist) : session.playlist;
    if (!pl) continue;
    targetDuration = Math.max(targetDuration, pl.targetDuration, ...pl.segments.map((s) => Math.round(s.duration)));
    version = Math.max(version, pl.version ?? 0);
    // ffmpeg numbers from 1; a playlist that says 0 (or nothing) numbers from 0.
    const origin = Math.min(1, pl.mediaSequence);
    const count = pl.mediaSequence - origin + pl.segments.length;
    if (count === 0) continue;
    independent &&= pl.independentSegments;
    base ??= origin;
    let boundary = produced && session.discontinuityBefore !== false;
    if (boundary && pl.mediaSequence > origin) {
      disc += 1; // the session's first segments already left its own playlist, with their tag
      boundary = false;
    }
    disc += pl.discontinuitySequence;
    pl.segments.forEach((seg, i) => {
      const discontinuity = seg.discontinuity || (i === 0 && boundary);
      items.push({
        seq: base! + pl.mediaSequence - origin + i,
        discBefore: disc,
        seg: {
          ...seg,
          uri: rewrite(session.id, seg.uri),
          discontinuity,
          map: seg.map ? { ...seg.map, uri: rewrite(session.id, seg.map.uri) } : null,
          key: seg.key?.URI ? { ...seg.key, URI: rewrite(session.id, seg.key.URI) } : seg.key,
        },
      });
      if (discontinuity) disc += 1;
    });
    base += count;
    produced = true;
  }
  // Sequence numbers are implicit in a playlist (first + index): the window never reaches past a gap,
  // which appears when a session's own sliding playlist already dropped the segments after the last session's.
  let start = Math.max(0, items.length - windowSize);
  for (let i = items.length - 1; i > start; i -= 1) if (items[i - 1]!.seq !== items[i]!.seq - 1) start = i;
  const window = items.slice(start);
  const first = window[0];
  const hasMap = window.some((i) => i.seg.map !== null);
  return {
    version: Math.max(version, hasMap ? 6 : 3),
    targetDuration: Math.max(1, targetDuration),
    mediaSequence: first ? first.seq : (base ?? 0),
    discontinuitySequence: first ? first.discBefore : disc,
    playlistType: null,
    independentSegments: independent && items.length > 0,
    headerTags: [],
    segments: window.map((i) => i.seg),
    endList: opts.endList,
  };
}

/** One continuous live media playlist across packager sessions (oldest first, current last). */
export function stitchMediaPlaylist(sessions: readonly StitchSession[], opts: StitchOptions): string {
  return writeMediaPlaylist(buildStitchedPlaylist(sessions, opts));
}

/** ffmpeg's media playlist name for packager stream N, and ours. */
export const packagerMediaPlaylist = (index: number): string => `media_${index}.m3u8`;
export const servedMediaPlaylist = (index: number): string => `v${index}.m3u8`;
const PACKAGER_MEDIA_RE = /^media_(\d{1,3})\.m3u8$/;
export const SERVED_MEDIA_RE = /^v(\d{1,3})\.m3u8$/;

export interface RewriteMasterOptions {
  /** Query (without `?`) appended to every variant and rendition URI: `sid` and the signature. */
  query: string;
  /** Maps a packager URI to ours; the default maps `media_N.m3u8` to `v<N>.m3u8` and keeps others. */
  mapUri?: (uri: string) => string;
}

function defaultMasterUri(uri: string): string {
  const m = PACKAGER_MEDIA_RE.exec(uri);
  return m ? servedMediaPlaylist(Number(m[1])) : uri;
}

/** Points the master's variants (EXT-X-STREAM-INF lines) and renditions (URI= of EXT-X-MEDIA, I-frame) at ours. */
export function rewriteMaster(text: string, opts: RewriteMasterOptions): string {
  const map = (uri: string): string => appendQuery((opts.mapUri ?? defaultMasterUri)(uri), opts.query);
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') throw new PlaylistParseError('not an HLS playlist (no #EXTM3U)');
  let expectVariant = false;
  const out = lines.map((raw) => {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      expectVariant = true;
      return line;
    }
    if (line.startsWith('#EXT-X-MEDIA:') || line.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) {
      return line.replace(/URI="([^"]*)"/, (_m, uri: string) => `URI="${map(uri)}"`);
    }
    if (line !== '' && !line.startsWith('#') && expectVariant) {
      expectVariant = false;
      return map(line);
    }
    return line;
  });
  return out.join('\n').replace(/\n*$/, '\n');
}

/** The packager stream index in a segment or init file name (`chunk-stream2-00007.m4s` -> 2). */
export function streamIndexOfFile(file: string): number | null {
  // Standard sessions: ffmpeg's `chunk-stream2-00007.m4s`; low-latency runs: `seg-2-7.m4s`, `part-2-73.m4s`.
  const m = /stream(\d{1,3})\b/.exec(file) ?? /^(?:init|seg|part)-(\d{1,3})[-.]/.exec(file);
  return m ? Number(m[1]) : null;
}
