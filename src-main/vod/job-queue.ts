import os from 'node:os';
import { backoffDelay, type BackoffOptions } from '../../src-shared/backoff.js';
import type { Job } from '../../src-shared/contract/videos.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { JobErrorInfo, JobStore, StoredJob } from '../store/jobs.js';
import { classifyJobError, JobError, NEVER_RETRIED, RETRIED_AT_ONCE } from '../core/job-error.js';
import { estimateSec, queueEtas, runningEtaSec, secPerMediaSec, startRate, updateRate, type RateState } from './eta.js';
import { monotonicMs } from '../core/clock.js';

export interface JobContext {
  job: Job;
  payload: unknown;
  /** 1 for the first run. */
  attempt: number;
  /** Fires on cancel, on a stall and when the queue is disposed: the runner stops its ffmpeg and throws. */
  signal: AbortSignal;
  /** 0..1 and the step running now; every call also tells the stall watchdog the job is alive. */
  progress(value: number, step?: string): void;
  /** The media's duration once probed (when the payload had none): for this job's estimate and later ones'. */
  mediaDuration(sec: number): void;
  /** The runner this attempt was placed on (runners/pool.ts); undefined: it runs here. */
  runner?: string;
}

/** Remote runners beside the queue's own slots (runners/pool.ts). */
export interface RemoteSlots {
  hasFreeSlot(): boolean;
  /** The runner for this job now, or undefined (its kind stays here, or no runner is free for it). */
  place(job: { id: string; kind: string }, localFree: boolean): string | undefined;
  /** Whether a job of `kind` may run here now (false: runners are connected and the origin leaves their kinds to them). */
  runsHere(kind: string): boolean;
  /** A job placed on a runner has ended: a slot still reserved for it is free again. */
  release(jobId: string): void;
}

export { JobError, NEVER_RETRIED } from '../core/job-error.js';

export type JobRunner = (ctx: JobContext) => Promise<void>;

export interface JobQueueOptions {
  store: JobStore;
  logger: Logger;
  runners: Record<string, JobRunner>;
  /** Jobs run at once (read at every scheduling: a changed value applies at the next poke()). */
  concurrency: () => number;
  /** No progress call for this long: the job is aborted with STALLED. */
  stallMs: () => number;
  maxAttempts: () => number;
  /** A job changed: at once for a state change, at most every PROGRESS_EMIT_MS per job for progress. */
  onChange: (job: Job) => void;
  /** Wall time, for what is stored (created, started, finished). */
  now?: () => number;
  /**
   * Monotonic time, for what is measured in memory (progress speed, stalls, backoff, ETA): a wall-clock
   * step must not kill every running job as stalled, nor freeze their ETA for an hour. A test that gives
   * only `now` drives both.
   */
  clock?: () => number;
  random?: () => number;
  /** Before a failed job runs again. */
  backoff?: BackoffOptions;
  /** Seconds of work per second of media before any job has been measured. */
  defaultSecPerMediaSec?: number;
  /** A runner that has not stopped this long after its signal fired is left behind and its slot freed. */
  abortGraceMs?: number;
  /** Runners elsewhere that take jobs too; without them every job runs here. */
  remote?: RemoteSlots;
}

/** The `concurrency` config value: 0 means one job per 4 cores, at least one. */
export function concurrencyFrom(configured: number, cores = os.availableParallelism()): number {
  return configured > 0 ? configured : Math.max(1, Math.floor(cores / 4));
}

export const PROGRESS_EMIT_MS = 500;
const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5_000, maxMs: 120_000, jitter: 0.2 };
const FINISHED_LISTED = 50;

interface Running {
  job: StoredJob;
  /** The runner it was placed on; undefined: here. */
  runner?: string;
  controller: AbortController;
  /** When it started, on the monotonic clock. */
  startedAt: number;
  rate: RateState;
  lastActivity: number;
  lastEmit: number;
  /** Why the signal fired: the outcome then is this code, whatever the runner throws. */
  abortedWith?: JobErrorInfo;
  /** Resolves once the outcome is recorded (the runner settled, or was left behind). */
  finished: Promise<void>;
  markFinished: () => void;
}

