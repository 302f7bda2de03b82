import { describe, expect, it } from 'vitest';
import type { SceneItem } from '../../../src-shared/contract/scenes.js';
import { hiddenItems } from './occlusion.js';

const item = (id: string, x: number, y: number, w: number, h: number, extra: Partial<SceneItem> = {}): SceneItem =>
  ({ id, sourceId: id, visible: true, locked: false, x, y, width: w, height: h, rotationDeg: 0, opacity: 1, crop: { left: 0, top: 0, right: 0, bottom: 0 }, chromaKey: null, color: null, ...extra });
const opaque = (id: string) => id.startsWith('cam') || id === 'bg';

describe('leaving out what cannot be seen', () => {
  it('a backdrop under a full-screen camera', () => {
    expect([...hiddenItems([item('bg', 0, 0, 1280, 720), item('cam', 0, 0, 1280, 720), item('logo', 900, 500, 300, 200)], opaque)]).toEqual(['bg']);
  });
  it('only what is covered whole', () => {
    expect(hiddenItems([item('bg', 0, 0, 1280, 720), item('cam', 0, 0, 1280, 700)], opaque).size).toBe(0);
    expect([...hiddenItems([item('small', 10, 10, 100, 100), item('cam', 0, 0, 640, 360)], opaque)]).toEqual(['small']);
  });
  it('nothing hides behind what may be see-through', () => {
    const covers = [
      item('png', 0, 0, 1280, 720),
      item('cam1', 0, 0, 1280, 720, { opacity: 0.9 }),
      item('cam2', 0, 0, 1280, 720, { chromaKey: { color: '#00ff00', similarity: 0.4, smoothness: 0.1, spill: 0.1 } }),
      item('cam3', 0, 0, 1280, 720, { rotationDeg: 5 }),
      item('cam4', 0, 0, 1280, 720, { crop: { left: 0.1, top: 0, right: 0, bottom: 0 } }),
      item('cam5', 0, 0, 1280, 720, { visible: false }),
    ];
    for (const c of covers) expect(hiddenItems([item('bg', 0, 0, 1280, 720), c], opaque).has('bg'), c.id).toBe(false);
  });
});
