import { describe, expect, it } from 'vitest';
import type { SceneItem } from '../../../src-shared/contract/scenes.js';
import { fitRect, gridShape, placeItems, shownSize } from './layout.js';

const item = (id: string, sourceId = id, visible = true): SceneItem =>
  ({ id, sourceId, visible, locked: false, x: 1, y: 2, width: 3, height: 4, rotationDeg: 10, opacity: 1, crop: { left: 0, top: 0, right: 0, bottom: 0 }, chromaKey: null, color: null });
const P = { width: 1280, height: 720 };
const wide = () => ({ width: 1920, height: 1080 });
const box = (i: SceneItem) => [i.x, i.y, i.width, i.height].map((v) => Math.round(v * 10) / 10);

describe('layouts', () => {
  it('fits a picture inside a box or over it', () => {
    expect(fitRect({ width: 100, height: 100 }, { x: 0, y: 0, width: 200, height: 100 })).toEqual({ x: 50, y: 0, width: 100, height: 100 });
    expect(fitRect({ width: 100, height: 100 }, { x: 0, y: 0, width: 200, height: 100 }, 'cover')).toEqual({ x: 0, y: -50, width: 200, height: 200 });
    expect(fitRect(null, { x: 1, y: 2, width: 3, height: 4 })).toEqual({ x: 1, y: 2, width: 3, height: 4 });
  });
  it('free keeps everything', () => {
    const items = [item('a')];
    expect(placeItems('free', items, P, wide)).toEqual(items);
  });
  it('full letterboxes each visible item', () => {
    const [a] = placeItems('full', [item('a')], P, () => ({ width: 640, height: 640 }));
    expect(box(a!)).toEqual([280, 0, 720, 720]);
    expect(a!.rotationDeg).toBe(0);
  });
  it('side by side splits the width among the visible items only', () => {
    const placed = placeItems('side-by-side', [item('a'), item('h', 'h', false), item('b')], P, wide);
    expect(box(placed[0]!)).toEqual([0, 180, 640, 360]);
    expect(box(placed[2]!)).toEqual([640, 180, 640, 360]);
    expect(placed[1]).toEqual(item('h', 'h', false));
  });
  it('picture in picture: the first full, the rest in the corner stacked upwards', () => {
    const placed = placeItems('pip', [item('a'), item('b'), item('c')], P, wide);
    expect(box(placed[0]!)).toEqual([0, 0, 1280, 720]);
    expect(box(placed[1]!)).toEqual([942, 522, 320, 180]);
    expect(box(placed[2]!)).toEqual([942, 324, 320, 180]);
  });
  it('grid shapes, with a short last row centred', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 9, 10].map((n) => Object.values(gridShape(n)).join('x'))).toEqual(['1x1', '1x2', '2x2', '2x2', '2x3', '2x3', '3x3', '3x3', '3x4']);
    const placed = placeItems('grid', ['a', 'b', 'c'].map((id) => item(id)), P, wide);
    expect(box(placed[0]!)).toEqual([0, 0, 640, 360]);
    expect(box(placed[2]!)).toEqual([320, 360, 640, 360]);
  });
  it('grid table: the cells for each count, every picture fitted and centred in its cell', () => {
    const table: [number, string][] = [
      [1, '0,0,1280,720'],
      [2, '0,180,640,360 640,180,640,360'],
      [4, '0,0,640,360 640,0,640,360 0,360,640,360 640,360,640,360'],
      // 3 columns x 2 rows: cells 426.7 x 360, a 16:9 picture 240 high in each; the short last row centred.
      [5, '0,60,426.7,240 426.7,60,426.7,240 853.3,60,426.7,240 213.3,420,426.7,240 640,420,426.7,240'],
      [6, '0,60,426.7,240 426.7,60,426.7,240 853.3,60,426.7,240 0,420,426.7,240 426.7,420,426.7,240 853.3,420,426.7,240'],
    ];
    for (const [n, want] of table) {
      const items = Array.from({ length: n }, (_, i) => item(`i${i}`));
      expect(placeItems('grid', items, P, wide).map((i) => box(i).join(',')).join(' '), `${n} items`).toBe(want);
    }
  });
  it('a portrait picture is pillarboxed; a source with no picture yet takes its whole cell', () => {
    const [a, b] = placeItems('side-by-side', [item('tall'), item('none')], P, (id) => (id === 'tall' ? { width: 360, height: 640 } : null));
    expect(box(a!)).toEqual([117.5, 0, 405, 720]);
    expect(box(b!)).toEqual([640, 0, 640, 720]);
  });
  it('a cropped picture keeps the aspect of what is left', () => {
    // 1920x1080 with its left and right quarters cut: 960x1080 shown.
    const cropped = { ...item('a'), crop: { left: 0.25, top: 0, right: 0.25, bottom: 0 } };
    expect(box(placeItems('full', [cropped], P, wide)[0]!)).toEqual([320, 0, 640, 720]);
    expect(shownSize(null, cropped.crop)).toBeNull();
  });
  it('picture in picture with one item is just the full picture', () => {
    expect(box(placeItems('pip', [item('a')], P, wide)[0]!)).toEqual([0, 0, 1280, 720]);
  });
});

