import { describe, expect, it } from 'vitest';
import type { FfmpegInfo } from '../../../src-shared/contract/index.js';
import { ffmpegAbilities, suggestNewer } from './ffmpeg-abilities.js';

const base = { found: true, ffprobePath: null, probedAt: 1, cached: false, encoders: [], missing: [] };
const common = { hls: true, dash: true, mp4: true, flv: true, rtmp: true, rtmps: true, rtp: true, aac: true, libx264: true, libopus: true, x11grab: true, hardwareEncoder: false };
// As the probe reports them for the two builds the studio meets on Linux (see src-main/encoder/fixtures).
const bundled41: FfmpegInfo = {
  ...base, path: '/opt/studio/ffmpeg', source: 'bundled', version: 'N-47683-g0e8eb07980-static',
  features: { ...common, srt: false, pulse: false, 'dash:ldash': false, 'dash:frag_type': false, 'option:fps_mode': false },
};
const debian51: FfmpegInfo = {
  ...base, path: '/usr/bin/ffmpeg', source: 'path', version: '5.1.8-0+deb12u1',
  features: { ...common, srt: true, pulse: true, 'dash:ldash': true, 'dash:frag_type': true, 'option:fps_mode': true },
};

describe('ffmpegAbilities', () => {
  it('the bundled 4.1: the main job and low latency can, SRT destinations and desktop sound cannot, each with why', () => {
    const abilities = ffmpegAbilities(bundled41, 'linux');
    const can = abilities.filter((a) => a.ok).map((a) => a.id);
    const cannot = abilities.filter((a) => !a.ok);
    expect(can).toEqual(['ladder', 'record', 'rtmp', 'rtmps', 'webrtc', 'screen', 'lowLatency']);
    expect(cannot.map((a) => a.id)).toEqual(['srt', 'hardware', 'sound']);
    expect(cannot.find((a) => a.id === 'srt')?.why).toMatch(/no srt protocol.*SRT ingest still works/);
    // Low latency is our segmenter's (fragmented MP4 from any ffmpeg), not the dash muxer's -ldash.
    expect(abilities.find((a) => a.id === 'lowLatency')?.ok).toBe(true);
    expect(suggestNewer(bundled41, abilities)).toBe(true);
  });

  it('Debian 5.1 without a GPU: everything but hardware encoding, and no advice to upgrade', () => {
    const abilities = ffmpegAbilities(debian51, 'linux');
    expect(abilities.filter((a) => !a.ok).map((a) => a.id)).toEqual(['hardware']);
    expect(suggestNewer(debian51, abilities)).toBe(false);
  });

  it('the ladder needs an H.264 encoder: libx264 or a hardware one', () => {
    const noX264 = { ...debian51, features: { ...debian51.features, libx264: false } };
    expect(ffmpegAbilities(noX264, 'linux').find((a) => a.id === 'ladder')).toMatchObject({ ok: false, why: expect.stringMatching(/H\.264/) });
    const gpu = { ...noX264, features: { ...noX264.features, hardwareEncoder: true } };
    expect(ffmpegAbilities(gpu, 'linux').find((a) => a.id === 'ladder')?.ok).toBe(true);
  });

  it('lists only what applies to the platform, and nothing for an ffmpeg not found or not probed yet', () => {
    const win = ffmpegAbilities({ ...debian51, features: { ...debian51.features, gdigrab: true } }, 'win32');
    expect(win.filter((a) => a.id === 'screen').map((a) => a.label)).toEqual(['Screen capture']);
    expect(win.some((a) => a.id === 'sound')).toBe(false);
    expect(ffmpegAbilities({ ...debian51, found: false }, 'linux')).toEqual([]);
    expect(ffmpegAbilities({ ...debian51, features: {} }, 'linux')).toEqual([]);
    expect(suggestNewer({ ...debian51, found: false }, [])).toBe(true);
  });
});
