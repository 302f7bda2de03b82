import type { SceneItem, SceneLayout } from '../../../src-shared/contract/scenes.js';

export interface Size {
  width: number;
  height: number;
}
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** `size` scaled into `box` keeping its aspect: inside it (`contain`, centred) or covering it (`cover`). */
export function fitRect(size: Size | null, box: Box, mode: 'contain' | 'cover' = 'contain'): Box {
  if (!size || size.width <= 0 || size.height <= 0) return { ...box };
  const sx = box.width / size.width;
  const sy = box.height / size.height;
  const s = mode === 'contain' ? Math.min(sx, sy) : Math.max(sx, sy);
  const width = size.width * s;
  const height = size.height * s;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}

/** Rows x columns of a grid for `n` pictures: 1-2 in a row, then as near square as fits the 16:9 frame. */
export function gridShape(n: number): { rows: number; cols: number } {
  if (n <= 2) return { rows: 1, cols: Math.max(1, n) };
  const cols = Math.ceil(Math.sqrt(n));
  return { rows: Math.ceil(n / cols), cols };
}

/** The size of the part of a picture an item shows after its crop (what its aspect is fitted by). */
export function shownSize(size: Size | null, crop: SceneItem['crop']): Size | null {
  if (!size) return null;
  return { width: size.width * (1 - crop.left - crop.right), height: size.height * (1 - crop.top - crop.bottom) };
}

/** The PiP inset's share of the program width, and its margin's share of the program height. */
export const PIP = { scale: 0.25, margin: 0.025 } as const;

/**
 * Where each item of a scene goes (pure). `free` keeps the items where they were put; the other
 * layouts place the visible items themselves, in item order, each picture fitted with its aspect (a
 * cropped one with the aspect of what is left; a source without a picture yet takes its whole cell):
 * `full` every item over the whole program, `side-by-side` equal columns, `pip` the first full and
 * the others small in the bottom-right corner, stacked upwards, `grid` a near-square grid.
 */
export function placeItems(layout: SceneLayout, items: readonly SceneItem[], program: Size, sizeOf: (sourceId: string) => Size | null): SceneItem[] {
  if (layout === 'free') return [...items];
  const visible = items.filter((i) => i.visible);
  const n = visible.length;
  const cells = new Map<string, Box>();
  const whole: Box = { x: 0, y: 0, width: program.width, height: program.height };
  visible.forEach((item, i) => {
    let cell: Box = whole;
    if (layout === 'side-by-side') cell = { x: (program.width / n) * i, y: 0, width: program.width / n, height: program.height };
    if (layout === 'grid') {
      const { rows, cols } = gridShape(n);
      const w = program.width / cols;
      const h = program.height / rows;
      const row = Math.floor(i / cols);
      // The last row, when short, is centred.
      const inRow = row === rows - 1 ? n - row * cols : cols;
      const offset = ((cols - inRow) * w) / 2;
      cell = { x: offset + (i % cols) * w, y: row * h, width: w, height: h };
    }
    if (layout === 'pip' && i > 0) {
      const m = program.height * PIP.margin;
      const w = program.width * PIP.scale;
      const h = (w * program.height) / program.width;
      cell = { x: program.width - w - m, y: program.height - i * (h + m), width: w, height: h };
    }
    cells.set(item.id, fitRect(shownSize(sizeOf(item.sourceId), item.crop), cell));
  });
  return items.map((item) => {
    const box = cells.get(item.id);
    return box ? { ...item, ...box, rotationDeg: 0 } : item;
  });
}
