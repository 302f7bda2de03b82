import { describe, expect, it } from 'vitest';
import { afterMeasuring, FAILOVER_FUNCTIONS, FAILOVER_RULE, isLoadFailure, leftOrder, measureSet, moveOnReason, nextSource, type SourceHealth } from './edge-failover.js';

const rule = FAILOVER_RULE;
const healthy: SourceHealth = { fatal: false, errorsAt: [], wantsPlay: true, started: true, progressAt: 10_000 };

describe('moveOnReason', () => {
  const table: { name: string; health: Partial<SourceHealth>; now: number; want: string | null }[] = [
    { name: 'playing fine', health: {}, now: 11_000, want: null },
    { name: 'a fatal network error', health: { fatal: true }, now: 10_001, want: 'fatal network error' },
    { name: 'one network error is retried in place', health: { errorsAt: [10_500] }, now: 11_000, want: null },
    { name: 'two network errors within the window', health: { errorsAt: [10_500, 11_500] }, now: 12_000, want: '2 network errors in 10 s' },
    { name: 'two errors, one of them old', health: { errorsAt: [1_000, 11_500] }, now: 12_000, want: null },
    { name: 'no progress for the stall time', health: { progressAt: 10_000 }, now: 13_000, want: 'stalled 3.0 s' },
    { name: 'just under the stall time', health: { progressAt: 10_000 }, now: 12_999, want: null },
    { name: 'a source that has not played yet has the startup time', health: { started: false }, now: 17_000, want: null },
    { name: 'and then it stalled', health: { started: false }, now: 18_000, want: 'stalled 8.0 s' },
    { name: 'paused by the viewer is no stall', health: { wantsPlay: false }, now: 60_000, want: null },
  ];
  for (const row of table) it(row.name, () => expect(moveOnReason({ ...healthy, ...row.health }, row.now, rule)).toBe(row.want));
});

describe('isLoadFailure', () => {
  it('counts requests that failed or timed out, not playlists that are early or empty', () => {
    for (const d of ['fragLoadError', 'fragLoadTimeOut', 'levelLoadError', 'levelLoadTimeOut', 'manifestLoadError', 'manifestLoadTimeOut']) expect(isLoadFailure(d)).toBe(true);
    for (const d of ['levelEmptyError', 'manifestParsingError', 'bufferStalledError', 'fragParsingError']) expect(isLoadFailure(d)).toBe(false);
  });
});

describe('measuring and choosing', () => {
  it('measures the leading edges of one region match only', () => {
    expect(measureSet(['region', 'region', 'region', 'region'], 3)).toBe(3);
    expect(measureSet(['region', 'area', 'none'], 3)).toBe(1);
    expect(measureSet(['none', 'none'], 3)).toBe(2);
    expect(measureSet([], 3)).toBe(0);
  });

  it('moves the fastest that answered first, keeps the rest in the server\'s order', () => {
    expect(afterMeasuring(['a', 'b', 'c', 'd'], [80, 20, null])).toEqual(['b', 'a', 'c', 'd']);
    expect(afterMeasuring(['a', 'b', 'c'], [null, null, 5])).toEqual(['c', 'a', 'b']);
    expect(afterMeasuring(['a', 'b'], [null, null])).toEqual(['a', 'b']);
    expect(afterMeasuring(['a', 'b'], [10, 10])).toEqual(['a', 'b']);
  });

  it('takes the first source that did not fail lately, the origin last, the oldest failure when all failed', () => {
    const ids = ['e1', 'e2', 'origin'];
    expect(nextSource(ids, {}, 0, 30_000)).toBe(0);
    expect(nextSource(ids, { e1: 1000 }, 2000, 30_000)).toBe(1);
    expect(nextSource(ids, { e1: 1000, e2: 1500 }, 2000, 30_000)).toBe(2);
    expect(nextSource(ids, { e1: 1000, e2: 1500 }, 40_000, 30_000)).toBe(0);
    expect(nextSource(ids, { e1: 1800, e2: 1500, origin: 1900 }, 2000, 30_000)).toBe(1);
    expect(nextSource([], {}, 0, 1)).toBe(-1);
  });

  it('leaves an edge the order no longer lists (drained or removed), never the origin', () => {
    expect(leftOrder('e1', ['e2', 'e3'])).toBe(true);
    expect(leftOrder('e1', [])).toBe(true);
    expect(leftOrder('e2', ['e2', 'e3'])).toBe(false);
    expect(leftOrder('origin', ['e2'])).toBe(false);
    expect(FAILOVER_RULE.recheckMs + FAILOVER_RULE.recheckJitterMs).toBeLessThan(60_000);
  });

  it('inlines: every function stands alone in a page script', () => {
    const source = FAILOVER_FUNCTIONS.map(String).join('\n');
    const run = new Function(`${source}\nreturn { moveOnReason, afterMeasuring, nextSource, leftOrder };`)() as {
      moveOnReason: typeof moveOnReason; afterMeasuring: typeof afterMeasuring; nextSource: typeof nextSource; leftOrder: typeof leftOrder;
    };
    expect(run.leftOrder('e1', ['e2'])).toBe(true);
    expect(run.moveOnReason({ ...healthy, fatal: true }, 0, rule)).toBe('fatal network error');
    expect(run.afterMeasuring(['a', 'b'], [9, 1])).toEqual(['b', 'a']);
    expect(run.nextSource(['a'], {}, 0, 1)).toBe(0);
  });
});
