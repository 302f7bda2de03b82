import { describe, expect, it } from 'vitest';
import { estimateSec, etaErrors, queueEtas, runningEtaSec, secPerMediaSec, startRate, updateRate } from './eta.js';

describe('updateRate', () => {
  it('takes the first sample as it is, then smooths in time', () => {
    let s = startRate(0);
    s = updateRate(s, 0.1, 1000);
    expect(s.rate).toBeCloseTo(0.1);
    // A burst twice as fast for 1 s moves the rate by 1 - e^(-1/10) of the difference only.
    s = updateRate(s, 0.3, 2000);
    expect(s.rate).toBeCloseTo(0.1 + (1 - Math.exp(-0.1)) * 0.1, 6);
  });

  it('folds samples closer than 100 ms into the next', () => {
    const s = updateRate(startRate(0), 0.5, 50);
    expect(s).toEqual(startRate(0));
  });

  it('weighs the same speed alike whether reported often or rarely', () => {
    let often = startRate(0);
    for (let t = 200; t <= 20_000; t += 200) often = updateRate(often, t / 100_000, t);
    const rarely = updateRate(startRate(0), 0.2, 20_000);
    expect(often.rate).toBeCloseTo(rarely.rate!, 9);
  });
});

describe('runningEtaSec', () => {
  it('uses the estimate before any speed is known, minus the time spent', () => {
    expect(runningEtaSec({ progress: 0, rate: startRate(0), startedAt: 0, now: 4000, estimateSec: 10 })).toBe(6);
    expect(runningEtaSec({ progress: 0, rate: startRate(0), startedAt: 0, now: 4000, estimateSec: null })).toBeNull();
  });

  it('uses the speed once measured, counting the time since the last sample', () => {
    const rate = updateRate(startRate(0), 0.25, 10_000); // 2.5 % per s
    expect(runningEtaSec({ progress: 0.25, rate, startedAt: 0, now: 10_000, estimateSec: 100 })).toBe(30);
    expect(runningEtaSec({ progress: 0.25, rate, startedAt: 0, now: 12_000, estimateSec: 100 })).toBe(28);
  });
});

describe('secPerMediaSec and estimateSec', () => {
  it('is total work over total media, skipping samples without media', () => {
    expect(secPerMediaSec([])).toBeNull();
    expect(secPerMediaSec([{ wallSec: 10, mediaSec: 0 }])).toBeNull();
    expect(secPerMediaSec([{ wallSec: 30, mediaSec: 60 }, { wallSec: 10, mediaSec: 40 }, { wallSec: 5, mediaSec: 0 }])).toBeCloseTo(0.4);
  });

  it('estimates from the duration, falling back to the default ratio; none without a duration', () => {
    expect(estimateSec(100, 0.4, 1)).toBe(40);
    expect(estimateSec(100, null, 1.5)).toBe(150);
    expect(estimateSec(undefined, 0.4, 1)).toBeNull();
    expect(estimateSec(0, 0.4, 1)).toBeNull();
  });
});

describe('queueEtas', () => {
  it('adds the waiting jobs behind the running one on one slot', () => {
    const etas = queueEtas({
      running: [{ id: 'r', remainingSec: 20 }],
      waiting: [
        { id: 'a', estimateSec: 30 },
        { id: 'b', estimateSec: 10 },
      ],
      concurrency: 1,
    });
    expect(Object.fromEntries(etas)).toEqual({ r: 20, a: 50, b: 60 });
  });

  it('spreads the waiting jobs over the slot that frees first', () => {
    const etas = queueEtas({
      running: [
        { id: 'r1', remainingSec: 50 },
        { id: 'r2', remainingSec: 10 },
      ],
      waiting: [
        { id: 'a', estimateSec: 30 },
        { id: 'b', estimateSec: 30 },
        { id: 'c', estimateSec: 5 },
      ],
      concurrency: 2,
    });
    // a after r2 (10 + 30 = 40); b after a (40 < 50: 70); c after r1 (50 + 5).
    expect(Object.fromEntries(etas)).toEqual({ r1: 50, r2: 10, a: 40, b: 70, c: 55 });
  });

  it('starts waiting jobs at once on free slots', () => {
    const etas = queueEtas({ running: [], waiting: [{ id: 'a', estimateSec: 12 }], concurrency: 2 });
    expect(etas.get('a')).toBe(12);
  });

  it('makes a slot unknown after a job without an estimate', () => {
    const etas = queueEtas({
      running: [{ id: 'r', remainingSec: 10 }],
      waiting: [
        { id: 'a', estimateSec: null },
        { id: 'b', estimateSec: 5 },
      ],
      concurrency: 1,
    });
    expect(Object.fromEntries(etas)).toEqual({ r: 10, a: null, b: null });
  });
});

describe('etaErrors', () => {
  it('compares the ETA shown at each mark with the time it really took from there', () => {
    const samples = [
      { at: 0, progress: 0, etaSec: null },
      { at: 10_000, progress: 0.26, etaSec: 36 },
      { at: 20_000, progress: 0.5, etaSec: 15 },
    ];
    expect(etaErrors(samples, 40_000)).toEqual([
      { mark: 0.25, etaSec: 36, actualSec: 30, error: 0.2 },
      { mark: 0.5, etaSec: 15, actualSec: 20, error: -0.25 },
      { mark: 0.75, etaSec: null, actualSec: null, error: null },
    ]);
  });
});
