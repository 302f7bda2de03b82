import fs from 'node:fs';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { describeFailures, Supervisor, type RestartPolicy } from '../core/supervisor.js';
import { FfmpegRunner, type FfmpegExit } from '../encoder/ffmpeg-runner.js';
import type { FfmpegProgress } from '../encoder/progress.js';
import { BoundedReader } from '../media/bounded-reader.js';
import type { MediaChunk, PathReader } from '../media/types.js';
import { recorderArgs } from './recorder-args.js';
import { SplitTap } from './split-tap.js';

/** One file of a recording, named by the service. */
export interface RecorderFile {
  id: string;
  path: string;
  container: 'mp4' | 'mkv';
}

/** How a file ended. `started` is false when it never received a frame (it is empty: discard it). */
export interface FileOutcome {
  state: 'complete' | 'interrupted' | 'failed';
  error: string | null;
  started: boolean;
}

export interface RecorderHooks {
  /** A new file is about to be written (the first one, a split, or a restart after ffmpeg died). */
  newFile(): RecorderFile;
  /** Every pollMs while a file is written. */
  progress(file: RecorderFile, progress: { durationSec: number; sizeBytes: number }): void;
  /** The file's ffmpeg has exited: the file is final. */
  fileEnded(file: RecorderFile, outcome: FileOutcome): void;
  /** The recording is over: stopped, the publisher left, ffmpeg kept failing, or the disk is full. */
  ended(reason: string): void;
  /** The file's first frame (a keyframe) is on its way to it: its media time (FLV ms), for the recording's start_pdt. */
  started?(file: RecorderFile, mediaTime: number): void;
  /** Free space fell below the floor: make room if possible; resolve true when there is enough now. */
  lowDisk?(): Promise<boolean>;
}

export interface RecorderLimits {
  /** 0: never split by time. */
  splitSeconds: number;
  /** 0: never split by size. */
  splitBytes: number;
  minFreeBytes: number;
}

/** maxFailures unexpected exits within failureWindowMs and the recording gives up; each new file waits for the backoff. */
export interface RecorderTiming extends RestartPolicy {
  /** Size, progress and split checks. */
  pollMs: number;
  diskCheckMs: number;
  /** stop(): how long ffmpeg may take to finish its file after its input ended, before SIGKILL. */
  stopGraceMs: number;
  failureWindowMs: number;
}

export const DEFAULT_RECORDER_TIMING: RecorderTiming = {
  pollMs: 2000,
  diskCheckMs: 5000,
  stopGraceMs: 5000,
  // 500, 2000, 5000 ms, the last one repeating.
  backoff: { baseMs: 500, maxMs: 5000, jitter: 0, factor: 4 },
  maxFailures: 3,
  failureWindowMs: 60_000,
};

export interface RecorderOptions {
  stream: string;
  /** Adds a reader to the stream's Path (it replays header, metadata, sequence headers and the current GOP); returns its detach. */
  attach: (reader: PathReader) => () => void;
  children: Pick<ChildRegistry, 'spawn'>;
  ffmpegPath: string;
  logger: Logger;
  /** Read at every check, so config changes apply to a recording in progress. */
  limits: () => RecorderLimits;
  freeBytes: () => number;
  hooks: RecorderHooks;
  timing?: Partial<RecorderTiming>;
  readerMaxBytes?: number;
  now?: () => number;
}

interface FileRun {
  file: RecorderFile;
  ffmpeg: FfmpegRunner;
  reader: BoundedReader;
  last: FfmpegProgress | undefined;
  /** When its first frame arrived; undefined while it waits for a keyframe. */
  mediaStartedAt: number | undefined;
  /** The outcome we asked for by ending its input (stop, split, disk full). */
  requested: RequestedOutcome | undefined;
  fatal: string | undefined;
}

export const DISK_FULL = 'disk almost full';

/** What a file becomes when we end its input and ffmpeg finishes it cleanly. */
type RequestedOutcome = { state: 'complete'; error: null } | { state: 'failed'; error: string };

/**
 * One recording of one stream: a SplitTap on the Path feeding one supervised ffmpeg per file. A file
 * is split by time or size, at a keyframe; an ffmpeg that dies leaves its (playable) file
 * `interrupted` and the recording goes on in a new file after a backoff, until it fails too often.
 * Free space is checked every few seconds: under the floor the recording stops with `failed`.
 */
export class Recorder {
  private readonly timing: RecorderTiming;
  private readonly supervisor: Supervisor;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly tap: SplitTap;
  private readonly runs = new Set<FileRun>();
  private active: FileRun | undefined;
  private pending: FileRun | undefined;
  private detach: (() => void) | undefined;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private stopping: Promise<void> | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private diskTimer: NodeJS.Timeout | undefined;
  private checkingDisk = false;

