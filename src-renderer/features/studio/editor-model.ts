import type { SceneItem } from '../../../src-shared/contract/index.js';

export interface Point {
  x: number;
  y: number;
}
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point on the canvas element (CSS pixels) in program pixels. */
export function toProgram(client: Point, box: { left: number; top: number; width: number; height: number }, program: { width: number; height: number }): Point {
  return { x: ((client.x - box.left) / box.width) * program.width, y: ((client.y - box.top) / box.height) * program.height };
}

/** The bottom-right resize handle's size in program pixels. */
export const HANDLE = 24;

/** What is under the pointer, top-most first: a visible, unlocked item's body or its resize handle. */
export function hitTest(items: readonly SceneItem[], p: Point): { itemId: string; part: 'body' | 'resize' } | null {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (!it.visible || it.locked) continue;
    const right = it.x + it.width;
    const bottom = it.y + it.height;
    if (Math.abs(p.x - right) <= HANDLE && Math.abs(p.y - bottom) <= HANDLE) return { itemId: it.id, part: 'resize' };
    if (p.x >= it.x && p.x <= right && p.y >= it.y && p.y <= bottom) return { itemId: it.id, part: 'body' };
  }
  return null;
}

/** The item's rectangle after dragging from `start` to `now`: moved, or resized keeping its aspect (unless `free`). */
export function dragRect(original: Rect, part: 'body' | 'resize', start: Point, now: Point, free = false): Rect {
  const dx = now.x - start.x;
  const dy = now.y - start.y;
  if (part === 'body') return { ...original, x: Math.round(original.x + dx), y: Math.round(original.y + dy) };
  const width = Math.max(16, original.width + dx);
  const height = free ? Math.max(16, original.height + dy) : (width * original.height) / original.width;
  return { ...original, width: Math.round(width), height: Math.round(height) };
}

/** Moves item `id` one place up (towards the top of the picture) or down in the drawing order. */
export function reorder(items: readonly SceneItem[], id: string, direction: 'up' | 'down'): SceneItem[] {
  const list = [...items];
  const i = list.findIndex((it) => it.id === id);
  const j = direction === 'up' ? i + 1 : i - 1;
  if (i < 0 || j < 0 || j >= list.length) return list;
  [list[i], list[j]] = [list[j]!, list[i]!];
  return list;
}

/** What the properties panel changes on an item (geometry, look, crop, key, colour). */
export type ItemPatch = Partial<Pick<SceneItem, 'x' | 'y' | 'width' | 'height' | 'rotationDeg' | 'opacity' | 'crop' | 'chromaKey' | 'color'>>;

/** A green screen's usual key: the colour, how near counts as key, the soft edge, the spill taken out. */
export const DEFAULT_CHROMA_KEY: NonNullable<SceneItem['chromaKey']> = { color: '#00ff00', similarity: 0.4, smoothness: 0.08, spill: 0.1 };
/** Colour correction that changes nothing. */
export const NEUTRAL_COLOR: NonNullable<SceneItem['color']> = { brightness: 0, contrast: 1, saturation: 1, gamma: 1, hueDeg: 0 };

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * The items with `patch` applied to item `id`, kept within what the host accepts: a size of at least
 * 1 px, opacity 0..1, rotation -360..360, and a crop that leaves some of the picture (a side that
 * would meet its opposite is pulled back). The other items are untouched.
 */
export function patchItem(items: readonly SceneItem[], id: string, patch: ItemPatch): SceneItem[] {
  return items.map((it) => {
    if (it.id !== id) return it;
    const next = { ...it, ...patch };
    next.width = Math.max(1, Math.round(next.width));
    next.height = Math.max(1, Math.round(next.height));
    next.x = Math.round(next.x);
    next.y = Math.round(next.y);
    next.opacity = clamp(next.opacity, 0, 1);
    next.rotationDeg = clamp(next.rotationDeg, -360, 360);
    const c = { ...next.crop };
    for (const k of ['left', 'top', 'right', 'bottom'] as const) c[k] = clamp(c[k], 0, 0.95);
    // The side just changed wins; its opposite gives way so that something stays.
    const changed = patch.crop ? (Object.keys(patch.crop) as (keyof typeof c)[]).find((k) => patch.crop![k] !== it.crop[k]) : undefined;
    const fit = (a: 'left' | 'top', b: 'right' | 'bottom') => {
      if (c[a] + c[b] <= 0.95) return;
      if (changed === a) c[b] = Math.max(0, 0.95 - c[a]);
      else c[a] = Math.max(0, 0.95 - c[b]);
    };
    fit('left', 'right');
    fit('top', 'bottom');
    next.crop = c;
    return next;
  });
}
