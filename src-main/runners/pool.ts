import crypto from 'node:crypto';
import {
  RUNNER_CLOSE,
  RUNNER_JOB_KINDS,
  RUNNER_LEASE_PATH,
  liveLadderPath,
  type RunnerClientMessage,
  type RunnerInfo,
  type RunnerServerMessage,
} from '../../src-shared/contract/runners.js';
import { JobError } from '../core/job-error.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { LadderCallbacks, LadderProcess } from '../encoder/packager.js';
import { checkRunnerHello } from './hello.js';
import { RemoteLadder } from './live-ladder.js';

/** One runner socket, as the route hands it over. */
export interface RunnerConnection {
  address: string;
  send(message: RunnerServerMessage): void;
  close(code: number, reason: string): void;
}

/** What a job placed on a runner needs from the queue (the JobContext's part of it). */
export interface LeaseContext {
  jobId: string;
  subject: string;
  signal: AbortSignal;
  progress(value: number, step?: string): void;
}

/** What a runner is asked to do, and what the origin does with its result. */
export interface LeaseWork {
  kind: (typeof RUNNER_JOB_KINDS)[number];
  spec: Extract<RunnerServerMessage, { type: 'job' }>['spec'];
  /** The source file at the origin and its name for the runner. */
  source: { file: string; size: number; sha256: string; name: string };
  /** The lease is made (its id names the runner's upload). */
  onLease?(leaseId: string): void;
  /** The runner's upload is complete: unpack, check and publish it (throws a JobError when it is refused). */
  accept(uploadId: string): Promise<void>;
}

export interface Lease {
  id: string;
  secret: string;
  jobId: string;
  subject: string;
  runnerId: string;
  work: LeaseWork;
  leasedAt: number;
  /** Monotonic ms of the last word from its runner (progress, heartbeat naming it). */
  lastHeard: number;
  progress: number;
  step: string | null;
  /** The result is being checked: the runner's silence no longer matters. */
  accepting: boolean;
  /** The queue's side of the job: its signal, and where progress goes. */
  ctx: LeaseContext;
  settle(error: JobError | null): void;
}

/** A live ladder run on a runner: its slot is held while the run lasts. */
interface LiveRun {
  id: string;
  secret: string;
  stream: string;
  runnerId: string;
  ladder: RemoteLadder;
  leasedAt: number;
}

interface Runner {
  id: string;
  conn: RunnerConnection;
  hello: Extract<RunnerClientMessage, { type: 'hello' }>;
  leases: Set<string>;
  /** Live ladder runs (their ids). */
  live: Set<string>;
  load: number | null;
  done: number;
  failed: number;
  connectedAt: number;
  lastSeenAt: number;
}

/** What the autoscaler reads of the pool each tick. */
export interface PoolLoad {
  runners: number;
  slots: number;
  busy: number;
}

export interface RunnerPoolOptions {
  logger: Logger;
  version: string;
  /** A lease not renewed (progress or heartbeat) this long returns its job to the queue. */
  leaseMs: () => number;
  /** The runner list changed (for the runners.changed event). */
  onChange: (runners: RunnerInfo[]) => void;
  /** A slot opened or closed: the queue places what waits. */
  onCapacity: () => void;
  /** Largest difference between a runner's clock and ours. */
  maxClockSkewMs?: number;
  /** A live run's runner must open its link this soon (default 5 s). */
  liveConnectMs?: number;
  /** A live link is pinged this often; two unanswered pings lose the run (default 1 s). */
  liveKeepAliveMs?: number;
  /** A runner a stream's live run failed on is not given that stream again for this long (default 60 s). */
  liveAvoidMs?: number;
  now?: () => number;
  clock?: () => number;
}

const MAX_MESSAGE = 64 * 1024;

/**
 * The origin's side of the runners: who is connected, their free slots, and the leases of the jobs
 * placed on them. A lease is renewed by every word its runner sends about it (and by heartbeats that
 * name it); one not renewed for `leaseMs` ends with RUNNER_LOST and its job goes back to the queue.
 * A result under a lease that ended is refused: every job is published once.
 */
export class RunnerPool implements Service {
  readonly name = 'runners';
  private readonly runners = new Map<string, Runner>();
  private readonly leases = new Map<string, Lease>();
  /** Slots taken by jobs placed on a runner whose lease is not made yet (job id -> runner id). */
  private readonly reserved = new Map<string, string>();
  /** Runners a job failed on: it goes elsewhere next time when it can. */
  private readonly avoid = new Map<string, Set<string>>();
  private readonly live = new Map<string, LiveRun>();
  /** Runner names that take no new job or live run (the autoscaler drains them before removing them). */
  private readonly draining = new Set<string>();
  /** Stream -> runner id -> until when (monotonic ms) a live run of it is not placed there again. */
  private readonly liveAvoid = new Map<string, Map<string, number>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly clock: () => number;

