import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test-support/golden.js';
import { chaptersFromScenes, chaptersVtt, parseSceneTimes } from './chapters.js';

// showinfo lines as ffmpeg 4.1 and 5.1 print them (other info lines in between).
const STDERR = `[Parsed_showinfo_2 @ 0x33589100] config in time_base: 1/12800, frame_rate: 25/1
[Parsed_showinfo_2 @ 0x33589100] n:   0 pts: 102400 pts_time:8       pos:  1904071 fmt:rgb24 sar:1/1 s:160x90 i:P iskey:1 type:I checksum:DB52B9B7
frame=  300 fps=0.0 q=-0.0 size=N/A time=00:00:12.00 bitrate=N/A speed=  24x
[Parsed_showinfo_5 @ 0x55d0] [info] n:   1 pts: 204800 pts_time:16      duration:    512 duration_time:0.04    fmt:yuv420p cl:left sar:1/1 s:320x180 i:P iskey:1 type:I
[Parsed_showinfo_5 @ 0x55d0] [info] n:   2 pts: 205312 pts_time:16.04   duration:    512 duration_time:0.04    fmt:yuv420p
`;

describe('chapters from scene changes', () => {
  it('reads pts_time of every showinfo frame line', () => {
    expect(parseSceneTimes(STDERR)).toEqual([8, 16, 16.04]);
  });

  it('merges scenes closer than the gap, keeps none near the end, titles them', () => {
    expect(chaptersFromScenes([8, 16, 16.04], 24)).toEqual([
      { startSec: 0, title: 'Chapter 1' },
      { startSec: 8, title: 'Chapter 2' },
      { startSec: 16, title: 'Chapter 3' },
    ]);
    // A long video: 30 s apart at least, none in the last 30 s.
    expect(chaptersFromScenes([5, 40, 50, 75, 590], 600).map((c) => c.startSec)).toEqual([0, 40, 75]);
  });

  it('keeps at most maxChapters, spread over the ones found', () => {
    const scenes = Array.from({ length: 99 }, (_, i) => (i + 1) * 60);
    const chapters = chaptersFromScenes(scenes, 6000, { maxChapters: 20 });
    expect(chapters).toHaveLength(20);
    expect(chapters[0]!.startSec).toBe(0);
    expect(chapters.at(-1)!.startSec).toBe(5940);
    expect(chapters.map((c) => c.title)).toEqual(Array.from({ length: 20 }, (_, i) => `Chapter ${i + 1}`));
  });

  it('writes WebVTT chapters, each to the next start, titles on one line', () => {
    const vtt = chaptersVtt(
      [
        { startSec: 16, title: 'The end --> credits' },
        { startSec: 0, title: 'Intro' },
        { startSec: 8.5, title: 'Two\nlines' },
      ],
      24,
    );
    expectGolden(vtt, new URL('./fixtures/chapters.vtt', import.meta.url));
  });
});
