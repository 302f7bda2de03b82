/**
 * A conformance check of low-latency HLS media playlists against the rules of RFC 8216bis that
 * players enforce (AVPlayer rejects a whole stream for some of them): it returns one plain sentence
 * per violation, empty when the playlist conforms. Used on golden outputs and on real output.
 */

import { parseAttributes } from '../src-main/servers/hls/playlist.js';

export interface LlConformanceOptions {
  /** Rendition reports the playlist must carry: a count, or the URIs (compared without their query). */
  expectRenditionReports?: number | readonly string[];
  /**
   * The encoder puts keyframes only at segment starts (fixed GOP = segment): then an INDEPENDENT part
   * inside a segment is reported too. Off by default: a scene cut may add a keyframe mid-segment.
   */
  keyframesOnlyAtSegmentStarts?: boolean;
  /**
   * Reads a segment URI's media sequence number or a part URI's running number (parts numbered across
   * segments); default: our `seg-T-MSN` / `part-T-N` names. Null for a URI of another shape.
   */
  addressOf?: (uri: string) => Address | null;
}

export type Address = { msn: number; part?: undefined } | { part: number; msn?: undefined };

interface Part { duration: number; uri: string; independent: boolean; line: number }
interface Segment {
  parts: Part[];
  /** EXTINF, null for the segment being written (parts only). */
  duration: number | null;
  uri: string | null;
  pdt: number | null;
  hasMap: boolean;
  line: number;
}

interface Parsed {
  version: number | null;
  targetDuration: number | null;
  mediaSequence: number;
  partTarget: number | null;
  control: Record<string, string> | null;
  skip: { attrs: Record<string, string>; line: number; count: number } | null;
  segments: Segment[];
  hints: Record<string, string>[];
  reports: Record<string, string>[];
  endList: boolean;
}

const TOLERANCE = 1e-6;
const ONE_MS = 0.001;

function defaultAddress(uri: string): Address | null {
  const name = uri.split('?')[0]!.split('/').at(-1) ?? '';
  const m = /^(?:seg-\d+-(\d+)\.m4s|part-\d+-(\d+)\.m4s)$/.exec(name);
  if (!m) return null;
  return m[1] !== undefined ? { msn: Number(m[1]) } : { part: Number(m[2]) };
}

const value = (line: string): string => line.slice(line.indexOf(':') + 1);

function parse(text: string, problems: string[]): Parsed {
  const pl: Parsed = {
    version: null, targetDuration: null, mediaSequence: 0, partTarget: null, control: null, skip: null,
    segments: [], hints: [], reports: [], endList: false,
  };
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== '#EXTM3U') problems.push('the playlist does not start with #EXTM3U');
  let mapSeen = false;
  const fresh = (line: number): Segment => ({ parts: [], duration: null, uri: null, pdt: null, hasMap: mapSeen, line });
  let cur = fresh(1);
  let started = false; // cur has a tag of its own
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (line === '' || i === 0) return;
    if (!line.startsWith('#')) {
      cur.uri = line;
      if (cur.duration === null) problems.push(`line ${n}: segment ${line} has no #EXTINF`);
      pl.segments.push(cur);
      cur = fresh(n + 1);
      started = false;
      return;
    }
    const name = line.split(':', 1)[0];
    if (!started && name !== undefined && ['#EXT-X-PART', '#EXTINF', '#EXT-X-PROGRAM-DATE-TIME', '#EXT-X-MAP', '#EXT-X-DISCONTINUITY'].includes(name)) {
      cur.line = n;
      started = true;
    }
    switch (name) {
      case '#EXT-X-VERSION': pl.version = Number(value(line)); break;
      case '#EXT-X-TARGETDURATION': pl.targetDuration = Number(value(line)); break;
      case '#EXT-X-MEDIA-SEQUENCE': pl.mediaSequence = Number(value(line)); break;
      case '#EXT-X-PART-INF': pl.partTarget = Number(parseAttributes(value(line))['PART-TARGET']); break;
      case '#EXT-X-SERVER-CONTROL': pl.control = parseAttributes(value(line)); break;
      case '#EXT-X-SKIP': {
        const attrs = parseAttributes(value(line));
        if (pl.skip) problems.push(`line ${n}: a second EXT-X-SKIP (at most one is allowed)`);
        if (pl.segments.length > 0 || started) problems.push(`line ${n}: EXT-X-SKIP after the first segment; it replaces the oldest ones`);
        pl.skip = { attrs, line: n, count: Number(attrs['SKIPPED-SEGMENTS']) };
        break;
      }
      case '#EXT-X-MAP': mapSeen = true; cur.hasMap = true; break;
      case '#EXT-X-PROGRAM-DATE-TIME': cur.pdt = Date.parse(value(line)); break;
      case '#EXT-X-PART': {
        const a = parseAttributes(value(line));
        cur.parts.push({ duration: Number(a.DURATION), uri: a.URI ?? '', independent: a.INDEPENDENT === 'YES', line: n });
        break;
      }
      case '#EXTINF': cur.duration = Number(value(line).split(',')[0]); break;
      case '#EXT-X-PRELOAD-HINT': pl.hints.push(parseAttributes(value(line))); break;
      case '#EXT-X-RENDITION-REPORT': pl.reports.push(parseAttributes(value(line))); break;
      case '#EXT-X-ENDLIST': pl.endList = true; break;
      default: break;
    }
  });
  if (cur.parts.length > 0) pl.segments.push(cur); // the segment being written
  return pl;
}

