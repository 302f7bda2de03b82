import type { Logger } from '../core/logger.js';
import { describeFailures, Supervisor } from '../core/supervisor.js';
import { FfmpegRunner, type FfmpegExit } from '../encoder/ffmpeg-runner.js';
import type { FfmpegProgress } from '../encoder/progress.js';
import { BoundedReader } from '../media/bounded-reader.js';
import type { PathReader } from '../media/types.js';
import { classifyRelayExit } from './relay-exit.js';
import { DEFAULT_RELAY_SUPERVISION, type RelayLaunch, type RelayOptions, type RelayStatus, type RelaySupervision } from './relay-types.js';
import { RtmpPush, type RtmpPushEnd } from './rtmp-push.js';
import { detachOnce } from '../core/lifecycle.js';

export { DEFAULT_RELAY_SUPERVISION } from './relay-types.js';
export type { RelayLaunch, RelayOptions, RelayStatus, RelaySupervision } from './relay-types.js';

interface Run {
  generation: number;
  /** ffmpeg, or undefined for an in-process push. */
  ffmpeg: FfmpegRunner | undefined;
  push: RtmpPush | undefined;
  reader: Pick<BoundedReader, 'close'> | undefined;
  detach: (() => void) | undefined;
  redact: (text: string) => string;
  /** The Path closed the reader: the publisher is gone, so ffmpeg's exit is the end, not a failure. */
  inputEnded: boolean;
  lastTotal: number | null;
  samples: { at: number; bytes: number }[];
  exited: Promise<void>;
}

/**
 * One destination's relay: a supervised ffmpeg fed from the Path through its own BoundedReader, so
 * that a slow or dead destination never stalls the ingest or another relay.
 * idle -> connecting -> live (ffmpeg's output grows) -> retrying (backoff) -> connecting ... -> failed
 * (after maxFailures in a row, or maxRefusals when the server refuses the key).
 */
export class Relay {
  private readonly supervision: RelaySupervision;
  private readonly supervisor: Supervisor;
  private readonly log: Logger;
  private status: RelayStatus = { state: 'idle', error: null, since: null, bitrateKbps: 0, retries: 0, nextRetryAt: null };
  private generation = 0;
  private refusals = 0;
  private attempts = 0;
  private run: Run | undefined;
  private lastStatsEmit = 0;
  private disposed = false;

  constructor(private readonly options: RelayOptions) {
    this.supervision = { ...DEFAULT_RELAY_SUPERVISION, ...options.supervision };
    this.supervisor = new Supervisor(this.supervision, options.random ? { random: options.random } : {});
    this.log = options.logger.child({ relay: options.id });
  }

  get current(): RelayStatus {
    return { ...this.status };
  }

  /** connecting, live or retrying. */
  get active(): boolean {
    return this.status.state === 'connecting' || this.status.state === 'live' || this.status.state === 'retrying';
  }

  get pid(): number | undefined {
    return this.run?.ffmpeg?.pid;
  }

  /** Starts relaying; a no-op while already active. From failed it starts over. */
  start(): void {
    if (this.disposed || this.active) return;
    this.generation++;
    this.supervisor.reset();
    this.refusals = 0;
    this.status = { ...this.status, error: null, retries: 0 };
    this.launch();
  }

