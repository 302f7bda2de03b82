import { describe, expect, it } from 'vitest';
import type { SceneItem } from '../../../src-shared/contract/index.js';
import { DEFAULT_CHROMA_KEY, dragRect, hitTest, NEUTRAL_COLOR, patchItem, reorder, toProgram } from './editor-model.js';

const item = (id: string, x: number, y: number, w: number, h: number, extra: Partial<SceneItem> = {}): SceneItem =>
  ({ id, sourceId: 'src_aaaaaaaaaa', visible: true, locked: false, x, y, width: w, height: h, rotationDeg: 0, opacity: 1, crop: { left: 0, top: 0, right: 0, bottom: 0 }, chromaKey: null, color: null, ...extra });

describe('the scene editor', () => {
  it('maps the pointer into program pixels', () => {
    expect(toProgram({ x: 110, y: 60 }, { left: 10, top: 10, width: 640, height: 360 }, { width: 1280, height: 720 })).toEqual({ x: 200, y: 100 });
  });
  it('hits the top-most visible, unlocked item, and its resize handle', () => {
    const items = [item('a', 0, 0, 1280, 720), item('b', 100, 100, 200, 100), item('c', 120, 120, 50, 50, { visible: false })];
    expect(hitTest(items, { x: 130, y: 130 })).toEqual({ itemId: 'b', part: 'body' });
    expect(hitTest(items, { x: 298, y: 199 })).toEqual({ itemId: 'b', part: 'resize' });
    expect(hitTest(items, { x: 900, y: 600 })).toEqual({ itemId: 'a', part: 'body' });
    expect(hitTest([item('l', 0, 0, 10, 10, { locked: true })], { x: 5, y: 5 })).toBeNull();
  });
  it('moves, and resizes keeping the aspect', () => {
    const r = { x: 100, y: 100, width: 200, height: 100 };
    expect(dragRect(r, 'body', { x: 0, y: 0 }, { x: 10.4, y: -20 })).toEqual({ x: 110, y: 80, width: 200, height: 100 });
    expect(dragRect(r, 'resize', { x: 0, y: 0 }, { x: 100, y: 0 })).toEqual({ x: 100, y: 100, width: 300, height: 150 });
    expect(dragRect(r, 'resize', { x: 0, y: 0 }, { x: 100, y: 10 }, true)).toEqual({ x: 100, y: 100, width: 300, height: 110 });
    expect(dragRect(r, 'resize', { x: 0, y: 0 }, { x: -500, y: 0 }).width).toBe(16);
  });
  it('changes the drawing order', () => {
    const items = [item('a', 0, 0, 1, 1), item('b', 0, 0, 1, 1), item('c', 0, 0, 1, 1)];
    expect(reorder(items, 'a', 'up').map((i) => i.id)).toEqual(['b', 'a', 'c']);
    expect(reorder(items, 'c', 'up').map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(reorder(items, 'b', 'down').map((i) => i.id)).toEqual(['b', 'a', 'c']);
  });
});

describe('the properties panel changes one item within what the host accepts', () => {
  const base = (id: string): SceneItem => ({ id, sourceId: 'src_aaaaaaaaaa', visible: true, locked: false, x: 10, y: 20, width: 300, height: 200, rotationDeg: 0, opacity: 1, crop: { left: 0, top: 0, right: 0, bottom: 0 }, chromaKey: null, color: null });
  const items = [base('itm_aaaaaaaaaa'), base('itm_bbbbbbbbbb')];
  it('changes only the item named, rounding its geometry', () => {
    const out = patchItem(items, 'itm_bbbbbbbbbb', { x: 10.6, width: 0.2, opacity: 1.5, rotationDeg: 400 });
    expect(out[0]).toBe(items[0]);
    expect(out[1]).toMatchObject({ x: 11, width: 1, opacity: 1, rotationDeg: 360 });
  });
  it('keeps some of the picture: the side just changed wins over its opposite', () => {
    const cropped = patchItem(items, 'itm_aaaaaaaaaa', { crop: { left: 0, top: 0, right: 0.5, bottom: 0 } });
    const out = patchItem(cropped, 'itm_aaaaaaaaaa', { crop: { left: 0.7, top: 0, right: 0.5, bottom: 0 } });
    expect(out[0]!.crop.left).toBeCloseTo(0.7);
    expect(out[0]!.crop.right).toBeCloseTo(0.25);
    expect(patchItem(items, 'itm_aaaaaaaaaa', { crop: { left: 0, top: 2, right: 0, bottom: -1 } })[0]!.crop).toEqual({ left: 0, top: 0.95, right: 0, bottom: 0 });
  });
  it('sets and clears a chroma key and a colour correction', () => {
    const keyed = patchItem(items, 'itm_aaaaaaaaaa', { chromaKey: DEFAULT_CHROMA_KEY, color: NEUTRAL_COLOR });
    expect(keyed[0]).toMatchObject({ chromaKey: DEFAULT_CHROMA_KEY, color: NEUTRAL_COLOR });
    expect(patchItem(keyed, 'itm_aaaaaaaaaa', { chromaKey: null })[0]!.chromaKey).toBeNull();
  });
});
