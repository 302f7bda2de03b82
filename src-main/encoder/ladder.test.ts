import { describe, expect, it } from 'vitest';
import type { EncoderProbe, FfmpegInfo } from '../../src-shared/contract/system.js';
import {
  audioPlan,
  buildLadder,
  chooseEncoder,
  planLadder,
  rungSize,
  softwareEncoder,
  typicalBitrateKbps,
  x264PresetFor,
  type LadderSource,
} from './ladder.js';

const x264 = softwareEncoder('superfast');
const src = (over: Partial<LadderSource> = {}): LadderSource => ({
  width: 1280,
  height: 720,
  fps: 30,
  videoBitrateKbps: 6000,
  videoCodec: 'h264',
  audioCodec: 'aac',
  audioBitrateKbps: 160,
  ...over,
});

const summary = (renditions: ReturnType<typeof buildLadder>): string[] =>
  renditions.map((r) => `${r.id} ${r.width}x${r.height} ${r.videoBitrateKbps}k ${r.copy ? 'copy' : r.videoCodec}`);

describe('rungSize', () => {
  it('keeps the exact aspect with even sides, never above the target or the source', () => {
    expect(rungSize(1920, 1080, 720)).toEqual({ width: 1280, height: 720 });
    expect(rungSize(1920, 1080, 360)).toEqual({ width: 640, height: 360 });
    // 16:9 has no even 480-line size: 832x468 is the nearest below.
    expect(rungSize(1280, 720, 480)).toEqual({ width: 832, height: 468 });
    expect(rungSize(640, 480, 360)).toEqual({ width: 480, height: 360 });
    expect(rungSize(1280, 720, 1080)).toEqual({ width: 1280, height: 720 });
  });

  it('falls back to the target height when no exact size is near (the SAR then compensates)', () => {
    expect(rungSize(1366, 768, 720)).toEqual({ width: 1280, height: 720 });
    expect(rungSize(1366, 768, 480)).toEqual({ width: 854, height: 480 });
    // An odd-sized source gets even rungs.
    const odd = rungSize(1281, 721, 721);
    expect(odd.width % 2 + (odd.height % 2)).toBe(0);
  });
});

