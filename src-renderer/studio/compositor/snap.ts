import type { Guide } from '../types.js';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Snaps a dragged rectangle (pure): its left, centre or right edge to the program's edges and centre
 * and to the other items' edges and centres when within `threshold` pixels, the same for top, middle
 * and bottom; the nearest candidate wins per axis. The guides are the lines it snapped to.
 */
export function snapRect(moving: Rect, others: readonly Rect[], program: { width: number; height: number }, threshold: number): { x: number; y: number; guides: Guide[] } {
  const guides: Guide[] = [];
  const axis = (pos: number, size: number, full: number, lines: number[], name: 'x' | 'y'): number => {
    let best: { delta: number; at: number } | null = null;
    for (const line of [0, full / 2, full, ...lines]) {
      for (const offset of [0, size / 2, size]) {
        const delta = line - (pos + offset);
        if (Math.abs(delta) <= threshold && (!best || Math.abs(delta) < Math.abs(best.delta))) best = { delta, at: line };
      }
    }
    if (!best) return pos;
    guides.push({ axis: name, at: best.at });
    return pos + best.delta;
  };
  const xs = others.flatMap((o) => [o.x, o.x + o.width / 2, o.x + o.width]);
  const ys = others.flatMap((o) => [o.y, o.y + o.height / 2, o.y + o.height]);
  return { x: axis(moving.x, moving.width, program.width, xs, 'x'), y: axis(moving.y, moving.height, program.height, ys, 'y'), guides };
}
