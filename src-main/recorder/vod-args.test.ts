import { describe, expect, it } from 'vitest';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import { planLadder } from '../encoder/ladder.js';
import type { MediaInfo } from './media-info.js';
import { ladderSourceOf, vodArgs, vodProgress } from './vod-args.js';

const noHardware: FfmpegInfo = {
  found: true,
  path: '/usr/bin/ffmpeg',
  source: 'path',
  version: '5.1.9',
  ffprobePath: '/usr/bin/ffprobe',
  probedAt: 0,
  cached: false,
  encoders: [],
  features: {},
  missing: [],
};

const recording: MediaInfo = {
  durationSec: 20.02,
  sizeBytes: 5_000_000,
  video: { codec: 'h264', width: 854, height: 480, fps: 30, bitrateKbps: 1800 },
  audio: { codec: 'aac', sampleRate: 48000, channels: 2, bitrateKbps: 128 },
};

const value = (args: string[], option: string): string | undefined => args[args.indexOf(option) + 1];

describe('vodArgs', () => {
  const source = ladderSourceOf(recording);
  const plan = planLadder('standard', source, noHardware, 'linux', { cores: 2 });
  const args = vodArgs({ input: '/rec/main.mp4', outDir: '/rec/vod/rec_1', plan, source, generation: 'k2x9' });

  it('reads the file instead of FLV on stdin and keeps every segment', () => {
    expect(plan.renditions.map((r) => [r.id, r.copy])).toEqual([
      ['source', true],
      ['360p', false],
    ]);
    expect(args.slice(args.indexOf('-i') - 1, args.indexOf('-i') + 2)).toEqual(['pipe:1', '-i', '/rec/main.mp4']);
    expect(args).not.toContain('pipe:0');
    expect(args).not.toContain('flv');
    expect(value(args, '-window_size')).toBe('0');
    expect(value(args, '-extra_window_size')).toBe('0');
    expect(value(args, '-seg_duration')).toBe('4');
    expect(value(args, '-f')).toBe('dash');
    expect(value(args, '-hls_playlist')).toBe('1');
    expect(value(args, '-c:v:0')).toBe('copy');
    expect(value(args, '-c:v:1')).toBe('libx264');
    expect(value(args, '-c:a')).toBe('copy');
  });

  it('names segments with the generation, and writes the MPD last', () => {
    // .m4s named in full: ffmpeg 4.1 would say .mp4 for $ext$.
    expect(value(args, '-init_seg_name')).toBe('init-k2x9-stream$RepresentationID$.m4s');
    expect(value(args, '-media_seg_name')).toBe('chunk-k2x9-stream$RepresentationID$-$Number%05d$.m4s');
    expect(args.filter((a) => a === '-init_seg_name')).toHaveLength(1);
    expect(args.at(-1)).toBe('/rec/vod/rec_1/manifest.mpd');
  });

  it('refuses a generation that would not be a safe file name part', () => {
    expect(() => vodArgs({ input: 'a', outDir: 'b', plan, source, generation: '../x' })).toThrow(/generation/);
  });

  it('needs a video track', () => {
    expect(() => ladderSourceOf({ ...recording, video: null })).toThrow(/no video/);
    expect(ladderSourceOf({ ...recording, audio: null, video: { ...recording.video!, fps: 0 } })).toMatchObject({ fps: 30, audioCodec: null });
  });
});

describe('vodProgress', () => {
  it('is out_time over the duration, below 1 until ffmpeg ends', () => {
    expect(vodProgress(null, 20)).toBe(0);
    expect(vodProgress(5_000_000, 20)).toBe(0.25);
    expect(vodProgress(20_040_000, 20)).toBe(0.99);
    expect(vodProgress(20_040_000, 20, true)).toBe(1);
    expect(vodProgress(1_000_000, 0)).toBe(0);
  });
});
