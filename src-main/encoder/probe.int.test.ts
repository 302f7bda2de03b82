import { describe, expect, it } from 'vitest';
import { ffmpegInfoSchema } from '../../src-shared/contract/system.js';
import { needs, which } from '../../test-support/peers.js';
import { ChildRegistry, type RunOptions, type RunResult } from '../core/children.js';
import { bundledFfmpegPath } from './locate.js';
import { probeFfmpeg, type ProbeRunner } from './probe.js';
import { ENCODER_CANDIDATES, trialArgs } from './trial.js';

const osFfmpeg = which('ffmpeg');
const system = { path: osFfmpeg ?? 'ffmpeg', source: 'path' as const, ffprobePath: which('ffprobe') };
const bundled = bundledFfmpegPath();

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

describe.skipIf(needs('ffmpeg'))('probeFfmpeg against the system ffmpeg', () => {
  it('agrees with a trial encode of its own about every hardware encoder, and lists what the studio uses', { timeout: 120_000 }, async () => {
    const children = new ChildRegistry();
    const { runner, stats } = counting(children);
    const info = await probeFfmpeg(system, { runner, timeoutMs: 15_000, platform: 'linux' });
    // The verdict for each compiled-in hardware encoder is what a one-frame encode of this test says,
    // on a machine with a GPU as on one without.
    for (const probe of info.encoders.filter((e) => e.hardware && e.compiledIn)) {
      const candidate = ENCODER_CANDIDATES.find((c) => c.name === probe.name)!;
      const own = await children.run(system.path, trialArgs(candidate), { timeoutMs: 15_000 });
      expect(probe.usable, `${probe.name}: ${own.stderr.trim().split('\n').pop() ?? ''}`).toBe(own.code === 0 && !own.timedOut);
      if (!probe.usable) expect(probe.error, probe.name).toMatch(/\S/);
    }
    await children.dispose();

    expect(ffmpegInfoSchema.parse(info)).toEqual(info);
    expect(info).toMatchObject({ found: true, version: expect.stringMatching(/^\d+\.\d+/), source: 'path', cached: false });
    const byName = new Map(info.encoders.map((e) => [e.name, e]));
    expect(byName.get('libx264')).toMatchObject({ compiledIn: true, usable: true, hardware: false });
    expect(byName.get('libx264')?.error).toBeUndefined();
    expect(byName.get('aac')?.usable).toBe(true);
    expect(byName.get('libopus')?.usable).toBe(true);
    expect(byName.get('h264_nvenc')).toMatchObject({ compiledIn: true, hardware: true, vendor: 'nvidia' });
    expect(byName.get('h264_nvenc')?.probeMs).toBeGreaterThanOrEqual(0);
    expect(byName.get('h264_amf')).toMatchObject({ compiledIn: false, usable: false });
    expect(info.encoders.map((e) => e.name)).toEqual(ENCODER_CANDIDATES.map((c) => c.name));

    expect(info.features).toMatchObject({ hls: true, dash: true, srt: true, rist: true, rtmp: true, x11grab: true, libx264: true });
    if (!info.features.hardwareEncoder) expect(info.missing).toContain('No hardware encoder opened: encoding uses x264 on the CPU');
    // Debian's 5.1 has every option the builders may use.
    expect(info.features).toMatchObject({ 'option:fps_mode': true, 'dash:master_m3u8_publish_rate': true, 'remux:flv_adts': true, 'filter:scale': true });
    expect(stats.maxInFlight).toBeLessThanOrEqual(2);
    expect(stats.trials).toBe(info.encoders.filter((e) => e.compiledIn).length);
  });
});

describe.skipIf(!bundled)('probeFfmpeg against the npm-shipped ffmpeg 4.1', () => {
  it('finds what it lacks by asking it, not by its version', { timeout: 120_000 }, async () => {
    const children = new ChildRegistry();
    const info = await probeFfmpeg({ path: bundled!, source: 'bundled', ffprobePath: null }, { runner: children, timeoutMs: 15_000, platform: 'linux', candidates: [] });
    await children.dispose();
    expect(ffmpegInfoSchema.parse(info)).toEqual(info);
    expect(info.version).toMatch(/^N-47683/);
    expect(info.features).toMatchObject({
      hls: true,
      dash: true,
      srt: false,
      'option:fps_mode': false,
      'option:vsync': true,
      'dash:master_m3u8_publish_rate': false,
      'dash:init_seg_name': true,
      'remux:flv_adts': false,
      'filter:scale': true,
    });
    expect(info.missing).toEqual(expect.arrayContaining([expect.stringMatching(/^No SRT protocol/), expect.stringMatching(/ADTS AAC/)]));
  });
});
