import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../src-shared/contract/videos.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { JobStore } from '../store/jobs.js';
import { classifyJobError } from '../core/job-error.js';
import { concurrencyFrom, JobError, JobQueue, type JobContext, type JobQueueOptions } from './job-queue.js';

// The queue on an in-memory SQLite with a fake clock and runners the test settles by hand.

interface Call {
  ctx: JobContext;
  resolve: () => void;
  reject: (error: unknown) => void;
}

let db: Db;
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  db = openDatabase(':memory:');
});
afterEach(() => {
  vi.useRealTimers();
  db.close();
});

/** Lets the runners' promises and the queue's reactions to them run. */
const flush = async (ms = 0): Promise<void> => {
  await vi.advanceTimersByTimeAsync(ms);
};

function harness(over: Partial<JobQueueOptions> & { concurrency?: () => number; ignoreAbort?: boolean } = {}) {
  const store = new JobStore(db);
  const calls: Call[] = [];
  const changes: Job[] = [];
  const { ignoreAbort, ...options } = over;
  const queue = new JobQueue({
    store,
    logger: silentLogger(),
    runners: {
      process: (ctx) =>
        new Promise<void>((resolve, reject) => {
          calls.push({ ctx, resolve, reject });
          if (!ignoreAbort) ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        }),
    },
    concurrency: () => 1,
    stallMs: () => 10_000,
    maxAttempts: () => 3,
    onChange: (job) => changes.push(job),
    random: () => 0.5,
    backoff: { baseMs: 1000, maxMs: 8000, jitter: 0 },
    ...options,
  });
  const running = (): string[] => calls.filter((c) => queue.get(c.ctx.job.id)?.state === 'running').map((c) => c.ctx.job.subject);
  return { store, queue, calls, changes, running };
}

describe('JobQueue order and concurrency', () => {
  it('runs higher priority first, then oldest', async () => {
    const h = harness();
    for (const [subject, priority] of [['a', 0], ['b', 5], ['c', 0], ['d', 5]] as const) {
      h.queue.enqueue('process', subject, {}, { priority });
      vi.advanceTimersByTime(1);
    }
    h.queue.start();
    expect(h.running()).toEqual(['b']);
    expect(h.queue.list().jobs.map((j) => [j.subject, j.state, j.queuePosition])).toEqual([
      ['b', 'running', null],
      ['d', 'queued', 1],
      ['a', 'queued', 2],
      ['c', 'queued', 3],
    ]);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const call = h.calls[i]!;
      order.push(call.ctx.job.subject);
      call.resolve();
      await flush();
    }
    expect(order).toEqual(['b', 'd', 'a', 'c']);
    expect(h.queue.list().jobs.every((j) => j.state === 'done' && j.progress === 1)).toBe(true);
  });

  it('runs at most `concurrency` at once, and a raised limit applies at the next poke', async () => {
    let limit = 2;
    const h = harness({ concurrency: () => limit });
    h.queue.start();
    for (const s of ['a', 'b', 'c', 'd']) h.queue.enqueue('process', s, {});
    expect(h.running()).toEqual(['a', 'b']);
    limit = 3;
    h.queue.poke();
    expect(h.running()).toEqual(['a', 'b', 'c']);
    expect(h.queue.list().concurrency).toBe(3);
    h.calls[0]!.resolve();
    await flush();
    expect(h.running()).toEqual(['b', 'c', 'd']);
  });

  it('takes 0 as one job per 4 cores, at least one', () => {
    expect(concurrencyFrom(0, 2)).toBe(1);
    expect(concurrencyFrom(0, 16)).toBe(4);
    expect(concurrencyFrom(3, 16)).toBe(3);
  });
});

