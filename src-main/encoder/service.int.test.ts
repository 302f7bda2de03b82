import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpegInfoSchema } from '../../src-shared/contract/system.js';
import { needs, which } from '../../test-support/peers.js';
import { ffmpegServiceHarness } from '../../test-support/ffmpeg-service.js';

/** The folder of the system ffmpeg (and ffprobe), as the only PATH entry. */
const binDir = path.dirname(which('ffmpeg') ?? '/nonexistent/ffmpeg');
const { tmp, setup } = ffmpegServiceHarness();

describe.skipIf(needs('ffmpeg', 'ffprobe'))('FfmpegService with the system ffmpeg', () => {
  it('probes once, shares the probe between concurrent callers, and serves the cache afterwards', { timeout: 120_000 }, async () => {
    const first = setup({ PATH: binDir });
    const [a, b] = await Promise.all([first.service.info(), first.service.info()]);
    expect(a).toBe(b);
    expect(a.cached).toBe(false);
    const runsOfOneProbe = first.counter.runs;
    expect(runsOfOneProbe).toBeGreaterThan(5);
    await first.service.info();
    expect(first.counter.runs).toBe(runsOfOneProbe);
    expect(first.events).toHaveLength(1);

    // A new service (a restart) with the same cache runs no ffmpeg at all.
    const second = setup({ PATH: binDir }, first.cache);
    const again = await second.service.info();
    expect(second.counter.runs).toBe(0);
    expect(again.cached).toBe(true);
    expect(ffmpegInfoSchema.parse(again)).toEqual({ ...a, cached: true });
    expect(second.events).toEqual([again]);

    // reprobe() ignores the cache, runs every trial again and announces the result.
    const fresh = await second.service.reprobe();
    expect(second.counter.runs).toBe(runsOfOneProbe);
    expect(fresh.cached).toBe(false);
    expect(second.events).toHaveLength(2);
    expect(await second.service.info()).toBe(fresh);
    await second.service.dispose();
  });

  it('honours FFMPEG_PATH over the PATH', { timeout: 120_000 }, async () => {
    const wrapper = path.join(tmp, 'ffmpeg');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${which('ffmpeg')} "$@"\n`, { mode: 0o755 });
    const { service } = setup({ FFMPEG_PATH: wrapper, PATH: binDir });
    const info = await service.info();
    expect(info).toMatchObject({ found: true, path: wrapper, source: 'env', ffprobePath: which('ffprobe') });
    expect(info.encoders.find((e) => e.name === 'libx264')?.usable).toBe(true);
  });
});
