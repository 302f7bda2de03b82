import { describe, expect, it } from 'vitest';
import { COUNTER, counterGaps, readCounter } from './studio.js';

/** A picture of the counter `value` at `scale`, as a luma lookup. */
function picture(value: number, scale: number) {
  const { bits, x0, y0, blockW, blockH } = COUNTER;
  return (x: number, y: number) => {
    const [px, py] = [x / scale, y / scale];
    if (py < y0 - 8 || py > y0 + blockH + 8 || px < x0 - 8 || px > x0 + bits * blockW + 8) return 128;
    const k = Math.floor((px - x0) / blockW);
    if (px < x0 || k >= bits || py < y0 || py > y0 + blockH) return 16;
    return value & (1 << k) ? 235 : 16;
  };
}

describe('the camera\'s frame counter', () => {
  it('reads a value at any scale, and nothing where there is no strip', () => {
    expect(readCounter(picture(0b101100111001, 1))).toBe(0b101100111001);
    expect(readCounter(picture(77, 2), 2)).toBe(77);
    expect(readCounter(() => 128)).toBeNull();
  });
  it('finds skipped frames, not the file looping back to 0', () => {
    expect(counterGaps([1, 2, 2, 3, null, 4, 0, 1], 5)).toEqual([]);
    expect(counterGaps([1, 2, 5, 6], 100)).toEqual([{ at: 2, from: 2, to: 5 }]);
  });
});