function checkHeader(pl: Parsed, problems: string[]): void {
  const td = pl.targetDuration;
  if (td === null || !Number.isInteger(td)) problems.push('EXT-X-TARGETDURATION is missing or not an integer');
  const hasParts = pl.segments.some((s) => s.parts.length > 0);
  if (hasParts && pl.partTarget === null) problems.push('the playlist has EXT-X-PART tags but no EXT-X-PART-INF');
  if (pl.partTarget !== null) {
    const holdBack = pl.control?.['PART-HOLD-BACK'];
    if (holdBack === undefined) problems.push('EXT-X-PART-INF without PART-HOLD-BACK in EXT-X-SERVER-CONTROL');
    else if (Number(holdBack) < 2 * pl.partTarget - TOLERANCE) {
      problems.push(`PART-HOLD-BACK=${holdBack} is less than twice PART-TARGET=${pl.partTarget}`);
    }
  }
  const skipUntil = pl.control?.['CAN-SKIP-UNTIL'];
  if (skipUntil !== undefined && td !== null && Number(skipUntil) < 6 * td - TOLERANCE) {
    problems.push(`CAN-SKIP-UNTIL=${skipUntil} is less than six target durations (6 x ${td})`);
  }
}

function checkSegments(pl: Parsed, opts: LlConformanceOptions, problems: string[]): void {
  const td = pl.targetDuration ?? Infinity;
  const durationOf = (s: Segment): number => s.duration ?? s.parts.reduce((sum, p) => sum + p.duration, 0);
  const total = pl.segments.reduce((sum, s) => sum + durationOf(s), 0);
  let start = 0;
  let prevPdt: number | null = null;
  let partsBegan = false;
  // fMP4 media needs its initialization section (EXT-X-MAP) in effect from the first listed segment on.
  const fragmentedMp4 = pl.segments.some((s) => s.hasMap || [s.uri, ...s.parts.map((p) => p.uri)].some((u) => u && /\.(m4s|mp4)(\?|$)/.test(u)));
  pl.segments.forEach((seg, i) => {
    const where = `segment at line ${seg.line}${seg.uri ? ` (${seg.uri})` : ' (being written)'}`;
    if (seg.pdt === null || Number.isNaN(seg.pdt)) problems.push(`${where} has no EXT-X-PROGRAM-DATE-TIME`);
    else {
      if (prevPdt !== null && seg.pdt <= prevPdt) problems.push(`${where}: EXT-X-PROGRAM-DATE-TIME does not increase`);
      prevPdt = seg.pdt;
    }
    if (i === 0 && !seg.hasMap && fragmentedMp4) problems.push(`${where}: the first listed segment has no EXT-X-MAP before it`);
    if (seg.duration !== null && Math.round(seg.duration) > td) {
      problems.push(`${where}: EXTINF ${seg.duration} rounds above EXT-X-TARGETDURATION ${td}`);
    }
    if (seg.parts.length > 0) {
      partsBegan = true;
      const first = seg.parts[0]!;
      if (!first.independent) problems.push(`line ${first.line}: the first part of ${where} is not INDEPENDENT=YES`);
      let partStart = start;
      for (const [p, part] of seg.parts.entries()) {
        if (pl.partTarget !== null && part.duration > pl.partTarget + TOLERANCE) {
          problems.push(`line ${part.line}: part DURATION=${part.duration} exceeds PART-TARGET=${pl.partTarget}`);
        }
        if (opts.keyframesOnlyAtSegmentStarts && p > 0 && part.independent) {
          problems.push(`line ${part.line}: INDEPENDENT=YES on part ${p} of ${where}, not at a segment start`);
        }
        if (total - partStart > 3 * td + ONE_MS) {
          problems.push(`line ${part.line}: part listed ${(total - partStart).toFixed(3)} s from the end, more than three target durations`);
        }
        partStart += part.duration;
      }
      const sum = seg.parts.reduce((acc, p) => acc + p.duration, 0);
      if (seg.duration !== null && Math.abs(sum - seg.duration) > ONE_MS) {
        problems.push(`${where}: its parts add up to ${sum.toFixed(6)} s but EXTINF is ${seg.duration}`);
      }
    } else if (partsBegan) {
      problems.push(`${where} lists no parts after a segment that does: parts belong to the last segments only`);
    }
    start += durationOf(seg);
  });
  if (pl.partTarget !== null && !pl.endList && pl.segments.length > 0 && !pl.segments.at(-1)!.parts.length) {
    problems.push('the last segment lists no parts: a low-latency player has no part to start from');
  }
  checkNumbering(pl, opts, total, problems);
}

