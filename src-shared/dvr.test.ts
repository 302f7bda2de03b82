import { describe, expect, it } from 'vitest';
import {
  clampSeek,
  dvrPosition,
  DVR_FUNCTIONS,
  formatBehind,
  formatClock,
  formatLatency,
  seekableSpan,
  timeAtFraction,
  wallClockLatencySec,
  type DvrWindow,
} from './dvr.js';

const ranges = (...pairs: [number, number][]) => ({ length: pairs.length, start: (i: number) => pairs[i]![0], end: (i: number) => pairs[i]![1] });

// A 30-minute DVR window of an LL stream (200 ms parts), live point 1 s behind the edge.
const LL: DvrWindow = { start: 100, live: 1900, stepSec: 0.2 };
// A standard stream: 2 s segments, a 60 s playlist window, hls.js 4 s behind the edge.
const STANDARD: DvrWindow = { start: 10, live: 66, stepSec: 2 };

describe('DVR seek bar arithmetic', () => {
  it('writes times as a clock and behind live as a negative one', () => {
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(59.9)).toBe('0:59');
    expect(formatClock(750)).toBe('12:30');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(-3)).toBe('0:00');
    expect(formatClock(Number.NaN)).toBe('0:00');
    expect(formatBehind(750)).toBe('-12:30');
    expect(formatBehind(4 * 3600)).toBe('-4:00:00');
  });

  it('writes latencies in ms below a second, else in tenths of seconds', () => {
    expect(formatLatency(0.046)).toBe('46 ms');
    expect(formatLatency(1.42)).toBe('1.4 s');
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(-1)).toBe('—');
  });

  it('reads the seekable span of a media element', () => {
    expect(seekableSpan(ranges([5, 20], [22, 80]))).toEqual({ start: 5, end: 80 });
    expect(seekableSpan(ranges())).toBeNull();
    expect(seekableSpan(ranges([0, Infinity]))).toBeNull();
    expect(seekableSpan(null)).toBeNull();
  });

  it('places the playhead in the window and says when it is live', () => {
    const atLive = dvrPosition(LL, 1899.8);
    expect(atLive).toMatchObject({ spanSec: 1800, atLive: true, seekable: true });
    expect(atLive.fraction).toBeCloseTo(0.99989, 4);
    const rewound = dvrPosition(LL, 1900 - 750);
    expect(rewound.behindSec).toBe(750);
    expect(rewound.atLive).toBe(false);
    expect(rewound.fraction).toBeCloseTo(1050 / 1800);
    // Up to 1.5 steps behind is live (a playlist moves in steps); 2 s at least for tiny parts.
    expect(dvrPosition(STANDARD, 63.1).atLive).toBe(true);
    expect(dvrPosition(STANDARD, 62.9).atLive).toBe(false);
    expect(dvrPosition(LL, 1898.1).atLive).toBe(true);
    expect(dvrPosition(LL, 1897.9).atLive).toBe(false);
    // Past the live point (a player ahead of its hold-back) is live, at the right end.
    expect(dvrPosition(STANDARD, 70)).toMatchObject({ behindSec: 0, fraction: 1, atLive: true });
  });

  it('offers a seek bar only over a window worth seeking in', () => {
    expect(dvrPosition({ start: 0, live: 8, stepSec: 2 }, 8).seekable).toBe(false);
    expect(dvrPosition({ start: 0, live: 9.5, stepSec: 2 }, 8).seekable).toBe(false);
    expect(dvrPosition({ start: 0, live: 12, stepSec: 2 }, 8).seekable).toBe(true);
    // A live point not yet past the start (a playlist still filling) is an empty window.
    expect(dvrPosition({ start: 10, live: 4, stepSec: 2 }, 10)).toMatchObject({ spanSec: 0, fraction: 1, seekable: false });
  });

  it('keeps seeks a step clear of the oldest media and never past live', () => {
    expect(clampSeek(STANDARD, 0)).toBe(12);
    expect(clampSeek(STANDARD, 40)).toBe(40);
    expect(clampSeek(STANDARD, 90)).toBe(66);
    expect(clampSeek(LL, 0)).toBe(101); // at least a second clear, even with 200 ms parts
    expect(clampSeek({ start: 0, live: 1, stepSec: 2 }, -5)).toBe(0.5);
    expect(timeAtFraction(STANDARD, 0.5)).toBe(38);
    expect(timeAtFraction(STANDARD, 1)).toBe(66);
    expect(timeAtFraction(STANDARD, 0)).toBe(12);
    expect(timeAtFraction(STANDARD, 7)).toBe(66);
  });

  it('measures latency from the wall clock the stream carries, refusing what cannot be', () => {
    expect(wallClockLatencySec(10_000, 8_600)).toBeCloseTo(1.4);
    expect(wallClockLatencySec(10_000, 10_500)).toBeNull(); // the viewer's clock is behind the host's
    expect(wallClockLatencySec(1_000_000, 0)).toBeNull(); // a rewound viewer
    expect(wallClockLatencySec(10_000, null)).toBeNull();
  });

  it('stands alone once inlined into a page, as the player page does', () => {
    // The page declares each function from its source, under its run-time name, and nothing else.
    const source = DVR_FUNCTIONS.map(String).join('\n');
    const names = DVR_FUNCTIONS.map((f) => f.name);
    const inlined = new Function(`'use strict';\n${source}\nreturn { ${names.join(', ')} };`)() as Record<string, (...args: unknown[]) => unknown>;
    expect(inlined[formatBehind.name]!(750)).toBe('-12:30');
    expect(inlined[dvrPosition.name]!(LL, 1150)).toEqual(dvrPosition(LL, 1150));
    expect(inlined[timeAtFraction.name]!(STANDARD, 0.5)).toBe(38);
    expect(inlined[seekableSpan.name]!(ranges([1, 2]))).toEqual({ start: 1, end: 2 });
    expect(inlined[formatLatency.name]!(1.42)).toBe('1.4 s');
    expect(inlined[wallClockLatencySec.name]!(10_000, 8_600)).toBeCloseTo(1.4);
  });
});
