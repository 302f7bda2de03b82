/**
 * DASH: the MPD of the current packager session, rewritten as pure text (ffmpeg's MPD is small and
 * regular; no XML library needed).
 *
 * - Segment addresses point at `s/<session>/...` and carry the viewer's `sid` and, for private streams,
 *   the signature query: the SegmentTemplate `initialization`/`media` attributes, `Initialization@sourceURL`
 *   and `SegmentURL@media` are rewritten. When the MPD has its own relative BaseURL, the BaseURL is
 *   prefixed instead and the templates only get the query. `$...$` template identifiers are kept.
 * - A reconnecting publisher gets a new session with a new MPD (new availabilityStartTime, numbers
 *   restarting at 1): DASH is not stitched across sessions. With a short minimumUpdatePeriod the player
 *   refetches the MPD and may follow; otherwise it stalls on 404s and must reload.
 * - ffmpeg fixes minimumUpdatePeriod at 500 s (template without timeline); we lower it so players see
 *   the end of the stream (the MPD turns static) and a new session within seconds.
 * - A UTCTiming element (urn:mpeg:dash:utc:direct:2014, the server clock) is added to dynamic MPDs that
 *   have none, or dash.js asks an internet time server first.
 */

import { appendQuery, isRelativeUri } from './playlist.js';

export interface RewriteMpdOptions {
  /** Prefix for relative segment addresses, e.g. `s/<session>/`. */
  prefix: string;
  /** Query (without `?`) appended to every segment address. */
  query: string;
  /** Replaces minimumUpdatePeriod of a dynamic MPD (seconds); null keeps the packager's. */
  minimumUpdatePeriodSec?: number | null;
  /** Adds a direct UTCTiming element with this time (ISO 8601) to a dynamic MPD that has none. */
  utcTimingIso?: string | null;
  /** An EventStream (timed data) put first in the (single) Period: times on its timeline. */
  eventStream?: string;
}

const unescapeXml = (s: string): string =>
  s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function isDynamicMpd(xml: string): boolean {
  return /<MPD\b[^>]*\btype="dynamic"/.test(xml);
}

/** Rewrites attribute `attr` of every `<element ...>` start tag through `fn`. */
/** `attr` of every `element` tag in `xml` through `fn` (unescaped in, escaped out). */
export function rewriteAttr(xml: string, element: string, attr: string, fn: (value: string) => string): string {
  const tagRe = new RegExp(`<${element}\\b[^>]*>`, 'g');
  const attrRe = new RegExp(`(\\s${attr}=")([^"]*)(")`);
  return xml.replace(tagRe, (tag) =>
    tag.replace(attrRe, (_m, head: string, value: string, tail: string) => head + escapeXml(fn(unescapeXml(value))) + tail),
  );
}

export function rewriteMpd(xml: string, opts: RewriteMpdOptions): string {
  if (!/<MPD\b/.test(xml)) throw new Error('not a DASH MPD (no <MPD>)');
  const hasBaseUrl = /<BaseURL\b/.test(xml);
  let out = xml;
  if (hasBaseUrl) {
    out = out.replace(/(<BaseURL\b[^>]*>)([^<]*)(<\/BaseURL>)/g, (_m, open: string, value: string, close: string) => {
      const url = unescapeXml(value.trim());
      return open + escapeXml(isRelativeUri(url) ? opts.prefix + url : url) + close;
    });
  }
  const address = (value: string): string =>
    appendQuery(!hasBaseUrl && isRelativeUri(value) ? opts.prefix + value : value, opts.query);
  out = rewriteAttr(out, 'SegmentTemplate', 'initialization', address);
  out = rewriteAttr(out, 'SegmentTemplate', 'media', address);
  out = rewriteAttr(out, 'SegmentTemplate', 'index', address);
  out = rewriteAttr(out, 'Initialization', 'sourceURL', address);
  out = rewriteAttr(out, 'RepresentationIndex', 'sourceURL', address);
  out = rewriteAttr(out, 'SegmentURL', 'media', address);
  if (opts.eventStream) {
    const stream = opts.eventStream;
    out = out.replace(/<Period\b[^>]*>/, (tag) => `${tag}\n${stream}`);
  }
  if (isDynamicMpd(out)) {
    const period = opts.minimumUpdatePeriodSec;
    if (period !== null && period !== undefined) {
      out = rewriteAttr(out, 'MPD', 'minimumUpdatePeriod', () => `PT${period}S`);
    }
    if (opts.utcTimingIso && !/<UTCTiming\b/.test(out)) {
      out = out.replace(
        /<\/MPD>/,
        `\t<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="${escapeXml(opts.utcTimingIso)}"/>\n</MPD>`,
      );
    }
  }
  return out;
}
