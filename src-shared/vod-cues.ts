/**
 * The WebVTT a processed video carries beside its playlists, read as players need it: `previews.vtt`
 * (seek previews: each cue names a sprite tile, `sprite-1.jpg#xywh=0,0,160,90`) and `chapters.vtt`
 * (a title per cue). The studio's video page imports these; the watch page (/watch/<id>) inlines their
 * source (`VOD_CUE_FUNCTIONS`), so both show the same tile for the same time.
 *
 * Inlined means: each function stands alone. It may call another function of this list by name, but no
 * constant or import of this file.
 */

export interface VttCue {
  start: number;
  end: number;
  text: string;
}

/** A tile of a sprite sheet: the image (resolved against the VTT's URL) and the rectangle in it. */
export interface PreviewTile {
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** `01:02:03.500` or `02:03.500` -> seconds; null when it is no WebVTT timestamp. */
export function parseVttTime(text: string): number | null {
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  const frac = m[4] ? Number(m[4].padEnd(3, '0')) / 1000 : 0;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + frac;
}

/** The cues of a WebVTT file in file order; NOTE/STYLE blocks and cues with a bad timing line are skipped. */
export function parseVttCues(text: string): VttCue[] {
  const cues: VttCue[] = [];
  const blocks = text.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.length > 0);
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const [from, rest] = lines[at]!.split('-->');
    const start = parseVttTime(from ?? '');
    const end = parseVttTime((rest ?? '').trim().split(/\s+/)[0] ?? '');
    if (start === null || end === null || end < start) continue;
    cues.push({ start, end, text: lines.slice(at + 1).join('\n').trim() });
  }
  return cues;
}

/** The cue playing at `time` (cues sorted by start; the last one keeps its end), or null. */
export function cueAt(cues: VttCue[], time: number): VttCue | null {
  let lo = 0;
  let hi = cues.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid]!.start <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const cue = found >= 0 ? cues[found]! : null;
  if (!cue) return null;
  // The very end of the video still shows the last tile.
  return time < cue.end || (found === cues.length - 1 && time <= cue.end) ? cue : null;
}

/** A preview cue's text (`sprite-1.jpg#xywh=160,0,160,90`) as a tile, its image resolved against `base`. */
export function previewTile(text: string, base: string): PreviewTile | null {
  const m = /^(.*?)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(text.trim());
  if (!m || !m[1]) return null;
  let url: string;
  try {
    // src-shared has no DOM or Node types; browsers and Node both have URL.
    url = new (globalThis as unknown as { URL: new (input: string, base: string) => { href: string } }).URL(m[1], base).href;
  } catch {
    return null;
  }
  return { url, x: Number(m[2]), y: Number(m[3]), w: Number(m[4]), h: Number(m[5]) };
}

/** What the player inlines, in an order where each is declared before the page uses it. */
export const VOD_CUE_FUNCTIONS = [parseVttTime, parseVttCues, cueAt, previewTile] as const;
