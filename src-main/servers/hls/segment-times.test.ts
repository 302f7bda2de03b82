import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SegmentTimes } from './segment-times.js';

// ftyp + moov then 30 frames at 25 fps (1.2 s), decode times from ffmpeg (see the fixtures' README).
const FMP4 = fs.readFileSync(new URL('../../protocols/cmaf/fixtures/h264-ff51.mp4', import.meta.url));

describe('SegmentTimes', () => {
  it("places a segment on the program timeline: the run's first frame plus its decode time, its exact duration", () => {
    const asked: number[] = [];
    const times = new SegmentTimes({ programDateTime: (stream, t) => (expect(stream).toBe('cam'), asked.push(t), 5_000_000 + t) });
    // Not placed before the packager said where its decode times start.
    expect(times.place('cam', '/s1', FMP4, Buffer.alloc(0))).toBeNull();
    times.firstMedia('/s1', 'video', 40_000);
    times.firstMedia('/s1', 'video', 99_999); // only the first counts
    const timing = times.place('cam', '/s1', FMP4, Buffer.alloc(0))!;
    expect(timing.durationSec).toBeCloseTo(1.2, 6);
    expect(asked).toHaveLength(1);
    // ffmpeg's first decode time (B-frames: before 0) added to the first frame's FLV time.
    expect(asked[0]! - 40_000).toBeLessThanOrEqual(0);
    expect(timing.programDateTime).toBe(Math.round(5_000_000 + asked[0]!));
    // The session's DASH Period starts at its first video frame (kept once known).
    expect(times.periodStartPdt('cam', '/s1')).toBe(5_040_000);
    expect(times.periodStartPdt('cam', '/s2')).toBeNull();
  });

  it('reads the files once and answers null for what is not a segment', async () => {
    const times = new SegmentTimes({ programDateTime: () => 1 });
    expect(await times.timing('cam', '/nowhere', 'index.m3u8')).toBeNull();
    expect(await times.timing('cam', '/nowhere', 'chunk-stream0-00001.m4s')).toBeNull();
  });
});
