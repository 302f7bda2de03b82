import { describe, expect, it } from 'vitest';
import { ffmpegInfoSchema } from '../../src-shared/contract/system.js';
import { ChildRegistry, type RunOptions, type RunResult } from '../core/children.js';
import { probeFfmpeg, type ProbeRunner } from './probe.js';
import { ENCODER_CANDIDATES } from './trial.js';

const debian = { path: '/usr/bin/ffmpeg', source: 'path' as const, ffprobePath: '/usr/bin/ffprobe' };

/** Wraps a runner to count runs and the most trial encodes seen at once. */
function counting(inner: ProbeRunner) {
  const stats = { runs: 0, trials: 0, inFlight: 0, maxInFlight: 0 };
  const runner: ProbeRunner = {
    async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
      stats.runs++;
      const isTrial = args.includes('null');
      if (isTrial) {
        stats.trials++;
        stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
      }
      try {
        return await inner.run(command, args, options);
      } finally {
        if (isTrial) stats.inFlight--;
      }
    },
  };
  return { runner, stats };
}

describe('probeFfmpeg against the Debian ffmpeg', () => {
  it('reports nvenc as compiled in but unusable on a machine without an NVIDIA GPU', { timeout: 120_000 }, async () => {
    const children = new ChildRegistry();
    const { runner, stats } = counting(children);
    const info = await probeFfmpeg(debian, { runner, timeoutMs: 15_000, platform: 'linux' });
    await children.dispose();

    expect(ffmpegInfoSchema.parse(info)).toEqual(info);
    expect(info).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+/), source: 'path', cached: false });
    const byName = new Map(info.encoders.map((e) => [e.name, e]));
    expect(byName.get('libx264')).toMatchObject({ compiledIn: true, usable: true, hardware: false });
    expect(byName.get('libx264')?.error).toBeUndefined();
    expect(byName.get('aac')?.usable).toBe(true);
    expect(byName.get('libopus')?.usable).toBe(true);
    // This assertion relies on no NVIDIA GPU (no libcuda) being present on the test machine.
    expect(byName.get('h264_nvenc')).toMatchObject({ compiledIn: true, usable: false, hardware: true, vendor: 'nvidia' });
    expect(byName.get('h264_nvenc')?.error).toMatch(/\S/);
    expect(byName.get('h264_nvenc')?.probeMs).toBeGreaterThanOrEqual(0);
    expect(byName.get('h264_amf')).toMatchObject({ compiledIn: false, usable: false });
    expect(info.encoders.map((e) => e.name)).toEqual(ENCODER_CANDIDATES.map((c) => c.name));

    expect(info.features).toMatchObject({ hls: true, dash: true, srt: true, rist: true, rtmp: true, x11grab: true, libx264: true });
    expect(info.missing).toContain('No hardware encoder opened: encoding uses x264 on the CPU');
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
    expect(stats.trials).toBe(info.encoders.filter((e) => e.compiledIn).length);
  });
});
