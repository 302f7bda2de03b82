import { describe, expect, it } from 'vitest';
import { ChatRateLimits, checkRate } from './rate.js';

describe('chat rate limits', () => {
  it('slow mode allows one message per span and says how long to wait', () => {
    const rules = { slowModeSec: 10, perMinute: 100 };
    expect(checkRate([], 0, rules)).toEqual({ ok: true });
    expect(checkRate([1000], 4000, rules)).toEqual({ ok: false, reason: 'slow-mode', retryAfterMs: 7000 });
    expect(checkRate([1000], 11_000, rules)).toEqual({ ok: true });
    expect(checkRate([1000], 5000, { ...rules, slowModeSec: 0 })).toEqual({ ok: true });
  });

  it('the per-minute limit slides: a place frees when the oldest in the window is a minute old', () => {
    const rules = { slowModeSec: 0, perMinute: 3 };
    expect(checkRate([0, 10_000, 20_000], 30_000, rules)).toEqual({ ok: false, reason: 'rate', retryAfterMs: 30_000 });
    expect(checkRate([0, 10_000, 20_000], 60_000, rules)).toEqual({ ok: true });
    expect(checkRate([0, 10_000], 30_000, rules)).toEqual({ ok: true });
  });

  it('keeps viewers apart and its memory bounded', () => {
    const limits = new ChatRateLimits(2);
    const rules = { slowModeSec: 5, perMinute: 10 };
    limits.record('a', 0, rules);
    expect(limits.check('a', 1000, rules).ok).toBe(false);
    expect(limits.check('b', 1000, rules).ok).toBe(true);
    limits.record('b', 0, rules);
    limits.record('c', 0, rules);
    expect(limits.size()).toBe(2);
    expect(limits.check('a', 1000, rules).ok).toBe(true);
    for (let t = 0; t < 100; t++) limits.record('c', t * 60_000, rules);
    expect(limits.check('c', 99 * 60_000 + 1000, rules)).toEqual({ ok: false, reason: 'slow-mode', retryAfterMs: 4000 });
  });
});
