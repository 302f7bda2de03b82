import { describe, expect, it } from 'vitest';
import { StepProgress, stepWeights } from './step-progress.js';

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

  it('weighs steps by the time they take: fixed-cost thumbnails matter in a short video, not in a long one', () => {
    const ladder = [{ width: 1280, height: 720 }, { width: 854, height: 480 }, { width: 640, height: 360 }];
    const share = (durationSec: number, step: string) => {
      const weights = stepWeights({ preset: 'fast', renditions: ladder, durationSec, twoPass: false, loudness: false });
      const total = weights.reduce((sum, [, w]) => sum + w, 0);
      return weights.find(([name]) => name === step)![1] / total;
    };
    expect(share(10, 'thumbnails')).toBeGreaterThan(0.2);
    expect(share(3600, 'thumbnails')).toBeLessThan(0.01);
    expect(share(600, 'encode')).toBeGreaterThan(0.85);
    const balanced = new Map(stepWeights({ preset: 'balanced', renditions: ladder, durationSec: 60, twoPass: true, loudness: true }));
    expect(balanced.get('pass1')).toBeCloseTo(balanced.get('encode')! * 0.35);
    expect(balanced.get('loudness')).toBeGreaterThan(0);
  });
});
