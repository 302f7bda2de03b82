import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { backoffDelay } from '../../src-shared/backoff.js';
import { RUNNER_CLOSE, RUNNER_SOCKET_PATH, RUNNER_UPLOADS_PATH, type RunnerClientMessage, type RunnerServerMessage } from '../../src-shared/contract/runners.js';
import { classifyJobError, JobError } from '../core/job-error.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { closeSocket } from '../http/websocket.js';
import { loadBetween, parseCoreTicks, type CoreTicks } from '../metrics/proc-sources.js';
import type { VideoProcessor } from '../vod/process/processor.js';
import type { ChildRegistry } from '../core/children.js';
import { LiveRun } from './live-run.js';
import { packOutputs } from './outputs.js';
import { downloadSource, uploadOutput } from './transfer.js';
import { monotonicMs } from '../core/clock.js';

type JobMessage = Extract<RunnerServerMessage, { type: 'job' }>;

export interface RunnerAgentOptions {
  origin: string;
  token: string;
  name: string;
  slots: number;
  version: string;
  /** Work folders, one per lease, removed when its job ends. */
  workDir: string;
  logger: Logger;
  processor: Pick<VideoProcessor, 'run'>;
  /** This machine's ffmpeg: its version line and usable video encoders (probed once). */
  describe: () => Promise<{ ffmpeg: string; encoders: string[] }>;
  /** Live ladders: this machine's ffmpeg and where its processes are registered. */
  live: { ffmpegPath: () => Promise<string>; children: Pick<ChildRegistry, 'spawn'> };
  /** The origin refused this runner for good (a wrong token, another version, a clock far off). */
  onRefused: (code: string, message: string) => void;
  now?: () => number;
}

interface Active {
  job: JobMessage;
  controller: AbortController;
}

type ResultAck = Extract<RunnerServerMessage, { type: 'resultAck' }>;

/**
 * `streams runner`'s agent: one WebSocket to the origin (hello with what this machine is, heartbeats
 * that renew its leases), and each job it is given run here: the source downloaded (resumable, its
 * SHA-256 checked), the same processor as the origin's with this machine's ffmpeg, the output packed
 * and uploaded over tus, the result named on the socket. Reconnects with backoff; a job keeps running
 * across a reconnect (the heartbeat names its lease again).
 */
export class RunnerAgent implements Service {
  readonly name = 'runner-agent';
  private socket: WebSocket | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private stopped = false;
  private readonly active = new Map<string, Active>();
  private readonly liveRuns = new Map<string, LiveRun>();
  /** Results sent, waiting for the origin's check (their slots are free already). */
  private readonly acks = new Map<string, (message: ResultAck) => void>();
  /** Messages for the origin while the socket is down (progress is dropped, results wait). */
  private readonly pending: RunnerClientMessage[] = [];
  id: string | null = null;
  private ticks: CoreTicks[] | undefined;

  constructor(private readonly o: RunnerAgentOptions) {}

  start(): void {
    fs.mkdirSync(this.o.workDir, { recursive: true });
    this.connect();
  }

  get running(): number {
    return this.active.size + this.liveRuns.size;
  }