describe('buildLadder', () => {
  it('passthrough copies the source alone, whatever its codec', () => {
    expect(summary(buildLadder('passthrough', src(), x264))).toEqual(['source 1280x720 6000k copy']);
    expect(summary(buildLadder('passthrough', src({ videoCodec: 'hevc' }), x264))).toEqual(['source 1280x720 6000k copy']);
  });

  it('standard: the source copied + the rungs below it, up to 720p (no rung as tall as the copy)', () => {
    expect(summary(buildLadder('standard', src({ width: 1920, height: 1080, videoBitrateKbps: 8000 }), x264))).toEqual([
      'source 1920x1080 8000k copy',
      '720p 1280x720 2500k h264',
      '480p 832x468 1200k h264',
      '360p 640x360 700k h264',
    ]);
    // A 720p source is copied: an encoded 720p rung would be the same picture encoded twice.
    expect(summary(buildLadder('standard', src(), x264))).toEqual([
      'source 1280x720 6000k copy',
      '480p 832x468 1200k h264',
      '360p 640x360 700k h264',
    ]);
  });

  it('standard encodes a non-H.264 source at its own size, without a duplicate rung', () => {
    expect(summary(buildLadder('standard', src({ videoCodec: 'hevc' }), x264))).toEqual([
      'source 1280x720 2500k h264',
      '480p 832x468 1200k h264',
      '360p 640x360 700k h264',
    ]);
  });

  it('high: 1080p/720p/480p/360p encoded; the source copied on top only above 1080p', () => {
    expect(summary(buildLadder('high', src({ width: 1920, height: 1080, videoBitrateKbps: 8000 }), x264))).toEqual([
      '1080p 1920x1080 4500k h264',
      '720p 1280x720 2500k h264',
      '480p 832x468 1200k h264',
      '360p 640x360 700k h264',
    ]);
    const uhd = buildLadder('high', src({ width: 3840, height: 2160, videoBitrateKbps: 20000 }), x264);
    expect(summary(uhd)[0]).toBe('source 3840x2160 20000k copy');
    expect(uhd).toHaveLength(5);
    // A 4K HEVC source is not re-encoded in software...
    expect(buildLadder('high', src({ width: 3840, height: 2160, videoCodec: 'hevc' }), x264).map((r) => r.id)).toEqual(['1080p', '720p', '480p', '360p']);
  });

  it('never upscales', () => {
    expect(buildLadder('high', src(), x264).map((r) => r.id)).toEqual(['720p', '480p', '360p']);
    // A 360p H.264 source is copied alone: the only rung that fits would duplicate it.
    expect(summary(buildLadder('standard', src({ width: 640, height: 360 }), x264))).toEqual(['source 640x360 6000k copy']);
    expect(summary(buildLadder('standard', src({ width: 854, height: 480 }), x264))).toEqual(['source 854x480 6000k copy', '360p 640x360 700k h264']);
    for (const r of buildLadder('standard', src({ width: 854, height: 480 }), x264)) expect(r.height).toBeLessThanOrEqual(480);
    // Smaller than every rung: the source alone.
    expect(summary(buildLadder('high', src({ width: 320, height: 240 }), x264))).toEqual(['source 320x240 6000k copy']);
  });

  it('caps every rung at the source bitrate (unknown bitrate caps nothing)', () => {
    const low = buildLadder('standard', src({ width: 1920, height: 1080, videoBitrateKbps: 1000 }), x264);
    expect(low.map((r) => r.videoBitrateKbps)).toEqual([1000, 1000, 1000, 700]);
    expect(buildLadder('standard', src({ videoBitrateKbps: 1000 }), x264).map((r) => r.videoBitrateKbps)).toEqual([1000, 1000, 700]);
    // Unknown: the copy is given the typical bitrate for its size, the rungs their own.
    const unknown = buildLadder('standard', src({ videoBitrateKbps: 0 }), x264);
    expect(unknown.map((r) => r.videoBitrateKbps)).toEqual([2500, 1200, 700]);
  });

  it('keeps aspect and even sides for every preset and odd sources', () => {
    const sources = [src({ width: 1920, height: 1080 }), src({ width: 1440, height: 1080 }), src({ width: 2560, height: 1080 }), src({ width: 1366, height: 768 })];
    for (const s of sources) {
      for (const r of buildLadder('high', s, x264)) {
        expect(r.width % 2).toBe(0);
        expect(r.height % 2).toBe(0);
        expect(Math.abs(r.width / r.height - s.width / s.height)).toBeLessThan(0.01);
      }
    }
  });
});

describe('audio and bitrates', () => {
  it('copies AAC, encodes anything else at 128 kbps, and knows when there is no audio', () => {
    expect(audioPlan(src())).toEqual({ copy: true, bitrateKbps: 160 });
    expect(audioPlan(src({ audioBitrateKbps: 0 }))).toEqual({ copy: true, bitrateKbps: 128 });
    expect(audioPlan(src({ audioCodec: 'mp3' }))).toEqual({ copy: false, bitrateKbps: 128 });
    expect(audioPlan(src({ audioCodec: null }))).toBeNull();
    expect(buildLadder('standard', src({ audioCodec: 'opus' }), x264).every((r) => r.audioBitrateKbps === 128)).toBe(true);
  });

  it('interpolates typical bitrates', () => {
    expect(typicalBitrateKbps(1280, 720)).toBe(2500);
    expect(typicalBitrateKbps(1920, 1080)).toBe(4500);
    expect(typicalBitrateKbps(640, 360)).toBe(700);
    expect(typicalBitrateKbps(3840, 2160)).toBeGreaterThan(10000);
  });
});

