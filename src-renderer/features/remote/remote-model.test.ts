import { describe, expect, it } from 'vitest';
import { parseSize } from './size.js';

describe('parseSize', () => {
  it('reads WxH and refuses odd or out-of-range sizes', () => {
    expect(parseSize('1280x720')).toEqual({ width: 1280, height: 720 });
    expect(parseSize(' 1920 × 1080 ')).toEqual({ width: 1920, height: 1080 });
    expect(parseSize('1281x720')).toBeNull();
    expect(parseSize('100x100')).toBeNull();
    expect(parseSize('wide')).toBeNull();
  });
});
