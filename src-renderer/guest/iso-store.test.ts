import { describe, expect, it } from 'vitest';
import { chunkAt, clockOffset, nextTakeNumber, totalOf } from './iso-store.js';
import { recorderMime } from './iso.js';

describe("the guest's own recording in the browser", () => {
  it('finds the chunk and the place in it where the host copy ends', () => {
    const sizes = [100, 50, 200];
    expect(chunkAt(sizes, 0)).toEqual({ seq: 0, within: 0 });
    expect(chunkAt(sizes, 99)).toEqual({ seq: 0, within: 99 });
    expect(chunkAt(sizes, 100)).toEqual({ seq: 1, within: 0 });
    expect(chunkAt(sizes, 170)).toEqual({ seq: 2, within: 20 });
    expect(chunkAt(sizes, totalOf(sizes))).toEqual({ seq: 3, within: 0 });
    expect(chunkAt([], 0)).toEqual({ seq: 0, within: 0 });
  });

  it("dates on the host's clock by the quickest answer (its error half its round trip)", () => {
    expect(clockOffset([])).toBeNull();
    const samples = [
      { sent: 1000, received: 1400, host: 5000 },
      // Quickest: the host said 4410 while we were between 1300 and 1320.
      { sent: 1300, received: 1320, host: 4410 },
      { sent: 2000, received: 2100, host: 5150 },
    ];
    expect(clockOffset(samples)).toEqual({ offsetMs: 4410 - 1310, errorMs: 10 });
  });

  it('numbers a new take after every take this browser and the host know of', () => {
    expect(nextTakeNumber([], 0)).toBe(1);
    expect(nextTakeNumber([{ take: 1 }, { take: 2 }], 0)).toBe(3);
    expect(nextTakeNumber([{ take: 1 }], 4)).toBe(5);
  });

  it("records WebM with the best codecs the browser has, sound only without a camera", () => {
    expect(recorderMime(true, () => true)).toBe('video/webm;codecs=vp9,opus');
    expect(recorderMime(true, (m) => !m.includes('vp9'))).toBe('video/webm;codecs=vp8,opus');
    expect(recorderMime(false, () => true)).toBe('audio/webm;codecs=opus');
    expect(recorderMime(true, () => false)).toBeNull();
  });
});
