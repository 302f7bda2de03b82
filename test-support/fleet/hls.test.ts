import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BandwidthEstimator, chooseLevel } from './abr.mjs';
import { joinPosition, liveEdgePdt, parseMaster, parseMedia } from './hls.mjs';

// The viewer simulator's pure steps, on playlists the host wrote (fixtures/).
const fixture = (name: string): string => fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name), 'utf8');

describe('hls parsing of the viewer simulator', () => {
  it('reads the variants (highest first; equal bandwidths by picture) and the audio group', () => {
    const master = parseMaster(fixture('master.m3u8'));
    expect(master.variants.map((v) => [v.uri.split('?')[0], v.height, v.bandwidth])).toEqual([
      ['v0.m3u8', 720, 355000],
      ['v1.m3u8', 468, 355000],
      ['v2.m3u8', 360, 355000],
    ]);
    expect(master.audio).toBe('v3.m3u8?sid=hwirXVtku_fh_8Bws');
  });

  it('reads an LL-HLS media playlist: segments, parts, the segment in progress, PDT, server control', () => {
    const media = parseMedia(fixture('ll-media.m3u8'));
    expect(media).toMatchObject({ targetDuration: 2, mediaSequence: 0, canBlockReload: true, partHoldBack: 0.63, partTarget: 0.21, preloadHint: 's/mwteur0w0/part-2-2-3.m4s?sid=hwirXVtku_fh_8Bws' });
    expect(media.map).toBe('s/mwteur0w0/init-2.mp4?sid=hwirXVtku_fh_8Bws');
    expect(media.segments.map((s) => [s.msn, s.duration, s.uri?.split('?')[0] ?? null, s.parts.length])).toEqual([
      [0, 2, 's/mwteur0w0/seg-2-0.m4s', 0],
      [1, 2, 's/mwteur0w0/seg-2-1.m4s', 10],
      [2, 0, null, 3],
    ]);
    expect(media.segments[1]!.pdt).toBe(Date.parse('2026-11-23T15:18:41.269Z'));
    expect(media.segments[1]!.parts[0]!.independent).toBe(true);
    expect(liveEdgePdt(media)).toBe(Date.parse('2026-11-23T15:18:43.269Z') + 600);
  });

  it('joins 3 segments back in standard mode, and at the independent part before PART-HOLD-BACK in LL mode', () => {
    const media = parseMedia(fixture('ll-media.m3u8'));
    expect(joinPosition(media, { lowLatency: false })).toEqual({ msn: 0, part: 0 });
    // 0.63 s back from the edge is in segment 1 (segment 2 lists 0.6 s so far); its independent part is part 0.
    expect(joinPosition(media, { lowLatency: true })).toEqual({ msn: 1, part: 0 });
  });
});

describe('ABR rule of the viewer simulator (after hls.js)', () => {
  const ladder = [
    { bandwidth: 2_000_000, height: 720 },
    { bandwidth: 1_000_000, height: 480 },
    { bandwidth: 500_000, height: 360 },
  ];

  it('starts from the default estimate (500 kbps): the lowest level that fits 0.95 of it', () => {
    const est = new BandwidthEstimator();
    expect(est.estimate).toBe(500_000);
    expect(chooseLevel(ladder, { current: -1, estimate: est.estimate, bufferSec: 0, segmentSec: 2 })).toBe(2);
  });

  it('goes up only with 0.7 of the estimate to spare, down at 0.95, and keeps to the picture cap', () => {
    expect(chooseLevel(ladder, { current: 2, estimate: 1_300_000, bufferSec: 6, segmentSec: 2 })).toBe(2);
    expect(chooseLevel(ladder, { current: 2, estimate: 1_500_000, bufferSec: 6, segmentSec: 2 })).toBe(1);
    expect(chooseLevel(ladder, { current: 0, estimate: 2_150_000, bufferSec: 6, segmentSec: 2 })).toBe(0);
    expect(chooseLevel(ladder, { current: 0, estimate: 2_050_000, bufferSec: 6, segmentSec: 2 })).toBe(1);
    expect(chooseLevel(ladder, { current: 2, estimate: 10_000_000, bufferSec: 6, segmentSec: 2, maxHeight: 480 })).toBe(1);
  });

  it('measures throughput from downloads and reacts faster to a drop than to a rise', () => {
    const est = new BandwidthEstimator();
    for (let i = 0; i < 5; i++) est.sample(100, 250_000, 2); // 20 Mbit/s
    expect(est.estimate).toBeGreaterThan(15_000_000);
    est.sample(2000, 250_000, 2); // one 1 Mbit/s download
    expect(est.estimate).toBeLessThan(15_000_000);
  });
});