function checkNumbering(pl: Parsed, opts: LlConformanceOptions, total: number, problems: string[]): void {
  const address = opts.addressOf ?? defaultAddress;
  const skipped = pl.skip?.count ?? 0;
  if (pl.skip) {
    if (!Number.isInteger(skipped) || skipped < 0) problems.push(`line ${pl.skip.line}: SKIPPED-SEGMENTS is not a decimal integer`);
    const needed = pl.skip.attrs['RECENTLY-REMOVED-DATERANGES'] !== undefined ? 10 : 9;
    if ((pl.version ?? 1) < needed) problems.push(`line ${pl.skip.line}: EXT-X-SKIP needs EXT-X-VERSION ${needed} or higher, the playlist says ${pl.version ?? 'none'}`);
    if (pl.endList) problems.push(`line ${pl.skip.line}: EXT-X-SKIP in a playlist with EXT-X-ENDLIST`);
    const until = pl.control?.['CAN-SKIP-UNTIL'];
    if (until === undefined) problems.push(`line ${pl.skip.line}: EXT-X-SKIP without CAN-SKIP-UNTIL in EXT-X-SERVER-CONTROL`);
    else if (total < Number(until) - ONE_MS) {
      problems.push(`line ${pl.skip.line}: segments were skipped although the listed ones cover only ${total.toFixed(3)} s, less than CAN-SKIP-UNTIL=${until}`);
    }
  }
  // Parts are numbered on across segments: each listed part follows the one before it.
  let previousPart: { number: number; uri: string } | null = null;
  pl.segments.forEach((seg, i) => {
    const expected = pl.mediaSequence + skipped + i;
    const a = seg.uri ? address(seg.uri) : null;
    if (a?.msn !== undefined && a.msn !== expected) {
      problems.push(`${seg.uri} has media sequence number ${a.msn} where MEDIA-SEQUENCE ${pl.mediaSequence} + SKIPPED-SEGMENTS ${skipped} + position ${i} gives ${expected}`);
    }
    if (seg.parts.length === 0) previousPart = null;
    for (const part of seg.parts) {
      const number = address(part.uri)?.part;
      if (number === undefined) continue;
      if (previousPart && number !== previousPart.number + 1) {
        problems.push(`line ${part.line}: ${part.uri} is part ${number} but follows part ${previousPart.number} (${previousPart.uri})`);
      }
      previousPart = { number, uri: part.uri };
    }
  });
  checkHint(pl, address, problems);
}

function checkHint(pl: Parsed, address: NonNullable<LlConformanceOptions['addressOf']>, problems: string[]): void {
  const hints = pl.hints.filter((h) => h.TYPE === 'PART');
  if (pl.endList && pl.hints.length > 0) problems.push('EXT-X-PRELOAD-HINT in a playlist with EXT-X-ENDLIST');
  if (hints.length > 1) problems.push(`${hints.length} EXT-X-PRELOAD-HINT tags of TYPE=PART (at most one)`);
  if (!pl.endList && pl.partTarget !== null && hints.length === 0 && pl.segments.length > 0) {
    problems.push('no EXT-X-PRELOAD-HINT:TYPE=PART in a live low-latency playlist');
  }
  const hint = hints[0];
  const last = pl.segments.at(-1);
  if (!hint || !last || pl.endList) return;
  const got = address(hint.URI ?? '')?.part;
  const lastPart = last.parts.at(-1);
  const lastNumber = lastPart ? address(lastPart.uri)?.part : undefined;
  if (got === undefined || lastNumber === undefined) return; // URIs of another shape: nothing to compare
  if (got !== lastNumber + 1) problems.push(`the preload hint ${hint.URI} is not the next part (expected part ${lastNumber + 1}, after ${lastPart!.uri})`);
}

function checkReports(pl: Parsed, opts: LlConformanceOptions, problems: string[]): void {
  for (const r of pl.reports) {
    if (!r.URI) problems.push('an EXT-X-RENDITION-REPORT has no URI');
    if (r['LAST-MSN'] === undefined || (pl.partTarget !== null && r['LAST-PART'] === undefined)) {
      problems.push(`the rendition report for ${r.URI ?? '?'} lacks LAST-MSN or LAST-PART`);
    }
  }
  const expected = opts.expectRenditionReports;
  if (expected === undefined) return;
  if (typeof expected === 'number') {
    if (pl.reports.length !== expected) problems.push(`${pl.reports.length} EXT-X-RENDITION-REPORT tags, expected ${expected}`);
    return;
  }
  const bare = (uri: string): string => uri.split('?')[0]!;
  const have = new Set(pl.reports.map((r) => bare(r.URI ?? '')));
  for (const uri of expected) if (!have.has(bare(uri))) problems.push(`no EXT-X-RENDITION-REPORT for ${uri}`);
}

/** Violations of the low-latency rules in a media playlist (see the file header); [] when it conforms. */
export function checkLlPlaylist(text: string, opts: LlConformanceOptions = {}): string[] {
  const problems: string[] = [];
  const pl = parse(text, problems);
  checkHeader(pl, problems);
  checkSegments(pl, opts, problems);
  checkReports(pl, opts, problems);
  return problems;
}
