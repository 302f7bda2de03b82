import { describe, expect, it } from 'vitest';
import { StepProgress } from './step-progress.js';

describe('StepProgress', () => {
  it('weights steps, skips zero-weight ones, never goes back, stays below 1', () => {
    const p = new StepProgress([
      ['probe', 1],
      ['loudness', 0],
      ['encode', 8],
      ['finish', 1],
    ]);
    expect(p.at('probe', 1)).toBe(0.1);
    expect(p.at('encode', 0.5)).toBe(0.5);
    expect(p.at('encode', 0.25)).toBe(0.5);
    expect(p.at('finish', 1)).toBe(0.999);
    expect(() => p.at('nope', 0)).toThrow(/unknown step/);
  });
});
