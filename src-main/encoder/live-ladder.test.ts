import { describe, expect, it } from 'vitest';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import { liveLadderSource, planLiveLadder } from './live-ladder.js';

const x264Only: FfmpegInfo = {
  found: true,
  path: '/opt/ffmpeg',
  source: 'bundled',
  version: '4.1',
  ffprobePath: null,
  probedAt: 0,
  cached: false,
  encoders: [{ name: 'libx264', codec: 'h264', vendor: 'software', hardware: false, compiledIn: true, usable: true }],
  features: {},
  missing: [],
};

describe('liveLadderSource', () => {
  it('assumes 720p30 H.264 without audio before the publisher says anything', () => {
    expect(liveLadderSource({})).toEqual({
      width: 1280,
      height: 720,
      fps: 30,
      videoBitrateKbps: 0,
      videoCodec: 'h264',
      audioCodec: null,
      audioBitrateKbps: 0,
    });
  });

  it('takes what the tracks know, and the assumed size for unknown (0) fields', () => {
    const source = liveLadderSource({
      video: { codec: 'hevc', width: 0, height: 0, fps: 0, bitrateKbps: 3000 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2, bitrateKbps: 160 },
    });
    expect(source).toEqual({ width: 1280, height: 720, fps: 30, videoBitrateKbps: 3000, videoCodec: 'hevc', audioCodec: 'aac', audioBitrateKbps: 160 });
    expect(liveLadderSource({ video: { codec: 'h264', width: 1920, height: 1080, fps: 60, bitrateKbps: 6000 } })).toMatchObject({
      width: 1920,
      height: 1080,
      fps: 60,
    });
  });
});

describe('planLiveLadder', () => {
  it('plans the ladder for the source on this host and keeps its frame rate', () => {
    const tracks = {
      video: { codec: 'h264', width: 1920, height: 1080, fps: 50, bitrateKbps: 0 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2, bitrateKbps: 128 },
    };
    const plan = planLiveLadder('high', tracks, x264Only, { platform: 'linux', cores: 2 });
    expect(plan.fps).toBe(50);
    expect(plan.renditions.map((r) => r.height)).toEqual([1080, 720, 468, 360]);
    expect(plan.encoder.name).toBe('libx264');
    expect(plan.audio).toEqual({ copy: true, bitrateKbps: 128 });
  });

  it('plans a 720p30 ladder for a source whose tracks are not known yet', () => {
    const plan = planLiveLadder('passthrough', {}, x264Only, { platform: 'linux', cores: 8 });
    expect(plan.fps).toBe(30);
    expect(plan.renditions).toHaveLength(1);
    expect(plan.audio).toBeNull();
  });
});
