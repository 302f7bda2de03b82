import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpegInfoSchema } from '../../src-shared/contract/system.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { MemoryProbeCache } from './cache.js';
import { FfmpegService, usableFfprobePath } from './service.js';
import { ffmpegServiceHarness } from '../../test-support/ffmpeg-service.js';

const { tmp, children, setup } = ffmpegServiceHarness();

describe('FfmpegService', () => {
  it('reports a non-executable FFMPEG_PATH as the error, without probing', async () => {
    const plain = path.join(tmp, 'plain');
    fs.writeFileSync(plain, 'text', { mode: 0o644 });
    const { service, counter, events } = setup({ FFMPEG_PATH: plain, PATH: '/usr/bin' });
    const info = await service.info();
    expect(ffmpegInfoSchema.parse(info)).toMatchObject({ found: false, path: plain, source: 'env' });
    expect(info.error).toBe(`FFMPEG_PATH=${plain} is not an executable file (no execute permission)`);
    expect(counter.runs).toBe(0);
    expect(events).toEqual([info]);
  });

  it('says so when no ffmpeg exists anywhere', async () => {
    const bus = new EventBus();
    const service = new FfmpegService({
      children, bus, logger: silentLogger(), cache: new MemoryProbeCache(), timeoutMs: () => 1000, env: {}, locate: () => null,
    });
    const info = await service.info();
    expect(ffmpegInfoSchema.parse(info)).toMatchObject({ found: false, path: null, source: null, encoders: [] });
    expect(info.error).toMatch(/^ffmpeg not found/);
    expect(bus.lastOf('system.ffmpeg')).toBe(info);
  });
});

describe('usableFfprobePath', () => {
  it('answers the ffprobe a probe found, FFMPEG_NOT_FOUND without one', () => {
    const info = ffmpegInfoSchema.parse({ found: true, path: '/opt/ffmpeg', source: 'path', version: '5.1', ffprobePath: '/opt/ffprobe', probedAt: 0, cached: false, encoders: [], features: {}, missing: [] });
    expect(usableFfprobePath(info)).toBe('/opt/ffprobe');
    expect(() => usableFfprobePath({ ...info, ffprobePath: null })).toThrow(expect.objectContaining({ code: 'FFMPEG_NOT_FOUND' }));
  });
});