  constructor(private readonly o: RunnerPoolOptions) {
    this.now = o.now ?? Date.now;
    this.clock = o.clock ?? (() => performance.now());
  }

  start(): void {
    this.timer = setInterval(() => this.expire(), 500);
    this.timer.unref();
  }

  async dispose(): Promise<void> {
    clearInterval(this.timer);
    for (const lease of [...this.leases.values()]) this.end(lease, new JobError('INTERRUPTED', 'the origin is stopping'));
    for (const run of [...this.live.values()]) run.ladder.kill();
    for (const r of this.runners.values()) r.conn.close(1001, 'origin stopping');
    this.runners.clear();
  }

  list(): RunnerInfo[] {
    return [...this.runners.values()].map((r) => ({
      id: r.id,
      name: r.hello.name,
      address: r.conn.address,
      version: r.hello.version,
      slots: r.hello.slots,
      cores: r.hello.cores,
      encoders: r.hello.encoders,
      ffmpeg: r.hello.ffmpeg,
      load: r.load,
      jobs: [
        ...[...r.leases].flatMap((id) => {
          const l = this.leases.get(id);
          return l ? [{ jobId: l.jobId, subject: l.subject, progress: l.progress, step: l.step, leasedAt: l.leasedAt }] : [];
        }),
        ...[...r.live].flatMap((id) => {
          const run = this.live.get(id);
          return run ? [{ jobId: run.id, subject: `live:${run.stream}`, progress: 0, step: run.ladder.connected ? 'live' : 'starting', leasedAt: run.leasedAt }] : [];
        }),
      ],
      done: r.done,
      failed: r.failed,
      connectedAt: r.connectedAt,
      lastSeenAt: r.lastSeenAt,
      draining: this.draining.has(r.hello.name),
    }));
  }

  /** Runners, their slots, and the slots busy with a job or a live ladder (leased or reserved). */
  load(): PoolLoad {
    let slots = 0;
    let free = 0;
    for (const r of this.runners.values()) {
      slots += r.hello.slots;
      free += Math.max(0, this.free(r));
    }
    return { runners: this.runners.size, slots, busy: slots - free };
  }

  /** The runner named `name` takes no new work (true) or takes it again (false); its running work goes on. */
  setDraining(name: string, draining: boolean): void {
    if (draining) this.draining.add(name);
    else this.draining.delete(name);
    this.changed();
  }

  /** Jobs and live ladders the runner named `name` runs now; undefined when no runner of that name is connected. */
  workOf(name: string): number | undefined {
    for (const r of this.runners.values()) if (r.hello.name === name) return r.leases.size + r.live.size + [...this.reserved.values()].filter((id) => id === r.id).length;
    return undefined;
  }

  /** The connected runner named `name`. */
  idOf(name: string): string | undefined {
    for (const r of this.runners.values()) if (r.hello.name === name) return r.id;
    return undefined;
  }

  get connected(): number {
    return this.runners.size;
  }

  /** Disconnects a runner: its leases end at once (their jobs go back to the queue). */
  remove(id: string): boolean {
    const r = this.runners.get(id);
    if (!r) return false;
    this.drop(r, 'removed by an operator');
    r.conn.close(RUNNER_CLOSE.removed, 'removed by an operator');
    return true;
  }

  canRun(kind: string): boolean {
    return (RUNNER_JOB_KINDS as readonly string[]).includes(kind);
  }

  hasFreeSlot(): boolean {
    for (const r of this.runners.values()) if (this.free(r) > 0) return true;
    return false;
  }

  /** Slots of `r` neither leased nor reserved. */
  private free(r: Runner): number {
    let reserved = 0;
    for (const id of this.reserved.values()) if (id === r.id) reserved += 1;
    if (this.draining.has(r.hello.name)) return 0;
    return r.hello.slots - r.leases.size - r.live.size - reserved;
  }

