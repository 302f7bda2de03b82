import { describe, expect, it } from 'vitest';
import type { WindowDefinition } from '../../../src-shared/contract/data.js';
import { MAX_GROUPS, OTHER_GROUP, WindowState } from './windows.js';

const T0 = 1_700_000_040_000; // a multiple of 60 s
const def = (d: Partial<WindowDefinition> & Pick<WindowDefinition, 'kind' | 'sizeSec'>): WindowDefinition => ({ id: 'w', label: 'W', channel: 'votes', ...d });
const msg = (at: number, data: unknown = {}, channel = 'votes') => ({ channel, at, data });

describe('tumbling windows', () => {
  it('counts within aligned windows and closes at the boundary, by a message or by time', () => {
    const w = new WindowState('s', def({ kind: 'tumbling', sizeSec: 60, channel: '*' }), T0 + 5000);
    expect(w.add(msg(T0 + 6000))).toEqual([]);
    w.add(msg(T0 + 59_999, {}, 'chat'));
    w.add(msg(T0, {}, 'windows')); // results are never counted
    expect(w.current()).toMatchObject({ start: T0, end: T0 + 60_000, count: 2, closed: false });
    const [closed] = w.add(msg(T0 + 60_000));
    expect(closed).toMatchObject({ start: T0, end: T0 + 60_000, count: 2, closed: true });
    expect(w.current()).toMatchObject({ start: T0 + 60_000, count: 1 });
    expect(w.advance(T0 + 119_999)).toEqual([]);
    expect(w.advance(T0 + 185_000)).toMatchObject([{ start: T0 + 60_000, count: 1, closed: true }]);
    expect(w.current()).toMatchObject({ start: T0 + 180_000, count: 0 });
    expect(w.previous()).toMatchObject({ count: 1 });
  });

  it('sums and averages a numeric field, ignoring what is not a number', () => {
    const w = new WindowState('s', def({ kind: 'tumbling', sizeSec: 10, sumOf: 'amount' }), T0);
    for (const amount of [2, '3', 'x', null, 7]) w.add(msg(T0 + 1, { amount }));
    expect(w.current()).toMatchObject({ count: 5, sum: 12, avg: 4 });
    expect(new WindowState('s', def({ kind: 'tumbling', sizeSec: 10 }), T0).current()).toMatchObject({ sum: null, avg: null });
  });
});

describe('sliding windows', () => {
  it('keeps the last sizeSec: counts and groups fall as messages age out', () => {
    const w = new WindowState('s', def({ kind: 'sliding', sizeSec: 10, channel: 'reactions', groupBy: 'emoji' }), T0);
    w.add(msg(T0, { emoji: '🔥' }, 'reactions'));
    w.add(msg(T0 + 4000, { emoji: '👏' }, 'reactions'));
    w.add(msg(T0 + 5000, { emoji: '🔥' }, 'reactions'));
    w.add(msg(T0 + 5000, { emoji: '🔥' }, 'votes')); // another channel
    w.advance(T0 + 9000);
    expect(w.current()).toMatchObject({ count: 3, groups: { '🔥': 2, '👏': 1 }, start: T0 - 1000, end: T0 + 9000, closed: false });
    w.advance(T0 + 14_500);
    expect(w.current()).toMatchObject({ count: 1, groups: { '🔥': 1 } });
    w.advance(T0 + 60_000);
    expect(w.current()).toMatchObject({ count: 0, groups: {} });
  });
});

describe('session windows', () => {
  it('opens at the first message, closes after the gap, and keeps the closed result until the next', () => {
    const w = new WindowState('s', def({ kind: 'session', sizeSec: 120, groupBy: 'option' }), T0);
    expect(w.current()).toMatchObject({ count: 0, closed: false });
    w.add(msg(T0, { option: 'A' }));
    w.add(msg(T0 + 100_000, { option: 'B' }));
    w.add(msg(T0 + 200_000, { option: 'A' }));
    expect(w.advance(T0 + 319_999)).toEqual([]);
    expect(w.current()).toMatchObject({ start: T0, end: T0 + 200_000, count: 3, groups: { A: 2, B: 1 }, closed: false });
    expect(w.advance(T0 + 320_000)).toMatchObject([{ count: 3, closed: true }]);
    expect(w.current()).toMatchObject({ count: 3, closed: true });
    w.add(msg(T0 + 400_000, { option: 'C' }));
    expect(w.current()).toMatchObject({ start: T0 + 400_000, count: 1, groups: { C: 1 }, closed: false });
  });

  it('a late message after the gap starts a new session and closes the old one at once', () => {
    const w = new WindowState('s', def({ kind: 'session', sizeSec: 10, groupBy: 'option' }), T0);
    w.add(msg(T0, { option: 'A' }));
    expect(w.add(msg(T0 + 30_000, { option: 'B' }))).toMatchObject([{ count: 1, groups: { A: 1 }, closed: true }]);
    expect(w.current()).toMatchObject({ count: 1, groups: { B: 1 } });
  });
});

describe('bounds', () => {
  it('keeps at most MAX_GROUPS groups, the rest counted as one', () => {
    const w = new WindowState('s', def({ kind: 'tumbling', sizeSec: 60, groupBy: 'option' }), T0);
    for (let i = 0; i < MAX_GROUPS + 50; i++) w.add(msg(T0 + 1, { option: `o${i}` }));
    const r = w.current();
    expect(Object.keys(r.groups)).toHaveLength(MAX_GROUPS + 1);
    expect(r.groups[OTHER_GROUP]).toBe(50);
    expect(r.count).toBe(MAX_GROUPS + 50);
  });

  it('ignores non-scalar group values and data that is not an object', () => {
    const w = new WindowState('s', def({ kind: 'tumbling', sizeSec: 60, groupBy: 'option' }), T0);
    for (const data of [{ option: { x: 1 } }, [1], 'A', null, { option: 2 }, { option: true }]) w.add(msg(T0 + 1, data));
    expect(w.current()).toMatchObject({ count: 6, groups: { '2': 1, true: 1 } });
  });
});
