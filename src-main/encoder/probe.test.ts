import { describe, expect, it } from 'vitest';
import { ffmpegInfoSchema } from '../../src-shared/contract/system.js';
import type { RunResult } from '../core/children.js';
import { mapLimit, probeFfmpeg, type ProbeRunner } from './probe.js';

const debian = { path: '/usr/bin/ffmpeg', source: 'path' as const, ffprobePath: '/usr/bin/ffprobe' };

describe('probeFfmpeg with a scripted runner', () => {
  const result = (over: Partial<RunResult>): RunResult => ({ code: 0, signal: null, stdout: '', stderr: '', timedOut: false, durationMs: 3, ...over });

  it('turns a trial that times out into an unusable encoder with the reason', async () => {
    const runner: ProbeRunner = {
      run: async (_cmd, args) => {
        if (args.includes('-version')) return result({ stdout: 'ffmpeg version 9.9 Copyright' });
        if (args.includes('-encoders')) return result({ stdout: ' ------\n V....D libx264   libx264 H.264 (codec h264)\n' });
        if (args.includes('null')) return result({ code: null, signal: 'SIGKILL', timedOut: true, durationMs: 1000 });
        return result({});
      },
    };
    const info = await probeFfmpeg(debian, { runner, timeoutMs: 1000, platform: 'linux' });
    expect(info.encoders.find((e) => e.name === 'libx264')).toMatchObject({
      usable: false,
      error: 'trial encode timed out after 1000 ms',
    });
    expect(info.missing[0]).toBe('No hardware encoder opened and libx264 does not open: H.264 encoding is unavailable');
    expect(info.missing).toContain('No SRT protocol: SRT destinations are unavailable (SRT ingest still works: the studio serves it itself)');
  });

  it('reports a binary that is not ffmpeg as not found, with its path', async () => {
    const runner: ProbeRunner = { run: async () => result({ code: 2, stderr: 'usage: something else\n' }) };
    const info = await probeFfmpeg(debian, { runner, timeoutMs: 1000 });
    expect(ffmpegInfoSchema.parse(info)).toMatchObject({ found: false, path: '/usr/bin/ffmpeg' });
    expect(info.error).toContain('usage: something else');
  });

  it('keeps the order of results while limiting concurrency', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2, 4], 2, async (n) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, n));
      active--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
  });
});