const probe = (name: string, usable: boolean): EncoderProbe => ({
  name,
  codec: 'h264',
  vendor: name.includes('nvenc') ? 'nvidia' : name.includes('qsv') ? 'intel' : name.includes('amf') ? 'amd' : name.includes('vaapi') ? 'vaapi' : name.includes('videotoolbox') ? 'apple' : 'software',
  hardware: name !== 'libx264',
  compiledIn: true,
  usable,
});
const info = (usable: string[]): FfmpegInfo => ({
  found: true,
  path: '/usr/bin/ffmpeg',
  source: 'path',
  version: '5.1',
  ffprobePath: '/usr/bin/ffprobe',
  probedAt: 0,
  cached: false,
  encoders: ['h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_vaapi', 'h264_videotoolbox', 'libx264'].map((n) => probe(n, usable.includes(n))),
  features: {},
  missing: [],
});

describe('chooseEncoder', () => {
  it('prefers nvenc > qsv > amf > vaapi > videotoolbox, when usable on the platform', () => {
    expect(chooseEncoder(info(['h264_vaapi', 'h264_qsv', 'h264_nvenc', 'libx264']), 'linux').name).toBe('h264_nvenc');
    expect(chooseEncoder(info(['h264_vaapi', 'h264_qsv', 'libx264']), 'linux').name).toBe('h264_qsv');
    expect(chooseEncoder(info(['h264_vaapi', 'h264_amf', 'libx264']), 'win32').name).toBe('h264_amf');
    expect(chooseEncoder(info(['h264_vaapi', 'libx264']), 'win32').name).toBe('libx264');
    expect(chooseEncoder(info(['h264_videotoolbox', 'libx264']), 'darwin').name).toBe('h264_videotoolbox');
  });

  it('carries each family its own arguments', () => {
    const nvenc = chooseEncoder(info(['h264_nvenc']), 'linux');
    expect(nvenc.streamOptions).toContainEqual(['-preset', 'p4']);
    expect(nvenc.streamOptions).toContainEqual(['-tune', 'll']);
    const vaapi = chooseEncoder(info(['h264_vaapi']), 'linux', { vaapiDevice: '/dev/dri/renderD129' });
    expect(vaapi.inputArgs).toEqual(['-vaapi_device', '/dev/dri/renderD129']);
    expect(vaapi.uploadFilter).toBe('format=nv12,hwupload');
    expect(chooseEncoder(info(['h264_qsv']), 'linux').inputArgs).toEqual(['-init_hw_device', 'qsv=hw', '-filter_hw_device', 'hw']);
  });

  it('falls back to libx264 with a preset that keeps real time for the rung count', () => {
    const soft = chooseEncoder(info(['libx264']), 'linux');
    expect(soft).toMatchObject({ name: 'libx264', hardware: false, streamOptions: [['-preset', 'ultrafast']] });
    expect(x264PresetFor(1, 2)).toBe('veryfast');
    expect(x264PresetFor(2, 2)).toBe('superfast');
    expect(x264PresetFor(3, 2)).toBe('ultrafast');
    expect(x264PresetFor(3, 4)).toBe('superfast');
    expect(x264PresetFor(4, 8)).toBe('veryfast');
  });

  it('planLadder sizes the x264 preset for the ladder it built', () => {
    const plan = planLadder('high', src({ width: 1920, height: 1080 }), info(['libx264']), 'linux', { cores: 2 });
    expect(plan.renditions).toHaveLength(4);
    expect(plan.encoder.streamOptions).toEqual([['-preset', 'ultrafast']]);
    expect(plan.audio).toEqual({ copy: true, bitrateKbps: 160 });
    expect(planLadder('passthrough', src(), info(['libx264']), 'linux').encoder.streamOptions).toEqual([['-preset', 'veryfast']]);
  });
});