  /** Back to idle: ffmpeg's stdin is closed so that it ends the stream cleanly; SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.generation++;
    this.supervisor.stop();
    const run = this.run;
    if (this.status.state !== 'idle') this.set({ state: 'idle', error: null, since: null, bitrateKbps: 0, retries: 0, nextRetryAt: null });
    this.supervisor.reset();
    this.refusals = 0;
    if (run) await this.finish(run, 'relay stopped');
  }

  /** Kills ffmpeg at once; the relay does nothing more. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.generation++;
    this.supervisor.stop();
    const run = this.run;
    if (!run) return;
    this.detach(run);
    this.kill(run, 'relay disposed');
    await run.exited;
  }

  private launch(): void {
    const generation = this.generation;
    this.supervisor.starting();
    this.set({ state: 'connecting', since: null, bitrateKbps: 0, nextRetryAt: null });
    this.options.prepare().then(
      (launch) => {
        if (generation !== this.generation || this.disposed) return;
        if (launch.push) this.startPush(generation, launch, launch.push);
        else this.spawn(generation, launch);
      },
      (error: unknown) => {
        if (generation === this.generation && !this.disposed) this.fail((error as Error).message ?? String(error));
      },
    );
  }

  private spawn(generation: number, launch: RelayLaunch): void {
    let ffmpeg: FfmpegRunner;
    try {
      // The callbacks run on later events, by when `run` below exists.
      ffmpeg = FfmpegRunner.start(this.options.children, launch.ffmpegPath, launch.args, {
        stderrMax: 16 * 1024,
        onProgress: (block) => this.onBlock(run, block),
        onExit: (exit) => this.onExit(run, exit),
        logger: this.log,
      });
    } catch (error) {
      this.fail(`could not start ffmpeg: ${(error as Error).message}`);
      return;
    }
    const run: Run = {
      generation,
      ffmpeg,
      push: undefined,
      reader: undefined,
      detach: undefined,
      redact: launch.redact,
      inputEnded: false,
      lastTotal: null,
      samples: [],
      exited: ffmpeg.exited.then(() => undefined),
    };
    this.run = run;
    const child = ffmpeg.child;
    if (!child.stdin) return;
    const reader = new BoundedReader({
      id: `relay:${this.options.id}#${++this.attempts}`,
      sink: child.stdin,
      logger: this.log,
      maxBytes: this.options.readerMaxBytes,
    });
    run.reader = reader;
    const tap: PathReader = {
      id: reader.id,
      push: (chunk) => reader.push(chunk),
      close: (reason) => {
        run.inputEnded = true;
        reader.close(reason);
      },
    };
    try {
      run.detach = this.options.attach(tap);
    } catch (error) {
      ffmpeg.kill();
      this.fail(`could not attach to the stream: ${(error as Error).message}`);
      return;
    }
    this.log.info({ pid: child.pid, args: launch.logArgs, failures: this.supervisor.failures }, 'relay ffmpeg started');
  }

  /** Passthrough to rtmp(s)://: no ffmpeg, the Path's tags are pushed from this process (RtmpPush). */
  private startPush(generation: number, launch: RelayLaunch, target: { url: string; key: string }): void {
    let resolveExited!: () => void;
    const exited = new Promise<void>((resolve) => (resolveExited = resolve));
    const run: Run = { generation, ffmpeg: undefined, push: undefined, reader: undefined, detach: undefined, redact: launch.redact, inputEnded: false, lastTotal: 0, samples: [], exited };
    const push = new RtmpPush({
      id: `relay:${this.options.id}#${++this.attempts}`,
      url: target.url,
      key: target.key,
      logger: this.log,
      maxBytes: this.options.readerMaxBytes,
      onEnd: (end: RtmpPushEnd) => {
        clearInterval(timer);
        run.inputEnded ||= end.inputEnded;
        this.onExit(run, { code: end.inputEnded ? 0 : 1, signal: null, requested: false }, end);
        resolveExited();
      },
    });
    // Progress as ffmpeg's -progress would report it: the bytes sent, twice a second.
    const timer = setInterval(() => this.onBlock(run, { totalSize: push.bytesSent } as FfmpegProgress), 500);
    run.push = push;
    run.reader = push;
    this.run = run;
    const tap: PathReader = {
      id: push.id,
      push: (chunk) => push.push(chunk),
      close: (reason) => {
        run.inputEnded = true;
        push.close(reason);
      },
    };
    try {
      run.detach = this.options.attach(tap);
    } catch (error) {
      this.fail(`could not attach to the stream: ${(error as Error).message}`);
      return;
    }
    push.start();
    this.log.info({ url: launch.redact(target.url), failures: this.supervisor.failures }, 'relay push started');
  }

  private kill(run: Run, reason: string): void {
    if (run.push) run.push.destroy(reason);
    else run.ffmpeg?.kill();
  }

  private onBlock(run: Run, block: FfmpegProgress): void {
    if (this.run !== run || run.generation !== this.generation) return;
    const now = Date.now();
    const total = block.totalSize;
    const grew = total !== null && total > 0 && run.lastTotal !== null && total > run.lastTotal;
    if (total !== null) {
      run.lastTotal = total;
      run.samples.push({ at: now, bytes: total });
      while (run.samples.length > 2 && now - run.samples[0]!.at > this.supervision.bitrateWindowMs) run.samples.shift();
    }
    const first = run.samples[0];
    const last = run.samples.at(-1);
    const kbps = first && last && last.at > first.at ? Math.round(((last.bytes - first.bytes) * 8) / (last.at - first.at)) : 0;
    if (this.status.state === 'connecting' && grew) {
      this.set({ state: 'live', since: now, error: null, bitrateKbps: kbps, nextRetryAt: null });
      this.log.info({ afterFailures: this.supervisor.failures }, 'relay live');
      this.supervisor.running(() => {
        this.refusals = 0;
        this.set({ retries: 0 });
      });
      return;
    }
    if (this.status.state === 'live' && kbps !== this.status.bitrateKbps && now - this.lastStatsEmit >= this.supervision.statsIntervalMs) {
      this.set({ bitrateKbps: kbps });
    } else if (this.status.state === 'live') {
      this.status.bitrateKbps = kbps;
    }
  }