describe('JobQueue progress and ETA', () => {
  it('reports progress and step, an ETA from the measured speed, and the queue ahead', async () => {
    const h = harness();
    h.queue.start();
    const first = h.queue.enqueue('process', 'a', { durationSec: 100 });
    // No past job: an estimate at one second per media second.
    expect(first.etaSec).toBe(100);
    const second = h.queue.enqueue('process', 'b', { durationSec: 50 });
    expect(h.queue.get(second.id)!.etaSec).toBe(150);
    const ctx = h.calls[0]!.ctx;
    for (let t = 1; t <= 10; t++) {
      vi.advanceTimersByTime(1000);
      ctx.progress(t * 0.025, 'encode');
    }
    const a = h.queue.get(first.id)!;
    expect(a.progress).toBeCloseTo(0.25);
    expect(a.step).toBe('encode');
    expect(a.etaSec).toBe(30); // 2.5 % per second, 75 % left
    expect(h.queue.get(second.id)!.etaSec).toBe(80); // 30 + 50 at the default ratio
    h.calls[0]!.resolve();
    await flush();
    // a took 10 s for 100 media seconds: b is now estimated at 0.1 s per media second.
    const c = h.queue.enqueue('process', 'c', { durationSec: 200 });
    expect(h.queue.get(c.id)!.etaSec).toBe(20 + 5);
    expect(h.store.get(first.id)!.estimateSec).toBe(10);
  });

  it('learns the media duration from the runner: the estimate follows, and so do later jobs', async () => {
    const h = harness();
    h.queue.start();
    const a = h.queue.enqueue('process', 'a', { videoId: 'a' });
    const b = h.queue.enqueue('process', 'b', { durationSec: 20 });
    expect(h.queue.get(a.id)!.etaSec).toBeNull();
    h.calls[0]!.ctx.mediaDuration(40);
    expect(h.queue.get(a.id)!.etaSec).toBe(40);
    expect(h.store.get(a.id)!.payload).toEqual({ videoId: 'a', durationSec: 40 });
    await flush(8000);
    h.calls[0]!.resolve();
    await flush();
    // 8 s for 40 media seconds: b (already running) is estimated again at its start, 0.2 s per media second.
    expect(h.queue.get(b.id)!.etaSec).toBe(4);
  });

  it('tells of progress at most twice a second per job, and of state changes at once', async () => {
    const h = harness();
    h.queue.start();
    const job = h.queue.enqueue('process', 'a', {});
    const ctx = h.calls[0]!.ctx;
    h.changes.length = 0;
    for (let i = 1; i <= 20; i++) {
      vi.advanceTimersByTime(100);
      ctx.progress(i / 40);
    }
    expect(h.changes.length).toBeGreaterThanOrEqual(3);
    expect(h.changes.length).toBeLessThanOrEqual(5);
    h.calls[0]!.resolve();
    await flush();
    expect(h.changes.at(-1)).toMatchObject({ id: job.id, state: 'done' });
  });
});

