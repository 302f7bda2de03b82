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
