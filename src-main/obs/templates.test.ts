import { describe, expect, it } from 'vitest';
import { obsTemplateNames } from '../../src-shared/contract/index.js';
import { boxTransform, TEMPLATES, templateItems } from './templates.js';

describe('scene templates', () => {
  it('lists every template of the contract once', () => {
    expect(TEMPLATES.map((t) => t.name).sort()).toEqual([...obsTemplateNames].sort());
  });

  for (const canvas of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
    it(`keeps every item inside a ${canvas.width}x${canvas.height} canvas, with unique names`, () => {
      for (const t of obsTemplateNames) {
        const items = templateItems(t, { sceneName: 'Show' }, canvas, 'linux');
        expect(items.length).toBeGreaterThanOrEqual(3);
        expect(new Set(items.map((i) => i.name)).size).toBe(items.length);
        for (const { box } of items) {
          expect(box.x).toBeGreaterThanOrEqual(0);
          expect(box.y).toBeGreaterThanOrEqual(0);
          expect(box.width).toBeGreaterThan(0);
          expect(box.x + box.width).toBeLessThanOrEqual(canvas.width);
          expect(box.y + box.height).toBeLessThanOrEqual(canvas.height);
        }
      }
    });
  }

  it('puts the gaming camera in the bottom-right corner and the screen full frame, with the chosen devices', () => {
    const items = templateItems('gaming', { sceneName: 'Game', screen: 1, camera: '/dev/video2', title: 'Speedrun' }, { width: 1920, height: 1080 }, 'linux');
    const screen = items.find((i) => i.kind === 'display')!;
    const camera = items.find((i) => i.kind === 'camera')!;
    expect(screen.box).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    expect(screen.settings).toMatchObject({ screen: 1 });
    expect(camera.settings).toEqual({ device_id: '/dev/video2' });
    expect(camera.box.x).toBeGreaterThan(1920 / 2);
    expect(camera.box.y).toBeGreaterThan(1080 / 2);
    expect(items.find((i) => i.kind === 'text')!.settings).toMatchObject({ text: 'Speedrun' });
    expect(items.map((i) => i.name)).toContain('Game - Camera');
  });

  it('places the two interview cameras side by side without overlap', () => {
    const [, a, b] = templateItems('interview', { sceneName: 'Talk' }, { width: 1280, height: 720 }, 'linux');
    expect(a!.kind).toBe('camera');
    expect(b!.kind).toBe('camera');
    expect(a!.box.x + a!.box.width).toBeLessThanOrEqual(b!.box.x);
    expect(a!.box.y).toBe(b!.box.y);
  });

  it('fits sources into their box with bounds, anchored top-left', () => {
    expect(boxTransform({ x: 10, y: 20, width: 300, height: 200 })).toEqual({
      positionX: 10,
      positionY: 20,
      alignment: 5,
      boundsType: 'OBS_BOUNDS_SCALE_INNER',
      boundsAlignment: 0,
      boundsWidth: 300,
      boundsHeight: 200,
    });
  });
});
