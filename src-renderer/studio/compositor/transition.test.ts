import { describe, expect, it } from 'vitest';
import { applyMatrix, cropRect, itemMatrix, transitionAt } from './transition.js';

const P = { width: 1280, height: 720 };
const close = (p: [number, number]) => p.map((v) => Math.round(v * 1000) / 1000);

describe('transitions', () => {
  it('a cut (or no duration) is done at once', () => {
    expect(transitionAt({ kind: 'cut', durationMs: 500, stinger: null }, 0, 0)).toEqual({ progress: 1, done: true, cut: true });
    expect(transitionAt({ kind: 'fade', durationMs: 0, stinger: null }, 0, 0).done).toBe(true);
  });
  it('a fade runs from 0 to 1 over its duration', () => {
    const fade = { kind: 'fade' as const, durationMs: 400, stinger: null };
    expect(transitionAt(fade, 1000, 1000)).toEqual({ progress: 0, done: false, cut: false });
    expect(transitionAt(fade, 1000, 1300)).toEqual({ progress: 0.75, done: false, cut: true });
    expect(transitionAt(fade, 1000, 1400)).toEqual({ progress: 1, done: true, cut: true });
  });
  it('a stinger swaps the scenes at its cut point', () => {
    const stinger = { kind: 'stinger' as const, durationMs: 1000, stinger: { url: '/s.webm', cutPointMs: 300 } };
    expect(transitionAt(stinger, 0, 299).cut).toBe(false);
    expect(transitionAt(stinger, 0, 300).cut).toBe(true);
    expect(transitionAt(stinger, 0, 1000)).toEqual({ progress: 1, done: true, cut: true });
  });
  it('a cut point past the end swaps at the end; a stinger without a video swaps half way', () => {
    const late = { kind: 'stinger' as const, durationMs: 500, stinger: { url: '/s.webm', cutPointMs: 5000 } };
    expect(transitionAt(late, 0, 499).cut).toBe(false);
    expect(transitionAt(late, 0, 500)).toEqual({ progress: 1, done: true, cut: true });
    expect(transitionAt({ kind: 'stinger', durationMs: 500, stinger: null }, 0, 250).cut).toBe(true);
  });
  it('a clock before the start reads as the start; a zero-length slide is a cut', () => {
    expect(transitionAt({ kind: 'slide', durationMs: 300, stinger: null }, 1000, 900)).toEqual({ progress: 0, done: false, cut: false });
    expect(transitionAt({ kind: 'slide', durationMs: 0, stinger: null }, 1000, 1000)).toEqual({ progress: 1, done: true, cut: true });
  });
});

describe('item placement in clip space', () => {
  it('maps the unit square onto the item', () => {
    const m = itemMatrix({ x: 0, y: 0, width: 1280, height: 720, rotationDeg: 0 }, P);
    expect(close(applyMatrix(m, 0, 0))).toEqual([-1, 1]);
    expect(close(applyMatrix(m, 1, 1))).toEqual([1, -1]);
    const q = itemMatrix({ x: 640, y: 360, width: 640, height: 360, rotationDeg: 0 }, P);
    expect(close(applyMatrix(q, 0, 0))).toEqual([0, 0]);
  });
  it('rotates about the item\'s centre', () => {
    const m = itemMatrix({ x: 540, y: 260, width: 200, height: 200, rotationDeg: 90 }, P);
    // The top-left corner turns to the top-right (y down on screen: clockwise).
    const [x, y] = applyMatrix(m, 0, 0);
    expect(close([((x + 1) / 2) * 1280, ((1 - y) / 2) * 720])).toEqual([740, 260]);
    const [cx, cy] = applyMatrix(m, 0.5, 0.5);
    expect(close([((cx + 1) / 2) * 1280, ((1 - cy) / 2) * 720])).toEqual([640, 360]);
  });
  it('turns a wide item upright about its centre, and keeps the centre wherever it is', () => {
    const m = itemMatrix({ x: 100, y: 50, width: 200, height: 100, rotationDeg: 90 }, P);
    const px = (u: number, v: number) => close(((p) => [((p[0] + 1) / 2) * 1280, ((1 - p[1]) / 2) * 720] as [number, number])(applyMatrix(m, u, v)));
    expect(px(0.5, 0.5)).toEqual([200, 100]);
    // The top edge's middle now points right, the left edge's middle up.
    expect(px(0.5, 0)).toEqual([250, 100]);
    expect(px(0, 0.5)).toEqual([200, 0]);
  });
  it('crops in texture coordinates', () => {
    expect(cropRect({ left: 0.1, top: 0.2, right: 0.3, bottom: 0 }).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0.1, 0.2, 0.6, 0.8]);
  });
});
