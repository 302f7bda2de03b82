import { appendQuery, isRelativeUri } from '../servers/hls/playlist.js';
import { escapeXml, rewriteMpd } from '../servers/hls/mpd.js';

/**
 * A private video's text files carry the viewer's signature onward: every address in a playlist, the
 * MPD or the seek-preview WebVTT gets the query (`exp=..&sig=..`), so the player's next requests are
 * signed too. Pure.
 */

/** Every URI line and URI="..." attribute of an HLS playlist (master, media or subtitles). */
export function signPlaylist(text: string, query: string): string {
  if (!query) return text;
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('#')) return line.replace(/URI="([^"]*)"/g, (m, uri: string) => (isRelativeUri(uri) ? `URI="${appendQuery(uri, query)}"` : m));
      return line.trim() !== '' && isRelativeUri(line.trim()) ? appendQuery(line.trim(), query) : line;
    })
    .join('\n');
}

/** Segment templates, initialisations and BaseURLs of files (subtitle tracks) of an MPD. */
export function signMpd(xml: string, query: string): string {
  if (!query) return xml;
  const segments = rewriteMpd(xml, { prefix: '', query });
  return segments.replace(/(<BaseURL\b[^>]*>)([^<]*\.vtt)(<\/BaseURL>)/g, (_m, open: string, url: string, close: string) =>
    isRelativeUri(url.trim()) ? open + escapeXml(appendQuery(url.trim().replace(/&amp;/g, '&'), query)) + close : _m,
  );
}

/** Image addresses of a seek-preview WebVTT (`sprite-1.jpg#xywh=0,0,160,90`). */
export function signPreviewVtt(text: string, query: string): string {
  if (!query) return text;
  return text.replace(/^([^\s#][^\s#]*\.jpg)(#xywh=[\d,]+)?$/gm, (_m, file: string, fragment: string | undefined) =>
    isRelativeUri(file) ? `${appendQuery(file, query)}${fragment ?? ''}` : _m,
  );
}