describe('JobQueue failures', () => {
  it('retries a failing job with backoff up to maxAttempts, then fails it with its code', async () => {
    const h = harness();
    h.queue.start();
    const job = h.queue.enqueue('process', 'a', {});
    h.calls[0]!.reject(new Error('ffmpeg exited with code 1'));
    await flush();
    expect(h.queue.get(job.id)).toMatchObject({ state: 'queued', attempts: 1, error: { code: 'JOB_FAILED' } });
    await flush(999);
    expect(h.calls).toHaveLength(1);
    await flush(1);
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]!.ctx.attempt).toBe(2);
    h.calls[1]!.reject(new JobError('FFMPEG_FAILED', 'boom'));
    await flush(1999);
    expect(h.calls).toHaveLength(2);
    await flush(1);
    h.calls[2]!.reject(new JobError('FFMPEG_FAILED', 'boom again'));
    await flush(60_000);
    expect(h.calls).toHaveLength(3);
    expect(h.queue.get(job.id)).toMatchObject({ state: 'failed', attempts: 3, error: { code: 'FFMPEG_FAILED', message: 'boom again' } });
  });

  it('never retries bad media, a full disk (also a plain ENOSPC) or a runner saying so', async () => {
    const h = harness();
    h.queue.start();
    const errors: [unknown, string][] = [
      [new JobError('MEDIA_INVALID', 'moov atom not found'), 'MEDIA_INVALID'],
      [new JobError('DISK_FULL', 'No space left on device'), 'DISK_FULL'],
      [Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }), 'DISK_FULL'],
      [new JobError('SOMETHING', 'no point', { retry: false }), 'SOMETHING'],
    ];
    for (const [i, [error, code]] of errors.entries()) {
      const job = h.queue.enqueue('process', `s${i}`, {});
      h.calls[i]!.reject(error);
      await flush(60_000);
      expect(h.queue.get(job.id)).toMatchObject({ state: 'failed', attempts: 1, error: { code } });
    }
    expect(h.calls).toHaveLength(errors.length);
  });

  it('retry of a job waiting for its backoff runs it now', async () => {
    const h = harness();
    h.queue.start();
    const job = h.queue.enqueue('process', 'a', {});
    h.calls[0]!.reject(new Error('once'));
    await flush();
    expect(h.calls).toHaveLength(1);
    expect(h.queue.retry(job.id).state).toBe('running');
    expect(h.calls).toHaveLength(2);
  });

  it('classifies what runners throw', () => {
    expect(classifyJobError(new JobError('STALLED', 'x'))).toEqual({ code: 'STALLED', message: 'x', retry: true });
    expect(classifyJobError(new JobError('CANCELLED', 'x'))).toMatchObject({ retry: false });
    expect(classifyJobError(new JobError('MEDIA_INVALID', 'x', { retry: true }))).toMatchObject({ retry: true });
    expect(classifyJobError('a string')).toEqual({ code: 'JOB_FAILED', message: 'a string', retry: true });
  });

  it('aborts a job silent for stallMs with STALLED, and retries it', async () => {
    const h = harness({ maxAttempts: () => 2 });
    h.queue.start();
    const job = h.queue.enqueue('process', 'a', {});
    const ctx = h.calls[0]!.ctx;
    await flush(5000);
    ctx.progress(0.1);
    await flush(9000);
    expect(ctx.signal.aborted).toBe(false);
    await flush(1100);
    expect(ctx.signal.aborted).toBe(true);
    expect(h.queue.get(job.id)).toMatchObject({ state: 'queued', error: { code: 'STALLED' }, attempts: 1 });
    await flush(1000);
    expect(h.calls).toHaveLength(2);
    await flush(11_000);
    expect(h.calls[1]!.ctx.signal.aborted).toBe(true);
    expect(h.queue.get(job.id)).toMatchObject({ state: 'failed', error: { code: 'STALLED' }, attempts: 2 });
  });

  it('a wall-clock step an hour either way neither stalls a running job nor spoils its ETA, and a silent one still stalls', async () => {
    const h = harness();
    h.queue.start();
    const job = h.queue.enqueue('process', 'a', { durationSec: 100 });
    const ctx = h.calls[0]!.ctx;
    for (let i = 1; i <= 10; i++) {
      await flush(500);
      ctx.progress(i * 0.01);
    }
    const eta = h.queue.get(job.id)!.etaSec!;
    expect(eta).toBeGreaterThan(20);
    // Date jumps (setSystemTime), the monotonic clock does not.
    vi.setSystemTime(Date.now() + 3_600_000);
    await flush(1500);
    ctx.progress(0.13);
    expect(ctx.signal.aborted).toBe(false);
    expect(h.queue.get(job.id)!.etaSec!).toBeGreaterThan(eta / 2);
    expect(h.queue.get(job.id)!.etaSec!).toBeLessThanOrEqual(eta + 5);
    vi.setSystemTime(Date.now() - 7_200_000);
    await flush(500);
    ctx.progress(0.14);
    expect(h.queue.get(job.id)!.etaSec!).toBeLessThan(eta);
    // Silent from here: stalled after stallMs of the monotonic clock, not an hour later.
    await flush(10_500);
    expect(ctx.signal.aborted).toBe(true);
    expect(h.queue.get(job.id)).toMatchObject({ state: 'queued', error: { code: 'STALLED' }, attempts: 1 });
  });

  it('leaves behind a runner that ignores its signal, after the grace', async () => {
    const h = harness({ ignoreAbort: true, abortGraceMs: 3000 });
    h.queue.start();
    const a = h.queue.enqueue('process', 'a', {});
    h.queue.enqueue('process', 'b', {});
    h.queue.cancel(a.id);
    await flush(2900);
    expect(h.running()).toEqual([]);
    expect(h.calls).toHaveLength(1);
    await flush(200);
    expect(h.calls).toHaveLength(2);
    expect(h.queue.get(a.id)!.state).toBe('cancelled');
  });
});

