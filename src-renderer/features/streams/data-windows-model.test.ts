import { describe, expect, it } from 'vitest';
import type { WindowResult } from '../../../src-shared/contract/index.js';
import { addToTimeline, barsOf, EMPTY_TIMELINE, viewOf } from './data-windows-model.js';

const result = (startSec: number, count: number): WindowResult => ({
  stream: 's', window: 'messages', kind: 'tumbling', start: startSec * 1000, end: startSec * 1000 + 60_000, closed: false, count, groups: {}, sum: null, avg: null,
});

describe('stream data windows', () => {
  it('a timeline replaces the filling window, appends the next, ignores replays and keeps at most max points', () => {
    let line = addToTimeline(EMPTY_TIMELINE, result(60, 1));
    line = addToTimeline(line, result(60, 4));
    line = addToTimeline(line, result(120, 2));
    line = addToTimeline(line, result(60, 9));
    expect(line).toEqual({ t: [60, 120], count: [4, 2] });
    expect(addToTimeline(line, result(180, 1), 2)).toEqual({ t: [120, 180], count: [2, 1] });
    expect(addToTimeline(line, { ...result(0, 0), start: 0 })).toBe(line);
  });

  it('bars are largest first with the rest summed, shares of the largest', () => {
    expect(barsOf({ a: 1, b: 4, c: 2, d: 1 }, 2)).toEqual([
      { label: 'b', count: 4, share: 1 },
      { label: 'c', count: 2, share: 0.5 },
      { label: 'others', count: 2, share: 0.5 },
    ]);
    expect(barsOf({})).toEqual([]);
  });

  it('draws tumbling counts as a timeline, groups as bars, the rest as a number', () => {
    const base = { id: 'w', label: 'W', channel: '*' } as const;
    expect(viewOf({ ...base, kind: 'tumbling', sizeSec: 60 })).toBe('timeline');
    expect(viewOf({ ...base, kind: 'sliding', sizeSec: 10, groupBy: 'emoji' })).toBe('bars');
    expect(viewOf({ ...base, kind: 'session', sizeSec: 10 })).toBe('number');
  });
});
