import { afterAll, describe, expect, it } from 'vitest';
import { ChildRegistry } from '../core/children.js';
import { FfmpegRunner } from './ffmpeg-runner.js';
import type { FfmpegProgress } from './progress.js';

// The runner with real processes (sh, cat, sleep) standing in for ffmpeg.
const children = new ChildRegistry(500);
afterAll(() => children.dispose());

describe('FfmpegRunner', () => {
  it('hands over progress blocks, keeps the stderr tail and says why it exited', async () => {
    const blocks: FfmpegProgress[] = [];
    const unexpected: string[] = [];
    const script = 'printf "frame=3\\nout_time_us=5000\\nprogress=continue\\n"; echo "[error] first" >&2; echo "[error] pipe:0: Invalid data" >&2; exit 3';
    const runner = FfmpegRunner.start(children, 'sh', ['-c', script], {
      onProgress: (block) => blocks.push(block),
      onUnexpectedExit: (reason) => unexpected.push(reason),
    });
    const exit = await runner.exited;
    expect(exit).toEqual({ code: 3, signal: null, requested: false });
    expect(blocks).toMatchObject([{ frame: 3, outTimeUs: 5000, state: 'continue' }]);
    expect(runner.stderr).toContain('first');
    expect(runner.reason(exit)).toBe('ffmpeg exited with code 3: pipe:0: Invalid data');
    expect(unexpected).toEqual(['ffmpeg exited (code 3): pipe:0: Invalid data']);
  });

  it('bounds the stderr tail', async () => {
    const runner = FfmpegRunner.start(children, 'sh', ['-c', 'head -c 5000 /dev/zero | tr "\\0" x >&2; echo END >&2'], { stderrMax: 100 });
    await runner.exited;
    expect(runner.stderr).toHaveLength(100);
    expect(runner.stderr.endsWith('END\n')).toBe(true);
  });

  it('finish: ffmpeg ends when its stdin does; one that does not gets SIGKILL after the grace period', async () => {
    const cat = FfmpegRunner.start(children, 'cat', []);
    cat.child.stdin?.end();
    await cat.finish(2000, 1000);
    expect((await cat.exited).code).toBe(0);

    const unexpected: string[] = [];
    let killed = false;
    const stuck = FfmpegRunner.start(children, 'sh', ['-c', 'trap "" TERM; exec sleep 30'], { onUnexpectedExit: (r) => unexpected.push(r) });
    const started = Date.now();
    await stuck.finish(200, 100, () => (killed = true));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(killed).toBe(true);
    expect(await stuck.exited).toMatchObject({ signal: 'SIGKILL', requested: true });
    expect(unexpected).toEqual([]);
  });

  it('stop: SIGTERM at once', async () => {
    const runner = FfmpegRunner.start(children, 'sleep', ['30']);
    await runner.stop();
    expect(await runner.exited).toMatchObject({ signal: 'SIGTERM', requested: true });
    expect(runner.alive).toBe(false);
  });

  it('a missing binary is an exit with the error (retrying changes nothing)', async () => {
    const runner = FfmpegRunner.start(children, '/nonexistent/ffmpeg', []);
    const exit = await runner.exited;
    expect(exit.error).toBeInstanceOf(Error);
    expect(runner.reason(exit)).toMatch(/^could not start ffmpeg: .*ENOENT/);
  });
});
