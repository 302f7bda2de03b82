/**
 * The seek-preview sprite: one small frame every `intervalSec`, tiled `columns` x `rows` per JPEG
 * sheet (`sprite-1.jpg`, ...), and `previews.vtt` mapping each interval to its tile with
 * `sprite-N.jpg#xywh=x,y,w,h` (the form hls.js/video.js thumbnail plugins and our players read). Pure.
 */

export interface SpritePlan {
  intervalSec: number;
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  /** Frames in all (the last sheet may be partly filled). */
  count: number;
  sheets: number;
}

/** Previews wanted over a video: about 100, one every 1-10 s. */
const TARGET_PREVIEWS = 100;

export function planSprite(durationSec: number, width: number, height: number, options: { tileWidth?: number; columns?: number; rows?: number } = {}): SpritePlan {
  if (!(durationSec > 0)) throw new Error('a sprite needs a positive duration');
  const tileWidth = options.tileWidth ?? 160;
  const aspect = width > 0 && height > 0 ? height / width : 9 / 16;
  const tileHeight = Math.max(2, 2 * Math.round((tileWidth * aspect) / 2));
  const columns = options.columns ?? 10;
  const rows = options.rows ?? 10;
  const intervalSec = Math.min(10, Math.max(1, Math.ceil(durationSec / TARGET_PREVIEWS)));
  const count = Math.max(1, Math.ceil(durationSec / intervalSec));
  return { intervalSec, tileWidth, tileHeight, columns, rows, count, sheets: Math.ceil(count / (columns * rows)) };
}

export const spriteSheetFile = (n: number): string => `sprite-${n}.jpg`;

/** WebVTT time: hh:mm:ss.mmm. */
export function vttTime(sec: number): string {
  const ms = Math.max(0, Math.round(sec * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** previews.vtt: one cue per frame, the last one ending at the video's end. */
export function previewsVtt(plan: SpritePlan, durationSec: number): string {
  const perSheet = plan.columns * plan.rows;
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalSec;
    const end = Math.min(durationSec, (i + 1) * plan.intervalSec);
    const sheet = Math.floor(i / perSheet) + 1;
    const cell = i % perSheet;
    const x = (cell % plan.columns) * plan.tileWidth;
    const y = Math.floor(cell / plan.columns) * plan.tileHeight;
    lines.push(`${vttTime(start)} --> ${vttTime(end)}`, `${spriteSheetFile(sheet)}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`, '');
  }
  return lines.join('\n');
}
