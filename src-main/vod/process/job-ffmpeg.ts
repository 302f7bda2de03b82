import type { ChildRegistry } from '../../core/children.js';
import { isEnospc, JobError } from '../../core/job-error.js';
import { FfmpegRunner } from '../../encoder/ffmpeg-runner.js';

/**
 * One ffmpeg of a queued job to its end (a library video's steps, a podcast episode's audio): below
 * normal priority, stopped when the job's signal fires, its progress blocks as a fraction of
 * `durationSec` (every block is a sign of life for the stall watchdog, even without new output time:
 * x264's lookahead). Resolves with stderr; a failure is a JobError (DISK_FULL, or FFMPEG_FAILED retried).
 */
export async function runJobFfmpeg(
  children: Pick<ChildRegistry, 'spawn'>,
  ffmpeg: string,
  o: { signal: AbortSignal; step: string; args: string[]; durationSec: number; progress: (fraction: number) => void; collect?: (text: string) => void },
): Promise<string> {
  o.signal.throwIfAborted();
  const runner = FfmpegRunner.start(children, ffmpeg, o.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    background: true,
    stderrMax: 64 * 1024,
    onProgress: (block) => o.progress(block.state === 'end' ? 1 : block.outTimeUs !== null && o.durationSec > 0 ? Math.min(1, block.outTimeUs / 1e6 / o.durationSec) : 0),
  });
  const collect = o.collect;
  if (collect) runner.child.stderr?.on('data', (text: string) => collect(text));
  const abort = (): void => void runner.stop();
  o.signal.addEventListener('abort', abort, { once: true });
  try {
    const exit = await runner.exited;
    o.signal.throwIfAborted();
    if (exit.code === 0) return runner.stderr;
    if (isEnospc(runner.stderr)) throw new JobError('DISK_FULL', `the disk is full (${o.step}): ${runner.lastError ?? 'No space left on device'}`);
    throw new JobError('FFMPEG_FAILED', `${o.step}: ${runner.reason(exit)}`, { retry: true });
  } finally {
    o.signal.removeEventListener('abort', abort);
  }
}
