import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { killTree, type ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { pickErrorLine, ProgressReader, type FfmpegProgress } from '../encoder/progress.js';
import { BoundedReader } from '../media/bounded-reader.js';
import type { PathReader } from '../media/types.js';
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

export interface RecorderTiming {
  /** Size, progress and split checks. */
  pollMs: number;
  diskCheckMs: number;
  /** stop(): how long ffmpeg may take to finish its file after its input ended, before SIGKILL. */
  stopGraceMs: number;
  /** Delay before each new file after an unexpected ffmpeg exit (the last one repeats). */
  backoffMs: number[];
  /** This many unexpected exits within failureWindowMs and the recording gives up. */
  maxFailures: number;
  failureWindowMs: number;
}

export const DEFAULT_RECORDER_TIMING: RecorderTiming = {
  pollMs: 2000,
  diskCheckMs: 5000,
  stopGraceMs: 5000,
  backoffMs: [500, 2000, 5000],
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
  child: ChildProcess;
  reader: BoundedReader;
  stderr: string;
  last: FfmpegProgress | undefined;
  /** When its first frame arrived; undefined while it waits for a keyframe. */
  mediaStartedAt: number | undefined;
  /** The outcome we asked for by ending its input (stop, split, disk full). */
  requested: RequestedOutcome | undefined;
  fatal: string | undefined;
  timers: NodeJS.Timeout[];
  exited: Promise<void>;
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
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly tap: SplitTap;
  private readonly runs = new Set<FileRun>();
  private active: FileRun | undefined;
  private pending: FileRun | undefined;
  private detach: (() => void) | undefined;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private stopping: Promise<void> | undefined;
  private failures: number[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private diskTimer: NodeJS.Timeout | undefined;
  private checkingDisk = false;

  constructor(private readonly options: RecorderOptions) {
    this.timing = { ...DEFAULT_RECORDER_TIMING, ...options.timing };
    this.log = options.logger.child({ recorder: options.stream });
    this.now = options.now ?? Date.now;
    this.tap = new SplitTap(`recorder:${options.stream}`, {
      handedOver: (reader) => this.handedOver(reader),
      closed: (reason) => void this.stop(reason),
    });
  }

  /** The file being written (or about to be, while ffmpeg waits for a keyframe). */
  get currentFile(): RecorderFile | undefined {
    return (this.active ?? this.pending)?.file;
  }

  /** The pid of the ffmpeg writing the current file (tests, diagnostics). */
  get pid(): number | undefined {
    return (this.active ?? this.pending)?.child.pid;
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
      killTree(run.child, 'SIGKILL');
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
    void Promise.all(runs.map((r) => r.exited)).then(() => {
      this.state = 'stopped';
      this.log.info({ reason }, 'recording stopped');
      this.call(() => this.options.hooks.ended(reason));
      resolve();
    });
    return this.stopping;
  }

  private launch(): FileRun {
    const file = this.options.hooks.newFile();
    const child = this.options.children.spawn(this.options.ffmpegPath, recorderArgs({ container: file.container, output: file.path }), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let resolveExited!: () => void;
    const run: FileRun = {
      file,
      child,
      reader: new BoundedReader({
        id: `recorder:${this.options.stream}:${file.id}`,
        sink: child.stdin!,
        logger: this.log,
        maxBytes: this.options.readerMaxBytes,
      }),
      stderr: '',
      last: undefined,
      mediaStartedAt: undefined,
      requested: undefined,
      fatal: undefined,
      timers: [],
      exited: new Promise((resolve) => (resolveExited = resolve)),
    };
    this.runs.add(run);
    const progress = new ProgressReader((block) => (run.last = block));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => progress.push(text));
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      run.stderr = (run.stderr + text).slice(-16 * 1024);
    });
    let done = false;
    const exited = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
      if (done) return;
      done = true;
      if (error) run.fatal = `could not start ffmpeg: ${error.message}`;
      this.onExit(run, code, signal);
      resolveExited();
    };
    child.once('error', (error) => exited(null, null, error));
    child.once('close', (code, signal) => exited(code, signal));
    this.log.info({ pid: child.pid, file: file.path }, 'recording file started');
    this.pending = run;
    this.tap.handOver(run.reader);
    return run;
  }

  private handedOver(reader: PathReader): void {
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
  }

  private onExit(run: FileRun, code: number | null, signal: NodeJS.Signals | null): void {
    this.runs.delete(run);
    this.tap.drop(run.reader);
    for (const timer of run.timers) clearTimeout(timer);
    const wasActive = this.active === run;
    if (wasActive) this.active = undefined;
    if (this.pending === run) this.pending = undefined;
    const crash = run.fatal ?? (signal ? `ffmpeg was killed by ${signal}` : `ffmpeg exited with code ${code ?? '?'}: ${pickErrorLine(run.stderr) ?? 'no error message'}`);
    const clean = code === 0 && !run.fatal;
    // Disk full stays `failed` however ffmpeg ended; otherwise a clean exit is complete, any other interrupted.
    const outcome: Omit<FileOutcome, 'started'> =
      run.requested?.state === 'failed' ? run.requested : clean ? { state: 'complete', error: null } : { state: 'interrupted', error: crash };
    const started = run.mediaStartedAt !== undefined;
    if (outcome.state !== 'complete') this.log.warn({ file: run.file.path, error: outcome.error, stderr: run.stderr.slice(-2000) }, 'recording file ended abnormally');
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
    const now = this.now();
    this.failures = [...this.failures.filter((t) => now - t < this.timing.failureWindowMs), now];
    const count = this.failures.length;
    if (count >= this.timing.maxFailures) {
      const why = `${reason} (${count} failures within ${Math.round(this.timing.failureWindowMs / 1000)} s)`;
      void this.stop(why);
      return;
    }
    // A failed split leaves the current file going: the next poll tries again.
    if (!wasActive || this.pending || this.restartTimer) return;
    const delay = this.timing.backoffMs[Math.min(count - 1, this.timing.backoffMs.length - 1)] ?? 1000;
    this.log.warn({ reason, failures: count, restartInMs: delay }, 'recording ffmpeg died: going on in a new file');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state === 'running' && !this.pending) this.safeLaunch();
    }, delay);
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
    if (run.timers.length > 0) return;
    const stdin = run.child.stdin;
    run.timers.push(
      setTimeout(() => {
        // A reader stuck waiting for 'drain': end stdin ourselves.
        if (stdin && !stdin.writableEnded) stdin.end();
      }, this.timing.stopGraceMs / 2),
      setTimeout(() => {
        this.log.warn({ pid: run.child.pid }, 'recording ffmpeg did not finish in time: killing it');
        killTree(run.child, 'SIGKILL');
      }, this.timing.stopGraceMs),
    );
  }

  private poll(): void {
    const run = this.active;
    if (this.state !== 'running' || !run || run.mediaStartedAt === undefined) return;
    const sizeBytes = fs.statSync(run.file.path, { throwIfNoEntry: false })?.size ?? 0;
    const elapsedSec = (this.now() - run.mediaStartedAt) / 1000;
    const outSec = run.last?.outTimeUs != null && run.last.outTimeUs > 0 ? run.last.outTimeUs / 1e6 : elapsedSec;
    this.call(() => this.options.hooks.progress(run.file, { durationSec: Math.round(outSec * 10) / 10, sizeBytes }));
    if (this.pending || this.restartTimer) return;
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
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.pollTimer = undefined;
    this.diskTimer = undefined;
    this.restartTimer = undefined;
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.log.error({ err: error }, 'recorder hook failed');
    }
  }
}
