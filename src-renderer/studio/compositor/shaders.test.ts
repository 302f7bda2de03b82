import { describe, expect, it } from 'vitest';
import { hueMatrix, keyCbCr, rgba } from './shaders.js';

const round = (v: readonly number[], digits = 3) => v.map((x) => Math.round(x * 10 ** digits) / 10 ** digits);
/** A column-major 3x3 times an RGB colour. */
const apply = (m: Float32Array, [r, g, b]: [number, number, number]) => [0, 1, 2].map((row) => m[row]! * r + m[3 + row]! * g + m[6 + row]! * b);

describe('shader inputs', () => {
  it('reads #rrggbb and #rrggbbaa', () => {
    expect(round(rgba('#ff8000'))).toEqual([1, 0.502, 0, 1]);
    expect(round(rgba('#00000080'))).toEqual([0, 0, 0, 0.502]);
  });
  it('measures the key colour where the shader does: grey in the middle, green far from red', () => {
    expect(round(keyCbCr('#808080'), 2)).toEqual([0.5, 0.5]);
    const [gb, gr] = keyCbCr('#00ff00');
    const [rb, rr] = keyCbCr('#ff0000');
    expect(Math.hypot(gb - rb, gr - rr)).toBeGreaterThan(0.8);
  });
  it('turns hue about the grey axis: nothing at 0, greys stay grey, red goes green at 120 degrees', () => {
    expect(round([...hueMatrix(0)])).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    for (const deg of [45, 120, -90]) expect(round(apply(hueMatrix(deg), [0.5, 0.5, 0.5]))).toEqual([0.5, 0.5, 0.5]);
    const [r, g, b] = apply(hueMatrix(120), [1, 0, 0]);
    expect(g).toBeGreaterThan(0.4);
    expect(r).toBeLessThan(0);
    expect(b).toBeLessThan(0);
  });
});
