/**
 * Subtitle tracks in the manifests the dash muxer wrote: the HLS master gets one
 * `EXT-X-MEDIA TYPE=SUBTITLES` per track (a one-cue-file playlist `subs_<id>.m3u8`) and
 * `SUBTITLES="subs"` on every variant; the MPD gets one text AdaptationSet per track pointing at the
 * WebVTT file with a BaseURL. Pure text transforms: each first removes what a previous run added, so
 * they are re-applied whenever the tracks change, without re-encoding.
 */

export interface SubtitleTrack {
  id: string;
  /** BCP 47, e.g. en or pt-BR. */
  language: string;
  label: string;
}

export const SUBTITLE_GROUP = 'subs';
export const subtitleVttFile = (id: string): string => `subs/${id}.vtt`;
export const subtitlePlaylistFile = (id: string): string => `subs_${id}.m3u8`;

/** Ids become file names: letters, digits, _ and - only. */
export const SUBTITLE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A quoted-string attribute value of a playlist: no double quotes (single ones instead), no line breaks. */
const quoted = (text: string): string => `"${text.replaceAll('"', "'").replace(/[\r\n]+/g, ' ')}"`;

const xml = (text: string): string =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

function checkIds(tracks: readonly SubtitleTrack[]): void {
  for (const t of tracks) if (!SUBTITLE_ID_RE.test(t.id)) throw new Error(`subtitle id ${JSON.stringify(t.id)} is not a file name`);
}

/** The master playlist with exactly these subtitle tracks (none: as the muxer wrote it). */
export function masterWithSubtitles(master: string, tracks: readonly SubtitleTrack[]): string {
  checkIds(tracks);
  const lines = master
    .split('\n')
    .filter((line) => !line.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'))
    .map((line) => (line.startsWith('#EXT-X-STREAM-INF:') ? line.replace(`,SUBTITLES="${SUBTITLE_GROUP}"`, '') : line));
  if (tracks.length === 0) return lines.join('\n');
  const media = tracks.map(
    (t, i) =>
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLE_GROUP}",LANGUAGE=${quoted(t.language)},NAME=${quoted(t.label)},` +
      `DEFAULT=NO,AUTOSELECT=${i === 0 ? 'YES' : 'NO'},URI="${subtitlePlaylistFile(t.id)}"`,
  );
  const out: string[] = [];
  let inserted = false;
  for (const line of lines) {
    // After the header lines, before the first variant or rendition group.
    if (!inserted && (line.startsWith('#EXT-X-MEDIA:') || line.startsWith('#EXT-X-STREAM-INF:'))) {
      out.push(...media);
      inserted = true;
    }
    out.push(line.startsWith('#EXT-X-STREAM-INF:') ? `${line},SUBTITLES="${SUBTITLE_GROUP}"` : line);
  }
  if (!inserted) throw new Error('the master playlist has no variant');
  return out.join('\n');
}

/** The one-segment media playlist of a WebVTT track spanning the whole video. */
export function subtitlePlaylist(id: string, durationSec: number): string {
  const duration = Math.max(0.001, durationSec);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${Math.ceil(duration)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    subtitleVttFile(id),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}

// The dash muxer writes no text sets: every one found is ours. Ids are numbers (the schema's
// unsignedInt), from TEXT_SET_ID_BASE on, clear of the muxer's 0, 1.
const TEXT_SET_RE = /\n?[ \t]*<AdaptationSet id="\d+" contentType="text"[\s\S]*?<\/AdaptationSet>/g;
const TEXT_SET_ID_BASE = 100;

/** The MPD with exactly these text AdaptationSets, placed at the end of the (only) Period. */
export function mpdWithSubtitles(mpd: string, tracks: readonly SubtitleTrack[]): string {
  checkIds(tracks);
  const clean = mpd.replace(TEXT_SET_RE, '');
  if (tracks.length === 0) return clean;
  const at = clean.lastIndexOf('</Period>');
  if (at === -1) throw new Error('the MPD has no Period');
  const lineStart = clean.lastIndexOf('\n', at) + 1;
  const indent = clean.slice(lineStart, at).match(/^[ \t]*/)?.[0] ?? '';
  const inner = `${indent}\t`;
  const sets = tracks.map((t, i) =>
    [
      `${inner}<AdaptationSet id="${TEXT_SET_ID_BASE + i}" contentType="text" mimeType="text/vtt" lang="${xml(t.language)}">`,
      `${inner}\t<Label>${xml(t.label)}</Label>`,
      `${inner}\t<Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle" />`,
      `${inner}\t<Representation id="sub-${t.id}" bandwidth="256">`,
      `${inner}\t\t<BaseURL>${xml(subtitleVttFile(t.id))}</BaseURL>`,
      `${inner}\t</Representation>`,
      `${inner}</AdaptationSet>`,
    ].join('\n'),
  );
  return `${clean.slice(0, lineStart)}${sets.join('\n')}\n${clean.slice(lineStart)}`;
}