  /**
   * Runs one live ladder run of `stream` on a runner: one with a free slot and `encoder`, not one a run
   * of this stream failed on lately, the one with the most free slots first. Undefined when none can:
   * the run stays at the origin.
   */
  launchLive(stream: string, encoder: string, run: { args: readonly string[]; tracks: number }, callbacks: LadderCallbacks): LadderProcess | undefined {
    const now = this.clock();
    const avoided = this.liveAvoid.get(stream);
    const chosen = [...this.runners.values()]
      .filter((r) => this.free(r) > 0 && r.hello.encoders.includes(encoder) && !((avoided?.get(r.id) ?? 0) > now))
      .sort((a, b) => this.free(b) - this.free(a))[0];
    if (!chosen) return undefined;
    const id = `live_${crypto.randomBytes(8).toString('hex')}`;
    const secret = crypto.randomBytes(24).toString('base64url');
    let clean = false;
    const ladder: RemoteLadder = new RemoteLadder({
      runnerName: chosen.hello.name,
      tracks: run.tracks,
      callbacks: {
        ...callbacks,
        onExit: (exit) => {
          clean = exit.requested || exit.code === 0;
          callbacks.onExit(exit);
        },
      },
      connectTimeoutMs: this.o.liveConnectMs ?? 5000,
      keepAliveMs: this.o.liveKeepAliveMs ?? 1000,
      onEnd: () => {
        // onEnd runs just before onExit: the verdict is read on the next turn.
        queueMicrotask(() => this.endLive(id, clean));
      },
    });
    const live: LiveRun = { id, secret, stream, runnerId: chosen.id, ladder, leasedAt: this.now() };
    this.live.set(id, live);
    chosen.live.add(id);
    chosen.conn.send({ type: 'live', lease: id, secret, stream, args: [...run.args], tracks: run.tracks, path: liveLadderPath(id) });
    this.o.logger.info({ stream, runner: chosen.id, name: chosen.hello.name, lease: id }, 'live ladder placed on a runner');
    this.changed();
    return ladder;
  }

  /** The live run whose bearer is `secret` (the live route). */
  liveBySecret(id: string, secret: string): RemoteLadder | undefined {
    const run = this.live.get(id);
    if (!run) return undefined;
    const a = Buffer.from(run.secret);
    const b = Buffer.from(secret);
    return a.length === b.length && crypto.timingSafeEqual(a, b) ? run.ladder : undefined;
  }

  private endLive(id: string, clean: boolean): void {
    const run = this.live.get(id);
    if (!run) return;
    this.live.delete(id);
    const runner = this.runners.get(run.runnerId);
    runner?.live.delete(id);
    if (!clean) {
      if (runner) runner.failed += 1;
      const avoid = this.liveAvoid.get(run.stream) ?? new Map<string, number>();
      avoid.set(run.runnerId, this.clock() + (this.o.liveAvoidMs ?? 60_000));
      this.liveAvoid.set(run.stream, avoid);
      if (this.liveAvoid.size > 1000) this.liveAvoid.delete(this.liveAvoid.keys().next().value!);
    }
    this.changed();
    this.o.onCapacity();
  }

  /** The queue's job ended (or never reached execute): a reservation it still holds is given back. */
  release(jobId: string): void {
    if (this.reserved.delete(jobId)) this.o.onCapacity();
  }

  /**
   * The runner for a job now: free, not one the job failed on (unless no other is free and the origin
   * has no slot either), the one with the most free slots first. Its slot is reserved until execute()
   * makes the lease or release() gives it back.
   */
  place(job: { id: string; kind: string }, localFree: boolean): string | undefined {
    if (!this.canRun(job.kind)) return undefined;
    const avoided = this.avoid.get(job.id);
    const free = [...this.runners.values()].map((r) => ({ r, free: this.free(r) })).filter((x) => x.free > 0).sort((a, b) => b.free - a.free);
    const chosen = free.find((x) => !avoided?.has(x.r.id))?.r ?? (localFree ? undefined : free[0]?.r);
    // The slot is held from now: the job's runner reaches execute() only after some awaits.
    if (chosen) this.reserved.set(job.id, chosen.id);
    return chosen?.id;
  }

