import { describe, expect, it } from 'vitest';
import { TrackSegmenter, type Cut, type TimedSample } from './segmenter.js';

const video = (count: number, opts: { fps?: number; gop?: number; timescale?: number; from?: number } = {}): TimedSample[] => {
  const timescale = opts.timescale ?? 90_000;
  const d = timescale / (opts.fps ?? 30);
  const gop = opts.gop ?? 60;
  const from = opts.from ?? 0;
  return Array.from({ length: count }, (_, i) => ({ dts: (from + i) * d, duration: d, keyframe: (from + i) % gop === 0 }));
};
const audio = (count: number): TimedSample[] =>
  Array.from({ length: count }, (_, i) => ({ dts: i * 1024, duration: 1024, keyframe: true }));
const secs = (cut: Cut<TimedSample>, timescale = 90_000): number => cut.duration / timescale;

describe('TrackSegmenter (video)', () => {
  it('cuts 200 ms parts at 30 fps, closing each part on its last frame, and 2 s segments at keyframes', () => {
    const seg = new TrackSegmenter({ kind: 'video', timescale: 90_000, partTargetSec: 0.2, segmentTargetSec: 2 });
    const cuts = seg.push(video(120));
    expect(cuts).toHaveLength(20);
    expect(cuts.every((c) => c.samples.length === 6 && Math.abs(secs(c) - 0.2) < 1e-9)).toBe(true);
    expect(cuts.filter((c) => c.startsSegment).map((c) => c.baseDecodeTime / 90_000)).toEqual([0, 2]);
    expect(cuts.filter((c) => c.independent).map((c) => c.baseDecodeTime / 90_000)).toEqual([0, 2]);
    expect(seg.flush()).toEqual([]);
  });

  it('never lets a part exceed the target when frames do not divide it (29.97 fps)', () => {
    const seg = new TrackSegmenter({ kind: 'video', timescale: 30_000, partTargetSec: 0.2, segmentTargetSec: 2 });
    const samples = Array.from({ length: 300 }, (_, i) => ({ dts: i * 1001, duration: 1001, keyframe: i % 60 === 0 }));
    const cuts = [...seg.push(samples), ...seg.flush()];
    expect(Math.max(...cuts.map((c) => c.duration / 30_000))).toBeLessThanOrEqual(0.2);
    expect(cuts.reduce((n, c) => n + c.samples.length, 0)).toBe(300);
  });

  it('a keyframe inside a segment starts an independent part but no segment before the target', () => {
    const seg = new TrackSegmenter({ kind: 'video', timescale: 90_000, partTargetSec: 0.2, segmentTargetSec: 2 });
    const samples = video(90, { gop: 1000 });
    samples[0]!.keyframe = true;
    samples[40]!.keyframe = true; // a scene cut at 1.33 s
    const cuts = seg.push(samples);
    const at40 = cuts.find((c) => c.samples[0] === samples[40])!;
    expect(at40.independent).toBe(true);
    expect(at40.startsSegment).toBe(false);
  });

  it('a passed-through source with 4 s GOPs makes 4 s segments', () => {
    const seg = new TrackSegmenter({ kind: 'video', timescale: 90_000, partTargetSec: 0.2, segmentTargetSec: 2 });
    const cuts = seg.push(video(360, { gop: 120 }));
    expect(cuts.filter((c) => c.startsSegment).map((c) => c.baseDecodeTime / 90_000)).toEqual([0, 4, 8]);
  });

  it('flush returns the held samples as a last part', () => {
    const seg = new TrackSegmenter({ kind: 'video', timescale: 90_000, partTargetSec: 0.2, segmentTargetSec: 2 });
    expect(seg.push(video(3))).toEqual([]);
    const [last] = seg.flush();
    expect(last!.samples).toHaveLength(3);
    expect(last!.startsSegment).toBe(true);
  });
});

describe('TrackSegmenter (audio)', () => {
  it('cuts parts below the target and segments at the video boundaries it is given', () => {
    const seg = new TrackSegmenter({ kind: 'audio', timescale: 48_000, partTargetSec: 0.2, segmentTargetSec: 2, followsBoundaries: true });
    seg.boundary(0);
    seg.boundary(2);
    const cuts = seg.push(audio(200)); // 4.27 s
    expect(Math.max(...cuts.map((c) => c.duration / 48_000))).toBeLessThanOrEqual(0.2);
    expect(cuts.every((c) => c.independent)).toBe(true);
    const starts = cuts.filter((c) => c.startsSegment).map((c) => c.baseDecodeTime / 48_000);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeGreaterThanOrEqual(2 - 1024 / 48_000 / 2);
    expect(starts[1]).toBeLessThan(2 + 1024 / 48_000);
    expect(starts).toHaveLength(2); // no boundary at 4 s known yet
  });

  it('a boundary learned late cuts at the next sample', () => {
    const seg = new TrackSegmenter({ kind: 'audio', timescale: 48_000, partTargetSec: 0.2, segmentTargetSec: 2, followsBoundaries: true });
    seg.boundary(0);
    const first = seg.push(audio(110)); // 2.35 s, the video has not said 2 s yet
    expect(first.filter((c) => c.startsSegment)).toHaveLength(1);
    seg.boundary(2);
    const next = seg.push(audio(120).slice(110, 111));
    expect([...next, ...seg.flush()].some((c) => c.startsSegment)).toBe(true);
  });

  it('without a video track it cuts by itself', () => {
    const seg = new TrackSegmenter({ kind: 'audio', timescale: 48_000, partTargetSec: 0.2, segmentTargetSec: 2 });
    const cuts = seg.push(audio(300)); // 6.4 s
    expect(cuts.filter((c) => c.startsSegment)).toHaveLength(4);
  });
});