const durationOf = (payload: unknown): number | undefined => {
  const d = (payload as { durationSec?: unknown } | null)?.durationSec;
  return typeof d === 'number' && d > 0 ? d : undefined;
};

/**
 * The processing queue: persisted jobs (JobStore), run by kind through `runners`, higher priority
 * first then oldest, at most `concurrency()` at once. Progress and ETA on read; a stalled run is
 * aborted; failures retried with backoff up to the job's maxAttempts; jobs left running by a host
 * that died go back to the queue at start.
 */
export class JobQueue implements Service {
  readonly name = 'job-queue';
  private readonly running = new Map<string, Running>();
  /** Failed jobs waiting for their backoff: id -> not before (in memory: a restart runs them at once). */
  private readonly notBefore = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private started = false;
  private disposed = false;
  private readonly now: () => number;
  private readonly clock: () => number;

  constructor(private readonly o: JobQueueOptions) {
    this.now = o.now ?? Date.now;
    this.clock = o.clock ?? o.now ?? monotonicMs;
  }

  start(): void {
    const { requeued, failed } = this.o.store.recoverInterrupted(this.now(), {
      code: 'INTERRUPTED',
      message: 'the host stopped during the last attempt',
    });
    if (requeued.length + failed.length > 0) this.o.logger.info({ requeued, failed }, 'jobs interrupted by a host stop');
    this.started = true;
    for (const id of failed) this.emit(id);
    this.poke();
  }