  /** Runs `work` on runner `runnerId` under a new lease; settles when the result is published, or with the failure. */
  execute(runnerId: string, ctx: LeaseContext, work: LeaseWork): Promise<void> {
    this.reserved.delete(ctx.jobId);
    const runner = this.runners.get(runnerId);
    if (!runner) return Promise.reject(new JobError('RUNNER_LOST', `runner ${runnerId} left before the job started`, { retry: true }));
    // Cancelled while the job got ready (its source's digest): no lease at all.
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason instanceof JobError ? ctx.signal.reason : new JobError('CANCELLED', 'cancelled'));
    return new Promise<void>((resolve, reject) => {
      const lease: Lease = {
        id: `lease_${crypto.randomBytes(8).toString('hex')}`,
        secret: crypto.randomBytes(24).toString('base64url'),
        jobId: ctx.jobId,
        subject: ctx.subject,
        runnerId,
        work,
        leasedAt: this.now(),
        lastHeard: this.clock(),
        progress: 0,
        step: null,
        accepting: false,
        ctx,
        settle: (error) => {
          ctx.signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      };
      const onAbort = (): void => {
        this.runners.get(lease.runnerId)?.conn.send({ type: 'cancel', lease: lease.id, reason: String((ctx.signal.reason as Error | undefined)?.message ?? 'cancelled') });
        this.end(lease, ctx.signal.reason instanceof JobError ? ctx.signal.reason : new JobError('CANCELLED', 'cancelled'));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      this.leases.set(lease.id, lease);
      runner.leases.add(lease.id);
      work.onLease?.(lease.id);
      runner.conn.send({
        type: 'job',
        lease: lease.id,
        secret: lease.secret,
        jobId: lease.jobId,
        kind: work.kind,
        spec: work.spec,
        source: { path: `${leasePath(lease.id)}/source`, size: work.source.size, sha256: work.source.sha256, name: work.source.name },
      });
      this.o.logger.info({ job: lease.jobId, lease: lease.id, runner: runnerId }, 'job leased to a runner');
      this.changed();
    });
  }

  /** The live lease whose bearer is `secret` (the source route and the upload's capability). */
  leaseBySecret(leaseId: string, secret: string): Lease | undefined {
    const lease = this.leases.get(leaseId);
    if (!lease) return undefined;
    const a = Buffer.from(lease.secret);
    const b = Buffer.from(secret);
    return a.length === b.length && crypto.timingSafeEqual(a, b) ? lease : undefined;
  }

  /** Finds a live lease by its secret alone (the tus capability sends only the bearer). */
  leaseOfBearer(secret: string): Lease | undefined {
    for (const lease of this.leases.values()) if (this.leaseBySecret(lease.id, secret)) return lease;
    return undefined;
  }

  /** A runner's socket: the first message must be its hello. */
  attach(conn: RunnerConnection): { onMessage(text: string): void; onClose(): void } {
    let runner: Runner | undefined;
    return {
      onMessage: (text) => {
        if (text.length > MAX_MESSAGE) return conn.close(1009, 'message too large');
        let message: RunnerClientMessage;
        try {
          message = JSON.parse(text) as RunnerClientMessage;
        } catch {
          return conn.close(1007, 'not JSON');
        }
        if (!runner) {
          if (message.type !== 'hello') return conn.close(1008, 'hello first');
          runner = this.welcome(conn, message);
          return;
        }
        runner.lastSeenAt = this.now();
        this.onMessage(runner, message);
      },
      onClose: () => {
        if (!runner || this.runners.get(runner.id) !== runner) return;
        // Its leases stay until they expire: a runner that reconnects in time names them again.
        this.runners.delete(runner.id);
        this.o.logger.info({ runner: runner.id, name: runner.hello.name }, 'runner disconnected');
        this.changed();
      },
    };
  }

  private welcome(conn: RunnerConnection, hello: Extract<RunnerClientMessage, { type: 'hello' }>): Runner | undefined {
    const refusal = checkRunnerHello(hello, { version: this.o.version, now: this.now(), maxSkewMs: this.o.maxClockSkewMs ?? 30_000 });
    if (refusal) {
      this.o.logger.warn({ address: conn.address, name: String(hello.name).slice(0, 100), code: refusal.code, reason: refusal.message }, 'runner refused');
      conn.send({ type: 'refused', ...refusal });
      conn.close(RUNNER_CLOSE.refused, refusal.code);
      return undefined;
    }
    const id = `run_${crypto.randomBytes(6).toString('hex')}`;
    const now = this.now();
    const runner: Runner = { id, conn, hello, leases: new Set(), live: new Set(), load: null, done: 0, failed: 0, connectedAt: now, lastSeenAt: now };
    this.runners.set(id, runner);
    const leaseMs = this.o.leaseMs();
    conn.send({ type: 'welcome', id, leaseMs, heartbeatMs: Math.max(200, Math.floor(leaseMs / 3)) });
    this.o.logger.info({ runner: id, name: hello.name, address: conn.address, slots: hello.slots, version: hello.version }, 'runner connected');
    this.changed();
    this.o.onCapacity();
    return runner;
  }

  private onMessage(runner: Runner, message: RunnerClientMessage): void {
    switch (message.type) {
      case 'heartbeat': {
        runner.load = typeof message.load === 'number' && Number.isFinite(message.load) ? Math.max(0, message.load) : null;
        const named = Array.isArray(message.leases) ? message.leases.slice(0, 64) : [];
        for (const id of named) this.claimLease(runner, String(id));
        return this.changed();
      }
      case 'progress': {
        const lease = this.claimLease(runner, message.lease);
        if (!lease) return;
        lease.progress = Math.max(0, Math.min(1, Number(message.value) || 0));
        lease.step = typeof message.step === 'string' ? message.step.slice(0, 40) : null;
        lease.ctx.progress(lease.progress, lease.step ?? undefined);
        return;
      }
      case 'result': {
        const lease = this.claimLease(runner, message.lease);
        if (!lease) return runner.conn.send({ type: 'resultAck', lease: String(message.lease), ok: false, error: { code: 'LEASE_LOST', message: 'the lease ended before the result came (the job went back to the queue)' } });
        if (lease.accepting) return;
        lease.accepting = true;
        // The runner's part is done: its slot takes the next job while the output is checked here.
        runner.leases.delete(lease.id);
        this.changed();
        this.o.onCapacity();
        void lease.work.accept(String(message.uploadId)).then(
          () => {
            runner.conn.send({ type: 'resultAck', lease: lease.id, ok: true });
            this.end(lease, null);
          },
          (error: unknown) => {
            const failure = error instanceof JobError ? error : new JobError('OUTPUT_INVALID', (error as Error).message, { retry: true });
            runner.conn.send({ type: 'resultAck', lease: lease.id, ok: false, error: { code: failure.code, message: failure.message } });
            this.end(lease, failure);
          },
        );
        return;
      }
      case 'failed': {
        const lease = this.claimLease(runner, message.lease);
        if (!lease || lease.accepting) return;
        const code = /^[A-Z_]{2,40}$/.test(String(message.code)) ? String(message.code) : 'JOB_FAILED';
        this.end(lease, new JobError(code, `on runner ${runner.hello.name}: ${String(message.message).slice(0, 2000)}`, { retry: message.retry !== false }));
        return;
      }
      default:
        return;
    }
  }

  /** A lease named by `runner`: renewed, and moved to it when it reconnected since. */
  private claimLease(runner: Runner, id: string): Lease | undefined {
    const lease = this.leases.get(id);
    if (!lease) return undefined;
    if (lease.runnerId !== runner.id) {
      const old = this.runners.get(lease.runnerId);
      // Another live runner holds it: not this one's to name.
      if (old) return undefined;
      lease.runnerId = runner.id;
      runner.leases.add(lease.id);
    }
    lease.lastHeard = this.clock();
    return lease;
  }

  private expire(): void {
    const now = this.clock();
    const leaseMs = this.o.leaseMs();
    for (const lease of [...this.leases.values()]) {
      if (lease.accepting || now - lease.lastHeard < leaseMs) continue;
      this.o.logger.warn({ job: lease.jobId, lease: lease.id, runner: lease.runnerId, silentMs: Math.round(now - lease.lastHeard) }, 'lease expired');
      this.runners.get(lease.runnerId)?.conn.send({ type: 'cancel', lease: lease.id, reason: 'the lease expired' });
      this.end(lease, new JobError('RUNNER_LOST', `the runner stopped renewing its lease for ${Math.round(leaseMs / 1000)} s`, { retry: true }));
    }
  }

  private drop(runner: Runner, why: string): void {
    this.runners.delete(runner.id);
    for (const id of [...runner.live]) this.live.get(id)?.ladder.kill();
    for (const id of [...runner.leases]) {
      const lease = this.leases.get(id);
      if (lease && !lease.accepting) this.end(lease, new JobError('RUNNER_LOST', `the runner left: ${why}`, { retry: true }));
    }
    this.changed();
  }

  private end(lease: Lease, error: JobError | null): void {
    if (this.leases.get(lease.id) !== lease) return;
    this.leases.delete(lease.id);
    const runner = this.runners.get(lease.runnerId);
    runner?.leases.delete(lease.id);
    if (error && error.code !== 'CANCELLED' && error.code !== 'INTERRUPTED') {
      if (runner) runner.failed += 1;
      const set = this.avoid.get(lease.jobId) ?? new Set<string>();
      set.add(lease.runnerId);
      this.avoid.set(lease.jobId, set);
      // Bounded: the oldest job's memory goes first.
      if (this.avoid.size > 1000) this.avoid.delete(this.avoid.keys().next().value!);
    } else if (!error) {
      if (runner) runner.done += 1;
      this.avoid.delete(lease.jobId);
    }
    lease.settle(error);
    this.changed();
    this.o.onCapacity();
  }

  private changed(): void {
    this.o.onChange(this.list());
  }
}

export const leasePath = (leaseId: string): string => `${RUNNER_LEASE_PATH}/${leaseId}`;
