import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from 1 s and stops at 30 s (no jitter at random = 0.5)', () => {
    const delays = Array.from({ length: 9 }, (_, i) => backoffDelay(i + 1, DEFAULT_BACKOFF, () => 0.5));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect(backoffDelay(1000, DEFAULT_BACKOFF, () => 0.5)).toBe(30000);
  });

  it('spreads each delay by ±20% and never goes past the cap', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 1)).toBe(1200);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(3200);
    expect(backoffDelay(6, DEFAULT_BACKOFF, () => 0)).toBe(24000);
    expect(backoffDelay(6, DEFAULT_BACKOFF, () => 1)).toBe(30000);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2);
      expect(d).toBeGreaterThanOrEqual(1600);
      expect(d).toBeLessThanOrEqual(2400);
    }
  });

  it('takes other bases and no jitter', () => {
    const options = { baseMs: 50, maxMs: 300, jitter: 0 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 0.9))).toEqual([50, 100, 200, 300, 300]);
    expect(backoffDelay(0, options)).toBe(50);
  });
});

describe('backoffDelay as a fixed ladder', () => {
  it('gives the packager ladder 500, 1000, 2000, 4000 ms (the last repeats)', () => {
    const ladder = { baseMs: 500, maxMs: 4000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, ladder))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('gives the recorder ladder 500, 2000, 5000 ms with a factor of 4', () => {
    const ladder = { baseMs: 500, maxMs: 5000, jitter: 0, factor: 4 };
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, ladder))).toEqual([500, 2000, 5000, 5000]);
  });

  it('repeats one delay when base and max are equal', () => {
    expect([1, 2, 7].map((n) => backoffDelay(n, { baseMs: 200, maxMs: 200, jitter: 0 }))).toEqual([200, 200, 200]);
  });
});