  private connect(): void {
    if (this.stopped) return;
    const url = `${this.o.origin.replace(/^http/, 'ws').replace(/\/$/, '')}${RUNNER_SOCKET_PATH}`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.o.token}` }, handshakeTimeout: 5000 });
    this.socket = socket;
    socket.on('open', () => {
      void this.o.describe().then(({ ffmpeg, encoders }) => {
        this.send({ type: 'hello', name: this.o.name, version: this.o.version, clock: (this.o.now ?? Date.now)(), slots: this.o.slots, cores: os.availableParallelism(), encoders, ffmpeg });
      });
    });
    socket.on('message', (data) => {
      let message: RunnerServerMessage;
      try {
        message = JSON.parse(String(data)) as RunnerServerMessage;
      } catch {
        return;
      }
      this.handle(message);
    });
    socket.on('unexpected-response', (_req, res) => {
      if (res.statusCode === 401 || res.statusCode === 403) {
        this.o.onRefused(res.statusCode === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', `the origin refused the token (HTTP ${res.statusCode}): give a token with the runners:write scope`);
        this.stopped = true;
      } else {
        this.o.logger.warn({ status: res.statusCode }, 'the origin answered the runner socket with an error');
      }
      socket.terminate();
    });
    socket.on('error', (error) => this.o.logger.warn({ err: error.message }, 'origin connection error'));
    socket.on('close', (code, reason) => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = null;
      if (code === RUNNER_CLOSE.refused || this.stopped) return;
      if (code === RUNNER_CLOSE.removed) this.o.logger.warn({ reason: String(reason) }, 'removed by the origin: connecting again');
      this.attempts += 1;
      this.reconnectTimer = setTimeout(() => this.connect(), backoffDelay(this.attempts, { baseMs: 250, maxMs: 5000, jitter: 0.2 }));
    });
  }

  private handle(message: RunnerServerMessage): void {
    switch (message.type) {
      case 'welcome': {
        this.attempts = 0;
        this.id = message.id;
        this.o.logger.info({ id: message.id, leaseMs: message.leaseMs }, 'registered with the origin');
        if (this.heartbeat) clearInterval(this.heartbeat);
        this.sendHeartbeat();
        this.heartbeat = setInterval(() => this.sendHeartbeat(), message.heartbeatMs);
        for (const m of this.pending.splice(0)) this.send(m);
        return;
      }
      case 'refused':
        this.stopped = true;
        this.o.onRefused(message.code, message.message);
        return;
      case 'job':
        // More than our slots (an origin that miscounted): handed back at once rather than run slowly.
        if (this.running >= this.o.slots) {
          this.send({ type: 'failed', lease: message.lease, code: 'RUNNER_BUSY', message: `all ${this.o.slots} slot(s) are busy`, retry: true });
          return;
        }
        void this.run(message);
        return;
      case 'cancel': {
        const a = this.active.get(message.lease);
        if (a) {
          this.o.logger.info({ lease: message.lease, reason: message.reason }, 'job cancelled by the origin');
          a.controller.abort(new JobError('CANCELLED', message.reason));
        }
        return;
      }
      case 'resultAck':
        this.acks.get(message.lease)?.(message);
        return;
      case 'live':
        void this.runLive(message);
        return;
    }
  }

  private async run(job: JobMessage): Promise<void> {
    const controller = new AbortController();
    const active: Active = { job, controller };
    this.active.set(job.lease, active);
    const dir = path.join(this.o.workDir, job.lease);
    const signal = controller.signal;
    const log = this.o.logger.child({ job: job.jobId, lease: job.lease });
    log.info({ kind: job.kind, preset: job.spec.preset, bytes: job.source.size }, 'job received');
    const progress = (value: number, step: string): void => this.send({ type: 'progress', lease: job.lease, value, step }, false);
    try {
      await fs.promises.mkdir(dir, { recursive: true });
      const input = path.join(dir, `source${path.extname(job.source.name).slice(0, 8)}`);
      let lastSaid = 0;
      progress(0, 'download');
      await downloadSource({
        url: `${this.o.origin.replace(/\/$/, '')}${job.source.path}`,
        bearer: job.secret,
        file: input,
        size: job.source.size,
        sha256: job.source.sha256,
        signal,
        onBytes: () => {
          if (monotonicMs() - lastSaid < 1000) return;
          lastSaid = monotonicMs();
          progress(0, 'download');
        },
      });
      const outDir = path.join(dir, 'out');
      await this.o.processor.run(
        { signal, progress: (value, step) => progress(Math.min(0.99, value), step ?? 'encode') },
        { input, outDir, preset: job.spec.preset, normalizeLoudness: job.spec.normalizeLoudness, subtitles: [] },
      );
      await fs.promises.rm(input, { force: true });
      const archive = path.join(dir, 'outputs.tar');
      progress(0.99, 'upload');
      await packOutputs(outDir, archive);
      const uploadId = await uploadOutput({
        endpoint: `${this.o.origin.replace(/\/$/, '')}${RUNNER_UPLOADS_PATH}`,
        bearer: job.secret,
        file: archive,
        metadata: { purpose: 'runner-output', lease: job.lease, filename: `${job.jobId}.tar` },
        signal,
        onProgress: () => {
          if (monotonicMs() - lastSaid < 1000) return;
          lastSaid = monotonicMs();
          progress(0.99, 'upload');
        },
      });
      await fs.promises.rm(dir, { recursive: true, force: true });
      // Our part is done: the slot takes the next job while the origin checks this one.
      this.active.delete(job.lease);
      const ack = await new Promise<ResultAck | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), 10 * 60_000).unref();
        this.acks.set(job.lease, (m) => (clearTimeout(timer), resolve(m)));
        this.send({ type: 'result', lease: job.lease, uploadId });
      });
      this.acks.delete(job.lease);
      if (!ack) log.warn('no answer from the origin about the output');
      else if (ack.ok) log.info('job done: the origin published the output');
      else log.warn({ error: ack.error }, 'the origin refused the output');
      return;
    } catch (error) {
      const why = classifyJobError(error);
      if (!(error instanceof JobError && error.code === 'CANCELLED')) {
        log.warn({ code: why.code, err: why.message }, 'job failed');
        this.send({ type: 'failed', lease: job.lease, code: why.code, message: why.message, retry: why.retry });
      }
    } finally {
      this.active.delete(job.lease);
      await fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async runLive(message: Extract<RunnerServerMessage, { type: 'live' }>): Promise<void> {
    const busy = this.running >= this.o.slots;
    const run = new LiveRun({
      origin: this.o.origin,
      message,
      ffmpegPath: await this.o.live.ffmpegPath(),
      children: this.o.live.children,
      logger: this.o.logger.child({ stream: message.stream }),
      ...(busy ? { refusal: `all ${this.o.slots} slot(s) of runner ${this.o.name} are busy` } : {}),
    });
    if (!busy) this.liveRuns.set(message.lease, run);
    run.start();
    await run.ended;
    this.liveRuns.delete(message.lease);
  }

  /** Sent now, or (when `keep`) when the socket is back; progress is not worth keeping. */
  private send(message: RunnerClientMessage, keep = true): void {
    const socket = this.socket;
    if (socket && socket.readyState === socket.OPEN && (this.id !== null || message.type === 'hello')) {
      socket.send(JSON.stringify(message));
    } else if (keep && this.pending.length < 100) {
      this.pending.push(message);
    }
  }

  private sendHeartbeat(): void {
    void this.cpuLoad().then((load) => this.send({ type: 'heartbeat', load, leases: [...this.active.keys()] }, false));
  }

  /** Busy share of all cores since the last heartbeat (/proc/stat; the load average per core elsewhere, at most 1). */
  private async cpuLoad(): Promise<number | null> {
    try {
      const now = parseCoreTicks(await fs.promises.readFile('/proc/stat', 'utf8'));
      const before = this.ticks;
      this.ticks = now;
      return before ? Math.round(loadBetween(before, now).currentLoad) / 100 : null;
    } catch {
      return Math.min(1, Math.round((os.loadavg()[0]! / os.availableParallelism()) * 100) / 100);
    }
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const a of this.active.values()) a.controller.abort(new JobError('CANCELLED', 'the runner is stopping'));
    for (const run of this.liveRuns.values()) run.kill();
    // Say so: the origin places them again at once instead of waiting for the leases to expire.
    for (const a of this.active.values()) this.send({ type: 'failed', lease: a.job.lease, code: 'RUNNER_LOST', message: 'the runner is stopping', retry: true }, false);
    await closeSocket(this.socket, 'runner stopping');
  }
}
