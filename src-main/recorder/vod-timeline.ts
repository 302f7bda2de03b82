import { parseMediaPlaylist, writeMediaPlaylist } from '../servers/hls/playlist.js';

/**
 * A recording's VOD media playlist on the live program timeline: every segment gets the
 * EXT-X-PROGRAM-DATE-TIME of its start (the recording's start_pdt, the program date-time of its first
 * frame, plus the EXTINF durations before it, replacing the converter's own wall-clock dates), and the
 * stream's data messages of that span come as EXT-X-DATERANGE tags: the player shows them again at
 * their frames, as it did live. Pure.
 */
export function vodPlaylistOnTimeline(text: string, startPdt: number, dateRanges: readonly string[]): string {
  const pl = parseMediaPlaylist(text);
  let elapsedSec = 0;
  for (const seg of pl.segments) {
    const pdt = new Date(Math.round(startPdt + elapsedSec * 1000)).toISOString();
    seg.tags = [...seg.tags.filter((tag) => !tag.startsWith('#EXT-X-PROGRAM-DATE-TIME:')), `#EXT-X-PROGRAM-DATE-TIME:${pdt}`];
    elapsedSec += seg.duration;
  }
  pl.headerTags = [...pl.headerTags, ...dateRanges];
  return writeMediaPlaylist(pl);
}

/** The span a VOD covers on the program timeline: [startPdt, startPdt + the sum of its EXTINF]. */
export function vodSpan(text: string, startPdt: number): { fromPdt: number; toPdt: number } {
  const total = parseMediaPlaylist(text).segments.reduce((sum, s) => sum + s.duration, 0);
  return { fromPdt: startPdt, toPdt: startPdt + total * 1000 };
}
