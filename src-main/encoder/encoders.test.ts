import { describe, expect, it } from 'vitest';
import type { EncoderProbe, FfmpegInfo } from '../../src-shared/contract/system.js';
import { HARDWARE_H264, pickCaptureEncoder, VIDEO_ENCODERS } from './encoders.js';
import { chooseEncoder } from './ladder.js';

const probes = (usable: string): EncoderProbe[] =>
  VIDEO_ENCODERS.map((row) => ({ name: row.name, codec: row.codec, vendor: row.vendor, hardware: row.hardware, compiledIn: true, usable: row.name === usable || !row.hardware }));
const info = (encoders: EncoderProbe[]): FfmpegInfo => ({
  found: true, path: '/usr/bin/ffmpeg', source: 'path', version: '5.1', ffprobePath: '/usr/bin/ffprobe', probedAt: 0, cached: false, encoders, features: {}, missing: [],
});

describe('the one encoder table', () => {
  it('gives every H.264 row both profiles, and VP8 the low-latency one only', () => {
    for (const row of VIDEO_ENCODERS.filter((r) => r.codec === 'h264')) expect(row.ladder, row.name).toBeDefined();
    expect(VIDEO_ENCODERS.find((r) => r.name === 'libvpx')?.ladder).toBeUndefined();
  });

  it('lets capture and the ladder pick the same encoder from one probe', () => {
    for (const row of HARDWARE_H264) {
      const platform = row.platforms === 'all' ? 'linux' : row.platforms[0]!;
      expect(chooseEncoder(info(probes(row.name)), platform).name).toBe(row.name);
      expect(pickCaptureEncoder(probes(row.name))).toBe(row.name);
    }
    expect(chooseEncoder(info(probes('none')), 'linux').name).toBe('libx264');
    expect(pickCaptureEncoder(probes('none'))).toBe('libx264');
  });
});