  constructor(private readonly options: RecorderOptions) {
    this.timing = { ...DEFAULT_RECORDER_TIMING, ...options.timing };
    this.log = options.logger.child({ recorder: options.stream });
    this.now = options.now ?? Date.now;
    this.supervisor = new Supervisor(this.timing, { now: this.now });
    this.tap = new SplitTap(`recorder:${options.stream}`, {
      handedOver: (reader, first) => this.handedOver(reader, first),
      closed: (reason) => void this.stop(reason),
    });
  }

  /** The file being written (or about to be, while ffmpeg waits for a keyframe). */
  get currentFile(): RecorderFile | undefined {
    return (this.active ?? this.pending)?.file;
  }

  /** The pid of the ffmpeg writing the current file (tests, diagnostics). */
  get pid(): number | undefined {
    return (this.active ?? this.pending)?.ffmpeg.pid;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** Starts the first file and attaches to the Path; returns that file. */
  start(): RecorderFile {
    if (this.state !== 'idle') throw new Error(`the recorder of ${this.options.stream} was already started`);
    this.state = 'running';
    const run = this.launch();
    try {
      this.detach = this.options.attach(this.tap);
    } catch (error) {
      this.state = 'stopped';
      this.tap.close('attach failed');
      run.ffmpeg.kill();
      throw error;
    }
    this.pollTimer = setInterval(() => this.poll(), this.timing.pollMs);
    this.diskTimer = setInterval(() => void this.checkDisk(), this.timing.diskCheckMs);
    return run.file;
  }

  /**
   * Ends the recording: the current file gets the rest of what was queued, then ffmpeg finishes it.
   * `outcome` is what the file becomes when ffmpeg exits cleanly (complete, or failed for disk full).
   */
  stop(reason: string, outcome: RequestedOutcome = { state: 'complete', error: null }): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state !== 'running') {
      this.state = 'stopped';
      return Promise.resolve();
    }
    this.state = 'stopping';
    this.clearTimers();
    this.detach?.();
    this.detach = undefined;
    const runs = [...this.runs];
    for (const run of runs) run.requested ??= outcome;
    this.log.info({ reason, files: runs.length }, 'recording stopping');
    let resolve!: () => void;
    this.stopping = new Promise((r) => (resolve = r));
    // The tap closes the readers: each flushes its queue into ffmpeg's stdin and ends it.
    this.tap.close(reason);
    for (const run of runs) this.guardFinish(run);
    void Promise.all(runs.map((r) => r.ffmpeg.exited)).then(() => {
      this.state = 'stopped';
      this.log.info({ reason }, 'recording stopped');
      this.call(() => this.options.hooks.ended(reason));
      resolve();
    });
    return this.stopping;
  }

  private launch(): FileRun {
    const file = this.options.hooks.newFile();
    // The callbacks run on later events, by when `run` below exists.
    const ffmpeg = FfmpegRunner.start(this.options.children, this.options.ffmpegPath, recorderArgs({ container: file.container, output: file.path }), {
      stderrMax: 16 * 1024,
      onProgress: (block) => (run.last = block),
      onExit: (exit) => this.onExit(run, exit),
      logger: this.log,
    });
    this.supervisor.starting();
    const run: FileRun = {
      file,
      ffmpeg,
      reader: new BoundedReader({
        id: `recorder:${this.options.stream}:${file.id}`,
        sink: ffmpeg.child.stdin!,
        logger: this.log,
        maxBytes: this.options.readerMaxBytes,
      }),
      last: undefined,
      mediaStartedAt: undefined,
      requested: undefined,
      fatal: undefined,
    };
    this.runs.add(run);
    this.log.info({ pid: ffmpeg.pid, file: file.path }, 'recording file started');
    this.pending = run;
    this.tap.handOver(run.reader);
    return run;
  }

  private handedOver(reader: PathReader, first: MediaChunk): void {
    const run = [...this.runs].find((r) => r.reader === reader);
    if (!run) return;
    const previous = this.active;
    // The tap has closed the previous file's reader: its ffmpeg finishes the file.
    if (previous && previous !== run) {
      previous.requested ??= { state: 'complete', error: null };
      this.guardFinish(previous);
    }
    this.active = run;
    if (this.pending === run) this.pending = undefined;
    run.mediaStartedAt = this.now();
    this.call(() => this.options.hooks.started?.(run.file, first.timestamp));
    this.supervisor.running();
  }

  private onExit(run: FileRun, exit: FfmpegExit): void {
    if (exit.error) run.fatal = run.ffmpeg.reason(exit);
    this.runs.delete(run);
    this.tap.drop(run.reader);
    const wasActive = this.active === run;
    if (wasActive) this.active = undefined;
    if (this.pending === run) this.pending = undefined;
    const crash = run.ffmpeg.reason(exit);
    const clean = exit.code === 0 && !run.fatal;
    // Disk full stays `failed` however ffmpeg ended; otherwise a clean exit is complete, any other interrupted.
    const outcome: Omit<FileOutcome, 'started'> =
      run.requested?.state === 'failed' ? run.requested : clean ? { state: 'complete', error: null } : { state: 'interrupted', error: crash };
    const started = run.mediaStartedAt !== undefined;
    if (outcome.state !== 'complete') this.log.warn({ file: run.file.path, error: outcome.error, stderr: run.ffmpeg.stderr.slice(-2000) }, 'recording file ended abnormally');
    else this.log.info({ file: run.file.path }, 'recording file finished');
    this.call(() => this.options.hooks.fileEnded(run.file, { ...outcome, started }));
    if (this.state !== 'running' || run.requested) return;
    if (run.fatal) {
      void this.stop(run.fatal);
      return;
    }
    this.afterCrash(wasActive, crash);
  }

  /** An unexpected exit: go on in a new file after a backoff, or give up after too many. */
  private afterCrash(wasActive: boolean, reason: string): void {
    const decision = this.supervisor.failed();
    if (decision.action === 'give-up') {
      void this.stop(`${reason} (${describeFailures(decision.failures, this.timing)})`);
      return;
    }
    // A failed split leaves the current file going: the next poll tries again.
    if (!wasActive || this.pending || this.supervisor.retrying) return;
    this.log.warn({ reason, failures: decision.failures, restartInMs: decision.delayMs }, 'recording ffmpeg died: going on in a new file');
    this.supervisor.retryIn(decision.delayMs, () => {
      if (this.state === 'running' && !this.pending) this.safeLaunch();
    });
  }

  private safeLaunch(): void {
    try {
      this.launch();
    } catch (error) {
      const why = `could not start a new file: ${(error as Error).message}`;
      this.log.error({ err: error }, why);
      if (!this.active) void this.stop(why);
    }
  }

  /** After its input ended, ffmpeg gets stopGraceMs to finish the file; then it is killed. */
  private guardFinish(run: FileRun): void {
    const grace = this.timing.stopGraceMs;
    // A reader stuck waiting for 'drain' gets its stdin ended at half the grace period.
    void run.ffmpeg.finish(grace, grace / 2, () => this.log.warn({ pid: run.ffmpeg.pid }, 'recording ffmpeg did not finish in time: killing it'));
  }

  private poll(): void {
    const run = this.active;
    if (this.state !== 'running' || !run || run.mediaStartedAt === undefined) return;
    const sizeBytes = fs.statSync(run.file.path, { throwIfNoEntry: false })?.size ?? 0;
    const elapsedSec = (this.now() - run.mediaStartedAt) / 1000;
    const outSec = run.last?.outTimeUs != null && run.last.outTimeUs > 0 ? run.last.outTimeUs / 1e6 : elapsedSec;
    this.call(() => this.options.hooks.progress(run.file, { durationSec: Math.round(outSec * 10) / 10, sizeBytes }));
    if (this.pending || this.supervisor.retrying) return;
    const { splitSeconds, splitBytes } = this.options.limits();
    const byTime = splitSeconds > 0 && elapsedSec >= splitSeconds;
    const bySize = splitBytes > 0 && sizeBytes >= splitBytes;
    if (!byTime && !bySize) return;
    this.log.info({ file: run.file.path, elapsedSec: Math.round(elapsedSec), sizeBytes, byTime, bySize }, 'splitting the recording');
    this.safeLaunch();
  }

  private async checkDisk(): Promise<void> {
    if (this.state !== 'running' || this.checkingDisk) return;
    this.checkingDisk = true;
    try {
      const floor = this.options.limits().minFreeBytes;
      if (this.freeBytes() >= floor) return;
      const made = (await this.options.hooks.lowDisk?.().catch(() => false)) ?? false;
      if (made && this.freeBytes() >= floor) return;
      if (this.state !== 'running') return;
      this.log.error({ freeBytes: this.freeBytes(), minFreeBytes: floor }, 'disk almost full: the recording stops');
      await this.stop(DISK_FULL, { state: 'failed', error: DISK_FULL });
    } finally {
      this.checkingDisk = false;
    }
  }

  private freeBytes(): number {
    try {
      return this.options.freeBytes();
    } catch (error) {
      this.log.warn({ err: error }, 'could not read free disk space');
      return Number.POSITIVE_INFINITY;
    }
  }

  private clearTimers(): void {
    for (const timer of [this.pollTimer, this.diskTimer]) if (timer) clearInterval(timer);
    this.supervisor.stop();
    this.pollTimer = undefined;
    this.diskTimer = undefined;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log.error({ err: error }, 'recorder hook failed');
    }
  }
}