describe('JobQueue cancel, retry, remove, restart', () => {
  it('cancels a waiting job at once and a running one through its signal; retry runs it again from attempt 1', async () => {
    const h = harness();
    h.queue.start();
    const a = h.queue.enqueue('process', 'a', {});
    const b = h.queue.enqueue('process', 'b', {});
    expect(h.queue.cancel(b.id)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' }, queuePosition: null });
    expect(h.queue.cancel(a.id).state).toBe('cancelled');
    expect(h.calls[0]!.ctx.signal.aborted).toBe(true);
    await flush();
    expect(h.queue.get(a.id)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
    await flush(60_000);
    expect(h.calls).toHaveLength(1);
    expect(h.queue.retry(a.id)).toMatchObject({ attempts: 1, state: 'running', error: null });
    expect(h.calls[1]!.ctx.attempt).toBe(1);
    h.calls[1]!.resolve();
    await flush();
    expect(() => h.queue.cancel(a.id)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => h.queue.retry(a.id)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => h.queue.cancel('job_nothing')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('does not run a cancelled job again before its runner has stopped', async () => {
    const h = harness({ ignoreAbort: true, abortGraceMs: 5000 });
    h.queue.start();
    const a = h.queue.enqueue('process', 'a', {});
    h.queue.cancel(a.id);
    h.queue.retry(a.id);
    expect(h.calls).toHaveLength(1);
    h.calls[0]!.reject(new Error('stopped at last'));
    await flush();
    expect(h.calls).toHaveLength(2);
  });

  it('removeFor stops the running job of a subject and deletes its rows', async () => {
    const h = harness();
    h.queue.start();
    const a = h.queue.enqueue('process', 'vid_a', {});
    const again = h.queue.enqueue('process', 'vid_a', {}, { priority: 5 });
    h.queue.enqueue('process', 'vid_b', {});
    const removing = h.queue.removeFor('vid_a');
    await flush();
    await removing;
    expect(h.calls[0]!.ctx.signal.aborted).toBe(true);
    expect(h.queue.get(a.id)).toBeUndefined();
    expect(h.queue.get(again.id)).toBeUndefined();
    expect(h.calls.map((c) => c.ctx.job.id)).not.toContain(again.id);
    expect(h.queue.latestFor('vid_a')).toBeUndefined();
    expect(h.running()).toEqual(['vid_b']);
  });

  it('puts jobs a dead host left running back in the queue, or fails those on their last attempt', async () => {
    const store = new JobStore(db);
    const a = store.insert({ kind: 'process', subject: 'a', payload: {}, priority: 0, maxAttempts: 3, estimateSec: null, now: 1 });
    const b = store.insert({ kind: 'process', subject: 'b', payload: {}, priority: 0, maxAttempts: 1, estimateSec: null, now: 2 });
    expect(store.claimNext(3, [])!.id).toBe(a.id);
    expect(store.claimNext(3, [])!.id).toBe(b.id);
    const h = harness();
    h.queue.start();
    expect(h.queue.get(b.id)).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'INTERRUPTED' } });
    expect(h.calls.map((c) => [c.ctx.job.id, c.ctx.attempt])).toEqual([[a.id, 2]]);
  });

  it('dispose aborts running jobs and puts them back in the queue, the run not counted', async () => {
    const h = harness();
    h.queue.start();
    const a = h.queue.enqueue('process', 'a', {});
    const disposing = h.queue.dispose();
    await flush();
    await disposing;
    expect(h.calls[0]!.ctx.signal.aborted).toBe(true);
    expect(h.store.get(a.id)).toMatchObject({ state: 'queued', attempts: 0 });
    const next = harness();
    next.queue.start();
    expect(next.calls.map((c) => [c.ctx.job.id, c.ctx.attempt])).toEqual([[a.id, 1]]);
  });
});

describe('JobQueue with runners beside it', () => {
  /** One runner with `slots`, reserving as the pool does; kinds it runs: process. */
  function slots(n: number, opts: { runsHere?: boolean } = {}) {
    const held = new Set<string>();
    const placed: string[] = [];
    return {
      held,
      placed,
      remote: {
        hasFreeSlot: () => held.size < n,
        place: (job: { id: string; kind: string }) => {
          if (job.kind !== 'process' || held.size >= n) return undefined;
          held.add(job.id);
          placed.push(job.id);
          return 'run_1';
        },
        runsHere: (kind: string) => opts.runsHere ?? kind !== 'process',
        release: (id: string) => void held.delete(id),
      },
    };
  }

  it('fills the runner first, then the origin; the job view names its runner', async () => {
    const r = slots(2, { runsHere: true });
    const h = harness({ remote: r.remote });
    for (const s of ['a', 'b', 'c', 'd']) h.queue.enqueue('process', s, {});
    h.queue.start();
    expect(h.calls.map((c) => [c.ctx.job.subject, c.ctx.runner ?? 'here'])).toEqual([
      ['a', 'run_1'],
      ['b', 'run_1'],
      ['c', 'here'],
    ]);
    expect(h.queue.list().jobs.map((j) => j.runner)).toEqual(['run_1', 'run_1', null, null]);
    // A runner's job ends: its slot is given back and the next job goes there.
    h.calls[0]!.resolve();
    await flush();
    expect(r.held.has(h.calls[0]!.ctx.job.id)).toBe(false);
    expect(h.calls.map((c) => c.ctx.runner ?? 'here')).toEqual(['run_1', 'run_1', 'here', 'run_1']);
  });

  it('leaves the runners\' kinds to them when the origin may not run them, and runs its own kinds here', async () => {
    const r = slots(1);
    const h = harness({
      remote: r.remote,
      runners: {
        process: (ctx) => new Promise<void>((resolve) => h2.push({ ctx, resolve })),
        podcast: (ctx) => new Promise<void>((resolve) => h2.push({ ctx, resolve })),
      },
    });
    const h2: { ctx: JobContext; resolve: () => void }[] = [];
    h.queue.enqueue('process', 'a', {});
    h.queue.enqueue('process', 'b', {});
    h.queue.enqueue('podcast', 'p', {});
    h.queue.start();
    // a on the runner; b waits for a runner (not here), the podcast job behind it runs here.
    expect(h2.map((c) => [c.ctx.job.subject, c.ctx.runner ?? 'here'])).toEqual([
      ['a', 'run_1'],
      ['p', 'here'],
    ]);
    expect(h.queue.get(h2[0]!.ctx.job.id)?.runner).toBe('run_1');
    h2[0]!.resolve();
    await flush();
    expect(h2.map((c) => c.ctx.job.subject)).toEqual(['a', 'p', 'b']);
  });

  it('a run lost with its runner goes back at once (no backoff) and counts as an attempt', async () => {
    const r = slots(1, { runsHere: false });
    const h = harness({ remote: r.remote });
    h.queue.enqueue('process', 'a', {});
    h.queue.start();
    h.calls[0]!.reject(new JobError('RUNNER_LOST', 'the runner stopped renewing its lease', { retry: true }));
    await flush();
    expect(h.calls).toHaveLength(2);
    expect(h.queue.get(h.calls[1]!.ctx.job.id)).toMatchObject({ state: 'running', attempts: 2 });
  });
});
