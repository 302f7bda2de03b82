import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test-support/golden.js';
import { planSprite, previewsVtt, vttTime } from './sprite-plan.js';

describe('sprite plan', () => {
  it('takes about 100 previews, one every 1-10 s, tiles in the video aspect', () => {
    expect(planSprite(24, 854, 480)).toEqual({ intervalSec: 1, tileWidth: 160, tileHeight: 90, columns: 10, rows: 10, count: 24, sheets: 1 });
    expect(planSprite(600, 1920, 1080)).toMatchObject({ intervalSec: 6, count: 100, sheets: 1 });
    expect(planSprite(7200, 1080, 1920)).toMatchObject({ intervalSec: 10, tileHeight: 284, count: 720, sheets: 8 });
    expect(planSprite(250.5, 640, 480)).toMatchObject({ intervalSec: 3, tileHeight: 120, count: 84 });
    expect(() => planSprite(0, 640, 480)).toThrow();
  });

  it('maps each interval to its tile across sheets', () => {
    const plan = planSprite(25, 1280, 720, { columns: 3, rows: 2 });
    expectGolden(previewsVtt(plan, 25), new URL('./fixtures/previews.vtt', import.meta.url));
  });

  it('formats WebVTT times', () => {
    expect(vttTime(0)).toBe('00:00:00.000');
    expect(vttTime(3723.4567)).toBe('01:02:03.457');
  });
});