  /** Aborts the running jobs and puts them back in the queue uncounted (a host killed outright counts the run: see start). */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    for (const r of this.running.values()) this.abort(r, { code: 'INTERRUPTED', message: 'the host is stopping' });
    await Promise.all([...this.running.values()].map((r) => r.finished));
  }

  enqueue(kind: string, subject: string, payload: { durationSec?: number; [k: string]: unknown }, opts: { priority?: number } = {}): Job {
    if (!this.o.runners[kind]) throw new StudioError('BAD_REQUEST', `no runner for jobs of kind ${kind}`);
    const job = this.o.store.insert({
      kind,
      subject,
      payload,
      priority: opts.priority ?? 0,
      maxAttempts: this.o.maxAttempts(),
      estimateSec: estimateSec(durationOf(payload), this.ratio(kind), this.o.defaultSecPerMediaSec ?? 1),
      now: this.now(),
    });
    this.poke();
    const view = this.get(job.id)!;
    if (view.state === 'queued') this.o.onChange(view);
    return view;
  }

  get(id: string): Job | undefined {
    const job = this.o.store.get(id);
    return job && this.view(this.live(job), this.computeEtas());
  }

  latestFor(subject: string): Job | undefined {
    const job = this.o.store.latestFor(subject);
    return job && this.get(job.id);
  }

  /** Running and waiting jobs in run order, then the newest finished ones. */
  list(): { concurrency: number; jobs: Job[] } {
    const etas = this.computeEtas();
    const jobs = [...this.o.store.active(), ...this.o.store.finished(FINISHED_LISTED)].map((j) => this.view(this.live(j), etas));
    return { concurrency: this.o.concurrency(), jobs };
  }

  /** A waiting job is cancelled at once; a running one's signal fires and its runner stops. */
  cancel(id: string): Job {
    const job = this.must(id);
    if (job.state === 'done') throw new StudioError('CONFLICT', `job ${id} is already done`);
    if (job.state === 'failed' || job.state === 'cancelled') return this.get(id)!;
    const error = { code: 'CANCELLED', message: 'cancelled' };
    const r = this.running.get(id);
    if (r) this.abort(r, error);
    this.o.store.update(id, { state: 'cancelled', error, finishedAt: this.now() }, ['queued', 'running']);
    this.notBefore.delete(id);
    this.emitAll(id);
    this.poke();
    return this.get(id)!;
  }

  /** A failed or cancelled job runs again, its attempts counted from zero. */
  retry(id: string): Job {
    const job = this.must(id);
    if (job.state === 'queued') {
      // Waiting for its backoff: now.
      if (this.notBefore.delete(id)) this.poke();
      return this.get(id)!;
    }
    if (job.state !== 'failed' && job.state !== 'cancelled') throw new StudioError('CONFLICT', `job ${id} is ${job.state}`);
    this.o.store.update(id, { state: 'queued', attempts: 0, error: null, progress: 0, step: null, startedAt: null, finishedAt: null }, job.state);
    this.notBefore.delete(id);
    this.emitAll(id);
    this.poke();
    return this.get(id)!;
  }

  /** Cancels the subject's jobs, waits for their runners to stop, and deletes their rows. */
  async removeFor(subject: string): Promise<void> {
    const jobs = this.o.store.forSubject(subject);
    const settling: Promise<void>[] = [];
    const error = { code: 'CANCELLED', message: 'deleted' };
    for (const job of jobs) {
      this.notBefore.delete(job.id);
      // Not claimable while the running ones stop (their finish starts what waits).
      if (job.state === 'queued') this.o.store.update(job.id, { state: 'cancelled', error, finishedAt: this.now() }, 'queued');
      const r = this.running.get(job.id);
      if (!r) continue;
      this.abort(r, error);
      settling.push(r.finished);
    }
    await Promise.all(settling);
    this.o.store.deleteFor(subject);
    this.poke();
  }

  /** Starts what may start now: after a change of concurrency, or anything the queue was not told of. */
  poke(): void {
    if (!this.started || this.disposed) return;
    const at = this.clock();
    for (const [id, notBefore] of this.notBefore) if (notBefore <= at) this.notBefore.delete(id);
    const remote = this.o.remote;
    const skip = new Set([...this.running.keys(), ...this.notBefore.keys()]);
    for (;;) {
      const localFree = this.localRunning() < Math.max(1, this.o.concurrency());
      const remoteFree = remote?.hasFreeSlot() ?? false;
      if (!localFree && !remoteFree) break;
      const next = this.o.store.peekNext([...skip]);
      if (!next) break;
      const runner = remoteFree ? remote!.place(next, localFree) : undefined;
      if (runner === undefined && !(localFree && (remote?.runsHere(next.kind) ?? true))) {
        // This one waits for its kind of slot; one behind it may fit another.
        skip.add(next.id);
        continue;
      }
      const job = this.o.store.claim(next.id, this.now());
      if (!job) {
        // Gone from the queue meanwhile (cancelled): the runner's slot reserved for it is free again.
        if (runner !== undefined) remote!.release(next.id);
        skip.add(next.id);
        continue;
      }
      skip.add(job.id);
      this.run(job, runner);
    }
    this.armRetryTimer();
  }

  private localRunning(): number {
    let n = 0;
    for (const r of this.running.values()) if (r.runner === undefined) n += 1;
    return n;
  }

  private run(claimed: StoredJob, runnerId?: string): void {
    const runner = this.o.runners[claimed.kind];
    const now = this.clock();
    // Estimated again at the start: the speed measured since it was queued says more.
    const estimate = estimateSec(durationOf(claimed.payload), this.ratio(claimed.kind), this.o.defaultSecPerMediaSec ?? 1) ?? claimed.estimateSec;
    const job = { ...claimed, estimateSec: estimate };
    if (estimate !== claimed.estimateSec) this.o.store.update(job.id, { estimateSec: estimate }, 'running');
    const controller = new AbortController();
    let markFinished = (): void => {};
    const finished = new Promise<void>((resolve) => (markFinished = resolve));
    const r: Running = { job, controller, startedAt: now, rate: startRate(now), lastActivity: now, lastEmit: now, finished, markFinished, ...(runnerId ? { runner: runnerId } : {}) };
    this.running.set(job.id, r);
    this.armWatchdog();
    this.o.logger.info({ job: job.id, kind: job.kind, subject: job.subject, attempt: job.attempts, runner: runnerId ?? null }, 'job started');
    this.emitAll(job.id);
    const ctx: JobContext = {
      job: this.view(job, this.computeEtas()),
      payload: job.payload,
      attempt: job.attempts,
      signal: controller.signal,
      progress: (value, step) => this.progress(r, value, step),
      mediaDuration: (sec) => this.mediaDuration(r, sec),
      ...(runnerId ? { runner: runnerId } : {}),
    };
    void (async () => {
      try {
        if (!runner) throw new JobError('JOB_FAILED', `no runner for jobs of kind ${job.kind}`, { retry: false });
        await runner(ctx);
        this.finish(r, null);
      } catch (error) {
        this.finish(r, error);
      }
    })();
  }

  private progress(r: Running, value: number, step?: string): void {
    if (this.running.get(r.job.id) !== r || r.abortedWith) return;
    const now = this.clock();
    const progress = Math.max(0, Math.min(1, Number.isFinite(value) ? value : 0));
    r.lastActivity = now;
    r.rate = updateRate(r.rate, progress, now);
    r.job = { ...r.job, progress, step: step ?? r.job.step };
    if (now - r.lastEmit < PROGRESS_EMIT_MS) return;
    r.lastEmit = now;
    this.o.store.update(r.job.id, { progress, step: r.job.step }, 'running');
    this.emit(r.job.id);
  }

  private mediaDuration(r: Running, sec: number): void {
    if (this.running.get(r.job.id) !== r || !(sec > 0) || durationOf(r.job.payload) === sec) return;
    const payload = { ...(r.job.payload as object), durationSec: sec };
    const estimate = estimateSec(sec, this.ratio(r.job.kind), this.o.defaultSecPerMediaSec ?? 1);
    r.job = { ...r.job, payload, estimateSec: estimate };
    this.o.store.setPayload(r.job.id, payload, estimate);
  }

  /** The runner returned (error null) or threw: done, back to the queue after a backoff, or failed. */
  private finish(r: Running, error: unknown): void {
    const id = r.job.id;
    if (this.running.get(id) !== r) return;
    this.running.delete(id);
    if (r.runner !== undefined) this.o.remote?.release(id);
    r.markFinished();
    const now = this.now();
    const wallSec = Math.max(0, (this.clock() - r.startedAt) / 1000);
    const store = this.o.store;
    if (this.disposed && r.abortedWith?.code === 'INTERRUPTED') {
      // A clean stop is not the job's fault: back in the queue, this run not counted.
      store.update(id, { state: 'queued', attempts: Math.max(0, r.job.attempts - 1), progress: 0, step: null }, 'running');
    } else if (error === null && !r.abortedWith) {
      store.update(id, { state: 'done', progress: 1, error: null, finishedAt: now, estimateSec: Math.round(wallSec * 10) / 10 }, 'running');
      this.o.logger.info({ job: id, wallSec }, 'job done');
    } else {
      const why = r.abortedWith ? { ...r.abortedWith, retry: !NEVER_RETRIED.has(r.abortedWith.code) } : classifyJobError(error);
      const info = { code: why.code, message: why.message };
      if (why.retry && r.job.attempts < r.job.maxAttempts) {
        const delay = RETRIED_AT_ONCE.has(why.code) ? 0 : backoffDelay(r.job.attempts, this.o.backoff ?? DEFAULT_BACKOFF, this.o.random);
        store.update(id, { state: 'queued', error: info, progress: 0, step: null }, 'running');
        this.notBefore.set(id, this.clock() + delay);
        this.o.logger.warn({ job: id, error: info, attempt: r.job.attempts, retryInMs: delay }, 'job failed: will retry');
      } else {
        store.update(id, { state: 'failed', error: info, finishedAt: now }, 'running');
        this.o.logger.warn({ job: id, error: info, attempt: r.job.attempts }, 'job failed');
      }
    }
    if (this.running.size === 0) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }
    this.emitAll(id);
    this.poke();
  }

  private abort(r: Running, why: JobErrorInfo): void {
    if (r.abortedWith) return;
    r.abortedWith = why;
    r.controller.abort(new JobError(why.code, why.message));
    // A runner that ignores its signal would hold its slot for ever: after the grace it is left behind.
    const grace = this.o.abortGraceMs ?? 15_000;
    const timer = setTimeout(() => {
      if (this.running.get(r.job.id) !== r) return;
      this.o.logger.error({ job: r.job.id, graceMs: grace }, 'job runner did not stop after its signal: left behind');
      this.finish(r, new JobError(why.code, why.message));
    }, grace);
    timer.unref();
    void r.finished.then(() => clearTimeout(timer));
  }

  /** One check for every running job: none silent for longer than stallMs. */
  private armWatchdog(): void {
    if (this.watchdog) return;
    const every = Math.max(100, Math.min(1000, this.o.stallMs() / 4));
    this.watchdog = setInterval(() => {
      const now = this.clock();
      const stallMs = this.o.stallMs();
      for (const r of this.running.values()) {
        if (r.abortedWith || now - r.lastActivity < stallMs) continue;
        this.o.logger.warn({ job: r.job.id, silentMs: now - r.lastActivity }, 'job stalled');
        this.abort(r, { code: 'STALLED', message: `no progress for ${Math.round(stallMs / 1000)} s` });
      }
    }, every);
    this.watchdog.unref();
  }

  private armRetryTimer(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.notBefore.size === 0 || this.disposed) return;
    const next = Math.min(...this.notBefore.values());
    this.retryTimer = setTimeout(() => this.poke(), Math.max(0, next - this.clock()));
    this.retryTimer.unref();
  }

  /** Seconds per media second of the past jobs of `kind`. */
  private ratio(kind: string): number | null {
    return secPerMediaSec(this.o.store.speedSamples(kind));
  }

  /** Every active job's ETA and queue position, from one read of the queue. */
  private computeEtas(): { eta: Map<string, number | null>; position: Map<string, number> } {
    const now = this.clock();
    const active = this.o.store.active();
    const ratios = new Map<string, number | null>();
    const ratioOf = (kind: string): number | null => {
      if (!ratios.has(kind)) ratios.set(kind, this.ratio(kind));
      return ratios.get(kind)!;
    };
    const running = [...this.running.values()].map((r) => ({
      id: r.job.id,
      remainingSec: runningEtaSec({ progress: r.job.progress, rate: r.rate, startedAt: r.startedAt, now, estimateSec: r.job.estimateSec }),
    }));
    const waiting = active
      .filter((j) => j.state === 'queued')
      .map((j) => ({
        id: j.id,
        estimateSec: estimateSec(durationOf(j.payload), ratioOf(j.kind), this.o.defaultSecPerMediaSec ?? 1) ?? j.estimateSec,
      }));
    const position = new Map(waiting.map((w, i) => [w.id, i + 1]));
    return { eta: queueEtas({ running, waiting, concurrency: this.o.concurrency() }), position };
  }

  private view(job: StoredJob, etas: { eta: Map<string, number | null>; position: Map<string, number> }): Job {
    const active = job.state === 'queued' || job.state === 'running';
    return {
      id: job.id,
      kind: job.kind,
      subject: job.subject,
      state: job.state,
      priority: job.priority,
      progress: job.progress,
      step: job.step,
      etaSec: active ? (etas.eta.get(job.id) ?? null) : null,
      queuePosition: job.state === 'queued' ? (etas.position.get(job.id) ?? null) : null,
      attempts: job.attempts,
      maxAttempts: job.maxAttempts,
      error: job.error,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt,
      runner: (job.state === 'running' ? this.running.get(job.id)?.runner : undefined) ?? null,
    };
  }

  /** A running job's row with the progress held in memory (written to the store at most every PROGRESS_EMIT_MS). */
  private live(job: StoredJob): StoredJob {
    const r = this.running.get(job.id);
    return r && job.state === 'running' ? { ...job, progress: r.job.progress, step: r.job.step } : job;
  }

  private must(id: string): StoredJob {
    const job = this.o.store.get(id);
    if (!job) throw new StudioError('NOT_FOUND', `no job ${id}`);
    return job;
  }

  private emit(id: string): void {
    const job = this.get(id);
    if (job) this.o.onChange(job);
  }

  /** A state change: this job, and every waiting one (their positions and ETAs moved); one read of the queue. */
  private emitAll(id: string): void {
    const etas = this.computeEtas();
    const job = this.o.store.get(id);
    if (job) this.o.onChange(this.view(this.live(job), etas));
    for (const w of this.o.store.active()) if (w.id !== id && w.state === 'queued') this.o.onChange(this.view(w, etas));
  }
}
