import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-shared/contract/videos.js';
import { waitFor } from '../../test-support/wait.js';
import { ChildRegistry } from '../core/children.js';
import { silentLogger } from '../core/logger.js';
import { FfmpegRunner } from '../encoder/ffmpeg-runner.js';
import { openDatabase, type Db } from '../store/db.js';
import { JobStore } from '../store/jobs.js';
import { JobError, JobQueue, type JobRunner } from './job-queue.js';

// The queue with runners that spawn a real ffmpeg through the ChildRegistry (cancel and stall must
// stop it, a full disk must fail the job), and a host process SIGKILLed mid-job then started again.

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-jobs-int-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const alive = (pid: number | undefined): boolean => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('JobQueue with a real ffmpeg', () => {
  let db: Db;
  let children: ChildRegistry;
  let queue: JobQueue | undefined;
  const pids: number[] = [];
  beforeEach(() => {
    db = openDatabase(':memory:');
    children = new ChildRegistry();
    pids.length = 0;
  });
  afterEach(async () => {
    await queue?.dispose();
    queue = undefined;
    await children.dispose();
    expect(children.count).toBe(0);
    db.close();
  });

  /** A runner as the processor's: ffmpeg with `-progress`, stopped on the signal, ENOSPC in its stderr a full disk. */
  const ffmpegRunner =
    (args: (payload: { durationSec: number; out: string }) => string[]): JobRunner =>
    async (ctx) => {
      const payload = ctx.payload as { durationSec: number; out: string };
      const ff = FfmpegRunner.start(children, FFMPEG, ['-hide_banner', '-nostdin', '-nostats', '-progress', 'pipe:1', '-y', ...args(payload)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        onProgress: (p) => ctx.progress((p.outTimeUs ?? 0) / 1e6 / payload.durationSec, 'encode'),
      });
      if (ff.pid !== undefined) pids.push(ff.pid);
      const stop = (): void => void ff.stop();
      ctx.signal.addEventListener('abort', stop, { once: true });
      try {
        const exit = await ff.exited;
        if (ctx.signal.aborted) throw ctx.signal.reason;
        // ffmpeg exits 0 after a failed write to a full disk: its stderr says so.
        const full = ff.stderr.split('\n').find((line) => /No space left on device/i.test(line));
        if (full) throw new JobError('DISK_FULL', full.trim());
        if (exit.code !== 0) throw new JobError('FFMPEG_FAILED', ff.reason(exit));
      } finally {
        ctx.signal.removeEventListener('abort', stop);
      }
    };

  const encode = (o: { re?: boolean } = {}) =>
    ffmpegRunner((p) => [
      ...(o.re ? ['-re'] : []),
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${p.durationSec}`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', p.out],
    ]);

  function makeQueue(runner: JobRunner, o: { stallMs?: number; maxAttempts?: number } = {}): { queue: JobQueue; changes: Job[] } {
    const changes: Job[] = [];
    queue = new JobQueue({
      store: new JobStore(db),
      logger: silentLogger(),
      runners: { process: runner },
      concurrency: () => 1,
      stallMs: () => o.stallMs ?? 10_000,
      maxAttempts: () => o.maxAttempts ?? 3,
      onChange: (job) => changes.push(job),
      backoff: { baseMs: 200, maxMs: 200, jitter: 0 },
    });
    queue.start();
    return { queue, changes };
  }

  it('runs a transcode to done with progress from ffmpeg', async () => {
    const out = path.join(tmp, 'done.ts');
    const { queue, changes } = makeQueue(encode({ re: true }));
    const job = queue.enqueue('process', 'vid_done', { durationSec: 3, out });
    const done = await waitFor('the job done', () => queue.get(job.id)?.state === 'done' && queue.get(job.id), 30_000);
    expect(done).toMatchObject({ progress: 1, attempts: 1, error: null });
    expect(fs.statSync(out).size).toBeGreaterThan(10_000);
    expect(changes.some((c) => c.state === 'running' && c.step === 'encode' && c.progress > 0)).toBe(true);
  });

  it('cancel stops the running ffmpeg', async () => {
    const { queue } = makeQueue(encode({ re: true }));
    const job = queue.enqueue('process', 'vid_cancel', { durationSec: 60, out: path.join(tmp, 'cancel.ts') });
    await waitFor('progress', () => (queue.get(job.id)?.progress ?? 0) > 0, 20_000);
    const pid = pids[0];
    expect(alive(pid)).toBe(true);
    const t0 = Date.now();
    expect(queue.cancel(job.id).state).toBe('cancelled');
    await waitFor('ffmpeg gone', () => !alive(pid) && children.count === 0, 10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(queue.get(job.id)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
    expect(pids).toHaveLength(1);
  });

  it('kills an ffmpeg that makes no progress (a FIFO nobody writes), retries, then fails with STALLED', async () => {
    const fifo = path.join(tmp, 'never.fifo');
    execFileSync('mkfifo', [fifo]);
    const { queue } = makeQueue(
      ffmpegRunner((p) => ['-i', fifo, '-f', 'null', p.out]),
      { stallMs: 1500, maxAttempts: 2 },
    );
    const job = queue.enqueue('process', 'vid_stall', { durationSec: 10, out: '-' });
    const failed = await waitFor('the job failed', () => queue.get(job.id)?.state === 'failed' && queue.get(job.id), 30_000);
    expect(failed).toMatchObject({ attempts: 2, error: { code: 'STALLED' } });
    expect(pids).toHaveLength(2);
    await waitFor('both ffmpeg gone', () => pids.every((p) => !alive(p)), 5000);
  });

  // /dev/full (every Linux has it) answers every write with ENOSPC: a full disk without mounting one.
  it('a full disk fails the job at once with DISK_FULL', async () => {
    const { queue } = makeQueue(encode());
    const job = queue.enqueue('process', 'vid_full', { durationSec: 2, out: '/dev/full' });
    const failed = await waitFor('the job failed', () => queue.get(job.id)?.state === 'failed' && queue.get(job.id), 30_000);
    expect(failed).toMatchObject({ attempts: 1, error: { code: 'DISK_FULL' } });
    expect(failed.error!.message).toMatch(/space/i);
  });
});

describe('JobQueue across a host killed mid-job', () => {
  it('finishes every job exactly once after a SIGKILL and a restart', async () => {
    const script = path.join(tmp, 'queue-host.cjs');
    // The fixture host bundled once (better-sqlite3 and pino stay packages, found through NODE_PATH).
    await build({
      entryPoints: [path.join(here, 'fixtures/queue-host.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['better-sqlite3', 'pino'],
      outfile: script,
      logLevel: 'silent',
    });
    const dbFile = path.join(tmp, 'restart.db');
    const side = path.join(tmp, 'runs.txt');
    fs.writeFileSync(side, '');
    const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules') };
    const lines = (): string[][] => fs.readFileSync(side, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));

    const first = spawn(process.execPath, [script, dbFile, side, '1500', '5'], { env, stdio: 'ignore' });
    try {
      // Killed once a job is done and two others are half-way.
      await waitFor(
        'one job done and two running',
        () => {
          const l = lines();
          const done = l.filter((x) => x[0] === 'done').length;
          const started = l.filter((x) => x[0] === 'start').length;
          return done >= 1 && started - done === 2;
        },
        20_000,
        20,
      );
      await new Promise((r) => setTimeout(r, 400));
      first.kill('SIGKILL');
      await new Promise((r) => first.once('exit', r));
    } finally {
      if (first.exitCode === null && first.signalCode === null) first.kill('SIGKILL');
    }
    const interrupted = lines().filter((x) => x[0] === 'start' && !lines().some((y) => y[0] === 'done' && y[1] === x[1])).map((x) => x[1]);
    expect(interrupted.length).toBe(2);

    const second = spawnSync(process.execPath, [script, dbFile, side, '300'], { env, timeout: 30_000, encoding: 'utf8' });
    expect(second.status, second.stderr).toBe(0);

    const l = lines();
    const doneBy = new Map<string, number>();
    for (const [what, subject] of l) if (what === 'done') doneBy.set(subject!, (doneBy.get(subject!) ?? 0) + 1);
    expect([...doneBy.entries()].sort()).toEqual(['job0', 'job1', 'job2', 'job3', 'job4'].map((s) => [s, 1]));
    const db = openDatabase(dbFile);
    try {
      const rows = db.prepare('SELECT subject, state, attempts FROM jobs ORDER BY subject').all() as { subject: string; state: string; attempts: number }[];
      expect(rows.every((r) => r.state === 'done')).toBe(true);
      for (const r of rows) expect(r.attempts, r.subject).toBe(interrupted.includes(r.subject) ? 2 : 1);
    } finally {
      db.close();
    }
  });
});
