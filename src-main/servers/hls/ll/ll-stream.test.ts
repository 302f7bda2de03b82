import { describe, expect, it } from 'vitest';
import { LL_AUDIO_INPUT as AUDIO, LL_VIDEO_INPUT as VIDEO, llAacFrames as aac, llVideoFrames as frames } from '../../../../test-support/ll-fixtures.js';
import { silentLogger } from '../../../core/logger.js';
import { LlStream, type LlFiles } from './ll-stream.js';

/** In-memory files: what the stream wrote and removed. */
function memoryFiles(): LlFiles & { files: Map<string, Buffer> } {
  const files = new Map<string, Buffer>();
  return {
    files,
    write: async (dir, file, data) => void files.set(`${dir}/${file}`, data),
    remove: async (dir, file) => void files.delete(`${dir}/${file}`),
  };
}


function stream(windowSec = 6, now = () => 1_000_000) {
  const files = memoryFiles();
  const s = new LlStream({
    name: 'show', partTargetSec: 0.2, segmentTargetSec: 2, windowSec, minWindowSegments: 2, files,
    writeFragment: ({ sequence, samples }) => Buffer.concat([Buffer.from([sequence & 0xff]), ...samples.map((x) => x.data)]),
    logger: silentLogger(), now,
  });
  return { s, files };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('LlStream', () => {
  it('cuts parts and segments, numbers them from 0, announces a part target with 5 % room', () => {
    const { s } = stream();
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    run.samples(0, frames(0, 130));
    const snap = s.snapshot(0)!;
    expect(s.partLimitSec).toBe(0.21);
    expect(snap.segments.map((x) => [x.msn, x.complete, x.parts.length])).toEqual([[0, true, 10], [1, true, 10], [2, false, 1]]);
    expect(snap.segments[1]!.programDateTime - snap.segments[0]!.programDateTime).toBe(2000);
    expect(run.ready).toBe(true);
  });

  it('dates segments from the media clock: decode time minus the packager offset is the FLV time', () => {
    const files = memoryFiles();
    const asked: number[] = [];
    const s = new LlStream({
      name: 'show', partTargetSec: 0.2, segmentTargetSec: 2, windowSec: 6, minWindowSegments: 2, files,
      writeFragment: ({ samples }) => Buffer.concat(samples.map((x) => x.data)),
      logger: silentLogger(), now: () => 1_000_000, mediaOffsetSec: 10,
      // The clock's anchor: FLV time 2000 ms at 5,000,000; null before its first frame would fall back.
      programDateTime: (ms) => (asked.push(ms), 5_000_000 + (ms - 2000)),
    });
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('init'));
    // Frame 360 (a keyframe) at 90 kHz is 12 s: FLV time 2000 ms.
    run.samples(0, frames(360, 130));
    const snap = s.snapshot(0)!;
    expect(asked[0]).toBe(2000);
    expect(snap.segments.map((x) => x.programDateTime)).toEqual([5_000_000, 5_002_000, 5_004_000]);
  });

  it('writes complete segments and the init section to the run folder, and keeps the DVR window only', async () => {
    const { s, files } = stream(6);
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('init'));
    run.samples(0, frames(0, 600)); // 20 s
    await tick();
    const snap = s.snapshot(0)!;
    // 6 s of complete segments (plus the one being written) stay; older files are removed.
    expect(snap.segments.filter((x) => x.complete).length).toBe(3);
    expect(snap.segments[0]!.msn).toBe(6);
    expect([...files.files.keys()].sort()).toEqual(['/d/r1/init-0.mp4', '/d/r1/seg-0-6.m4s', '/d/r1/seg-0-7.m4s', '/d/r1/seg-0-8.m4s']);
    expect(s.diskBytes).toBe([...files.files.entries()].filter(([k]) => k.includes('seg-')).reduce((n, [, v]) => n + v.length, 0));
  });

  it('a new run continues the numbers after a discontinuity, each track from its own last segment', () => {
    const { s } = stream(60);
    const a = s.startRun('r1', '/d/r1', [VIDEO, AUDIO]);
    a.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('v'));
    a.init(1, { trackId: 1, timescale: 48_000, codec: 'mp4a.40.2' }, Buffer.from('a'));
    a.samples(0, frames(0, 61)); // the video starts segment 1 with one frame
    a.samples(1, aac(0, 95));
    const b = s.startRun('r2', '/d/r2', [VIDEO, AUDIO]); // the first run is ended: its segments complete
    b.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('v'));
    b.init(1, { trackId: 1, timescale: 48_000, codec: 'mp4a.40.2' }, Buffer.from('a'));
    b.samples(0, frames(0, 70));
    b.samples(1, aac(0, 100));
    for (const index of [0, 1]) {
      const segs = s.snapshot(index)!.segments;
      const msns = segs.map((x) => x.msn);
      expect(msns).toEqual(msns.map((_, i) => msns[0]! + i)); // no hole
      const first = segs.findIndex((x) => x.run === 'r2');
      expect(segs[first]!.discontinuity).toBe(true);
      expect(segs.slice(0, first).every((x) => x.complete && !x.discontinuity)).toBe(true);
    }
    expect(s.track(0)!.inits.get('r2')).toEqual(Buffer.from('v'));
  });

  it('audio waits for the first keyframe: both tracks\' first segments start together', () => {
    const { s } = stream(60);
    const run = s.startRun('r1', '/d/r1', [VIDEO, AUDIO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('v'));
    run.init(1, { trackId: 1, timescale: 48_000, codec: 'mp4a.40.2' }, Buffer.from('a'));
    // Audio from 0 s, video from its first keyframe at 1 s (frame 30).
    run.samples(1, aac(0, 80)); // 1.7 s ahead of any picture
    expect(s.snapshot(1)!.segments).toEqual([]);
    run.samples(0, frames(30, 100).map((f, i) => ({ ...f, keyframe: i % 60 === 0 })));
    run.samples(1, aac(80, 120));
    run.samples(0, frames(130, 100).map((f, i) => ({ ...f, keyframe: (i + 100) % 60 === 0 })));
    const v = s.snapshot(0)!.segments;
    const a = s.snapshot(1)!.segments;
    expect(v[0]!.baseDecodeTime / 90_000).toBe(1);
    expect(Math.abs(a[0]!.baseDecodeTime / 48_000 - 1)).toBeLessThan(1024 / 48_000);
    expect(Math.abs(a[1]!.baseDecodeTime / 48_000 - 3)).toBeLessThan(1024 / 48_000);
  });

  it('audio whose init section comes after the video has started segments (an MPEG-TS source) still cuts where the video does', () => {
    const { s } = stream(60);
    const run = s.startRun('r1', '/d/r1', [VIDEO, AUDIO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('v'));
    run.samples(0, frames(0, 130)); // segments at 0, 2 and 4 s, before the audio is set up
    run.init(1, { trackId: 1, timescale: 48_000, codec: 'mp4a.40.2' }, Buffer.from('a'));
    run.samples(1, aac(0, 240)); // 0 to 5.1 s
    run.samples(0, frames(130, 60));
    run.samples(1, aac(240, 100));
    const starts = (index: number, timescale: number): number[] => s.snapshot(index)!.segments.map((x) => Math.round(x.baseDecodeTime / timescale));
    expect(starts(0, 90_000)).toEqual([0, 2, 4, 6]);
    expect(starts(1, 48_000)).toEqual([0, 2, 4, 6]);
    expect(s.snapshot(1)!.segments.map((x) => x.msn)).toEqual([0, 1, 2, 3]);
  });

  it('renditions start together: a copied rung that begins a GOP later sets the start for all', () => {
    const { s } = stream(60);
    const second = { info: { ...VIDEO.info, index: 1, width: 320, height: 180 } };
    const run = s.startRun('r1', '/d/r1', [VIDEO, second]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('v0'));
    run.init(1, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('v1'));
    run.samples(1, frames(0, 90)); // the encoded rung from 0 s
    expect(s.snapshot(1)!.segments).toEqual([]);
    run.samples(0, frames(60, 90)); // the copied rung from its keyframe at 2 s
    run.samples(1, frames(90, 60));
    const first = (index: number) => s.snapshot(index)!.segments[0]!;
    expect(first(0).baseDecodeTime).toBe(first(1).baseDecodeTime);
    expect(first(0).baseDecodeTime / 90_000).toBe(2);
    expect(s.snapshot(0)!.segments.map((x) => x.msn)).toEqual(s.snapshot(1)!.segments.map((x) => x.msn));
  });

  it('waits see every part, and end() wakes them', () => {
    const { s } = stream();
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('init'));
    const track = s.track(0)!;
    let wakes = 0;
    const stop = track.watch(() => (wakes += 1));
    run.samples(0, frames(0, 12));
    expect(wakes).toBe(2);
    expect(track.has(0, 1)).toBe(true);
    expect(track.has(0, 2)).toBe(false);
    s.end();
    expect(wakes).toBeGreaterThanOrEqual(3);
    expect(s.ended).toBe(true);
    stop();
  });

  it('evictOldest drops the oldest complete segment of every track (a shared disk budget)', async () => {
    const { s, files } = stream(600);
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1' }, Buffer.from('init'));
    run.samples(0, frames(0, 200));
    await tick();
    const oldest = s.oldestProgramDateTime();
    s.evictOldest();
    expect(s.snapshot(0)!.segments[0]!.msn).toBe(1);
    expect(s.oldestProgramDateTime()).toBe(oldest! + 2000);
    expect(files.files.has('/d/r1/seg-0-0.m4s')).toBe(false);
  });
});
