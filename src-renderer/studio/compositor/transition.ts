import type { SceneItem, Transition } from '../../../src-shared/contract/scenes.js';

export interface TransitionAt {
  /** 0 at the start, 1 at the end. */
  progress: number;
  done: boolean;
  /** The new scene is the one on screen (a stinger's cut point has passed; any other kind: past half way). */
  cut: boolean;
}

/** Where a transition is at `now` (pure). A cut, or a zero duration, is done at once. */
export function transitionAt(t: Pick<Transition, 'kind' | 'durationMs' | 'stinger'>, startedAt: number, now: number): TransitionAt {
  if (t.kind === 'cut' || t.durationMs <= 0) return { progress: 1, done: true, cut: true };
  const elapsed = Math.max(0, now - startedAt);
  const progress = Math.min(1, elapsed / t.durationMs);
  const cutAt = t.kind === 'stinger' && t.stinger ? Math.min(t.stinger.cutPointMs, t.durationMs) : t.durationMs / 2;
  return { progress, done: elapsed >= t.durationMs, cut: elapsed >= cutAt };
}

/**
 * The 3x3 matrix (column-major, as WebGL wants) taking the unit square (0..1, 0..1) to the item's
 * place in clip space (-1..1, y up): scaled to the item's size, rotated about its centre, moved to
 * its position in a `program`-sized picture.
 */
export function itemMatrix(item: Pick<SceneItem, 'x' | 'y' | 'width' | 'height' | 'rotationDeg'>, program: { width: number; height: number }): Float32Array {
  const a = (item.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = item.x + item.width / 2;
  const cy = item.y + item.height / 2;
  // unit square -> centred item (pixels, y down) -> rotated -> program pixels -> clip space.
  const sx = 2 / program.width;
  const sy = -2 / program.height;
  const m00 = sx * cos * item.width;
  const m01 = sx * -sin * item.height;
  const m10 = sy * sin * item.width;
  const m11 = sy * cos * item.height;
  const tx = sx * (cx - cos * (item.width / 2) + sin * (item.height / 2)) - 1;
  const ty = sy * (cy - sin * (item.width / 2) - cos * (item.height / 2)) + 1;
  return new Float32Array([m00, m10, 0, m01, m11, 0, tx, ty, 1]);
}

/** The part of the source picture an item shows (texture coordinates, 0..1) after its crop. */
export function cropRect(crop: SceneItem['crop']): [number, number, number, number] {
  return [crop.left, crop.top, 1 - crop.left - crop.right, 1 - crop.top - crop.bottom];
}

/** Applies a column-major 3x3 matrix to a point. */
export function applyMatrix(m: Float32Array, x: number, y: number): [number, number] {
  return [m[0]! * x + m[3]! * y + m[6]!, m[1]! * x + m[4]! * y + m[7]!];
}