  private onExit(run: Run, exit: FfmpegExit, pushEnd?: RtmpPushEnd): void {
    this.detach(run);
    run.reader?.close(run.push ? 'push ended' : 'ffmpeg exited');
    if (this.run === run) this.run = undefined;
    if (run.generation !== this.generation || this.disposed) return;
    const { code, signal } = exit;
    if (exit.error) {
      // The binary is missing or not executable: retrying changes nothing.
      this.fail(`could not start ffmpeg: ${exit.error.message}`);
      return;
    }
    if (run.inputEnded) {
      this.supervisor.stop();
      this.log.info({ code }, 'relay ended: the stream ended');
      this.set({ state: 'idle', since: null, bitrateKbps: 0, nextRetryAt: null });
      return;
    }
    const stderr = run.redact(run.ffmpeg?.stderr ?? '');
    const { refused, reason } = pushEnd ? { refused: pushEnd.refused, reason: run.redact(pushEnd.reason) } : classifyRelayExit(stderr, { code, signal });
    const decision = this.supervisor.failed();
    this.refusals = refused ? this.refusals + 1 : 0;
    if (refused && this.refusals >= this.supervision.maxRefusals) {
      this.fail(reason, stderr);
      return;
    }
    if (decision.action === 'give-up') {
      this.fail(`${reason} (${describeFailures(decision.failures, this.supervision)})`, stderr);
      return;
    }
    const delay = decision.delayMs;
    this.log.warn({ reason, code, signal, failures: decision.failures, retryInMs: delay, stderr: stderr.slice(-1500) }, 'relay ffmpeg exited: retrying');
    this.set({ state: 'retrying', error: reason, since: null, bitrateKbps: 0, retries: decision.failures, nextRetryAt: Date.now() + delay });
    const generation = this.generation;
    this.supervisor.retryIn(delay, () => {
      if (generation === this.generation && this.status.state === 'retrying') this.launch();
    });
  }

  private fail(reason: string, stderr?: string): void {
    // A process still running (attach failed) exits later: that exit belongs to no live generation.
    this.generation++;
    this.supervisor.giveUp();
    const run = this.run;
    if (run) {
      this.detach(run);
      this.kill(run, reason);
    }
    this.log.error({ reason, failures: this.supervisor.failures, stderr: stderr?.slice(-1500) }, 'relay failed');
    this.set({ state: 'failed', error: reason, since: null, bitrateKbps: 0, retries: this.supervisor.failures, nextRetryAt: null });
  }

  private async finish(run: Run, reason: string): Promise<void> {
    this.detach(run);
    // The reader flushes what it holds, then ends ffmpeg's stdin: ffmpeg closes the stream and exits.
    run.reader?.close(reason);
    const grace = this.supervision.stopGraceMs;
    const late = (): void => this.log.warn({ pid: run.ffmpeg?.pid }, 'relay did not finish in time: killing it');
    // A reader stuck waiting for 'drain' (a server that stopped reading): ffmpeg's stdin is ended for it.
    if (run.ffmpeg) return run.ffmpeg.finish(grace, Math.min(1000, grace / 2), late);
    const killTimer = setTimeout(() => {
      late();
      this.kill(run, 'relay did not finish in time');
    }, grace);
    await run.exited;
    clearTimeout(killTimer);
  }

  private detach(run: Run): void {
    detachOnce(run, (error) => this.log.warn({ err: error }, 'detaching the relay reader failed'));
  }

  private set(patch: Partial<RelayStatus>): void {
    this.status = { ...this.status, ...patch };
    if (this.disposed) return;
    this.lastStatsEmit = Date.now();
    try {
      this.options.onChange(this.current);
    } catch (error) {
      this.log.warn({ err: error }, 'relay listener failed');
    }
  }
}
