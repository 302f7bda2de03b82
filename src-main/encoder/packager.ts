import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Rendition } from '../../src-shared/contract/streams.js';
import { killTree, type ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { BoundedReader, type ByteSink } from '../media/bounded-reader.js';
import type { PathReader } from '../media/types.js';
import type { FfmpegCaps } from './capabilities.js';
import type { AudioPlan, EncoderChoice } from './ladder.js';
import { chunkFile, MANIFEST_FILE, MASTER_FILE, packagerArgs, streamCount } from './packager-args.js';
import { pickErrorLine, watchFfmpeg, type FfmpegProgress } from './progress.js';

export interface PackagerSupervision {
  /** Delay before the 1st, 2nd, 3rd... restart within the failure window (the last one repeats). */
  backoffMs: number[];
  /** This many unexpected exits within failureWindowMs and the packager gives up. */
  maxFailures: number;
  failureWindowMs: number;
  /** stop(): how long ffmpeg may take to finalise after its stdin closed, before SIGKILL. */
  stopGraceMs: number;
  readyPollMs: number;
}

export const DEFAULT_SUPERVISION: PackagerSupervision = {
  backoffMs: [500, 1000, 2000, 4000],
  maxFailures: 3,
  failureWindowMs: 30_000,
  stopGraceMs: 3000,
  readyPollMs: 250,
};

/** A reader the packager can ask for its drop count (BoundedReader is one). */
export interface PackagerReader extends PathReader {
  toJSON?(): { dropped: { chunks: number } };
}

export type ReaderFactory = (options: { id: string; sink: ByteSink; logger: Logger; maxBytes?: number }) => PackagerReader;

export interface PackagerOptions {
  name: string;
  /** A fresh folder per live session (created if missing). */
  outDir: string;
  /**
   * The folder of a restarted run. ffmpeg's dash muxer always numbers from 1, so a restart into the
   * same folder would overwrite segments players already hold; a new folder lets the playlists go on
   * with a discontinuity instead. Without it, restarts reuse outDir.
   */
  outDirFor?: (attempt: number) => string;
  renditions: readonly Rendition[];
  encoder: EncoderChoice;
  segmentSeconds: number;
  windowSegments: number;
  extraWindowSegments?: number;
  children: Pick<ChildRegistry, 'spawn'>;
  logger: Logger;
  ffmpegPath: string;
  /** Adds a reader to the stream's Path (which replays header, metadata, sequence headers and the current GOP); returns its detach. */
  attach: (reader: PathReader) => () => void;
  fps?: number;
  /** The audio track (see audioPlan); null when the source has none. Defaults to AAC at 128 kbps. */
  audio?: AudioPlan | null;
  aspect?: { width: number; height: number };
  utcTimingUrl?: string;
  /** Bound of the reader's queue in front of ffmpeg's stdin. */
  readerMaxBytes?: number;
  createReader?: ReaderFactory;
  supervision?: Partial<PackagerSupervision>;
  /** What the found ffmpeg accepts (capabilities.ts); a current ffmpeg when omitted. */
  caps?: FfmpegCaps;
}

export type PackagerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped' | 'failed';

export interface PackagerProgress {
  fps: number | null;
  speed: number | null;
  restarts: number;
  outTimeSec: number | null;
  dropFrames: number;
  dupFrames: number;
  /** Every rendition has its first segment and both manifests exist (this run). */
  ready: boolean;
  state: PackagerState;
}

interface Run {
  attempt: number;
  outDir: string;
  child: ChildProcess;
  reader: PackagerReader | undefined;
  detach: (() => void) | undefined;
  startedAt: number;
  stderr: string;
  ready: boolean;
  exited: Promise<void>;
}

type Listener<T extends unknown[]> = (...args: T) => void;

const defaultReader: ReaderFactory = (options) => new BoundedReader(options);

/**
 * One live session's packager: one supervised ffmpeg turning the Path's FLV into HLS + DASH.
 * An unexpected exit detaches its reader and restarts ffmpeg with backoff and a fresh reader; after
 * maxFailures exits within the window it gives up and reports onFailed. A clean exit (code 0: the
 * publisher ended and the reader closed ffmpeg's stdin) ends the session: onEnded.
 */
export class Packager {
  readonly args: readonly string[];
  private readonly options: PackagerOptions;
  private readonly supervision: PackagerSupervision;
  private readonly logger: Logger;
  private state: PackagerState = 'idle';
  private run: Run | undefined;
  private attempt = 0;
  private restarts = 0;
  private failures: number[] = [];
  private droppedBefore = 0;
  private last: FfmpegProgress | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private everReady = false;
  private readonly listeners = {
    ready: new Set<Listener<[]>>(),
    failed: new Set<Listener<[string]>>(),
    ended: new Set<Listener<[string]>>(),
    progress: new Set<Listener<[PackagerProgress]>>(),
  };

  constructor(options: PackagerOptions) {
    this.options = options;
    this.supervision = { ...DEFAULT_SUPERVISION, ...options.supervision };
    this.logger = options.logger.child({ packager: options.name });
    // PackagerOptions carries every packagerArgs option under the same names.
    this.args = packagerArgs(options);
  }

  get progress(): PackagerProgress {
    return {
      fps: this.last?.fps ?? null,
      speed: this.last?.speed ?? null,
      restarts: this.restarts,
      outTimeSec: this.last?.outTimeUs != null ? this.last.outTimeUs / 1e6 : null,
      dropFrames: this.last?.dropFrames ?? 0,
      dupFrames: this.last?.dupFrames ?? 0,
      ready: this.run?.ready ?? false,
      state: this.state,
    };
  }

  /** Chunks the readers dropped because ffmpeg fell behind, over every run. */
  get droppedChunks(): number {
    return this.droppedBefore + readerDropped(this.run?.reader);
  }

  /** The running ffmpeg's pid (tests, diagnostics). */
  get pid(): number | undefined {
    return this.run?.child.pid;
  }

  onReady(listener: () => void): () => void {
    return this.listen(this.listeners.ready, listener);
  }

  onFailed(listener: (reason: string) => void): () => void {
    return this.listen(this.listeners.failed, listener);
  }

  /** ffmpeg finished on its own: its input ended (the publisher left and the Path closed the reader). */
  onEnded(listener: (reason: string) => void): () => void {
    return this.listen(this.listeners.ended, listener);
  }

  onProgress(listener: (progress: PackagerProgress) => void): () => void {
    return this.listen(this.listeners.progress, listener);
  }

  start(): void {
    if (this.state !== 'idle') throw new Error(`packager ${this.options.name} was already started`);
    fs.mkdirSync(this.options.outDir, { recursive: true });
    this.logger.info({ outDir: this.options.outDir, renditions: this.options.renditions.map((r) => r.id), encoder: this.options.encoder.name }, 'packager starting');
    this.logger.debug({ args: this.args }, 'ffmpeg arguments');
    this.launch();
  }

  /** Detaches, closes ffmpeg's stdin so that it finalises (ENDLIST, static MPD), SIGKILLs it after the grace period. */
  stop(reason: string): Promise<void> {
    if (this.stopping) return this.stopping;
    if (this.state === 'idle' || this.state === 'stopped' || this.state === 'failed') {
      if (this.state === 'idle') this.state = 'stopped';
      return Promise.resolve();
    }
    this.state = 'stopping';
    this.clearTimers();
    const run = this.run;
    this.stopping = run ? this.finish(run, reason) : Promise.resolve();
    return this.stopping.then(() => {
      this.state = 'stopped';
      this.logger.info({ reason }, 'packager stopped');
    });
  }

  private async finish(run: Run, reason: string): Promise<void> {
    this.detach(run);
    // The reader flushes what it holds, then ends ffmpeg's stdin.
    run.reader?.close(reason);
    const stdin = run.child.stdin;
    const endTimer = setTimeout(() => {
      // A reader stuck waiting for 'drain': end stdin ourselves.
      if (stdin && !stdin.writableEnded) stdin.end();
    }, Math.min(1000, this.supervision.stopGraceMs / 2));
    const killTimer = setTimeout(() => {
      this.logger.warn({ pid: run.child.pid }, 'ffmpeg did not finish in time: killing it');
      killTree(run.child, 'SIGKILL');
    }, this.supervision.stopGraceMs);
    await run.exited;
    clearTimeout(endTimer);
    clearTimeout(killTimer);
  }

  private launch(): void {
    const { children, ffmpegPath } = this.options;
    const attempt = ++this.attempt;
    const outDir = attempt > 1 && this.options.outDirFor ? this.options.outDirFor(attempt) : this.options.outDir;
    let child: ChildProcess;
    try {
      if (outDir !== this.options.outDir) fs.mkdirSync(outDir, { recursive: true });
      const args = outDir === this.options.outDir ? this.args : packagerArgs({ ...this.options, outDir });
      child = children.spawn(ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      this.fail(`could not start ffmpeg: ${(error as Error).message}`);
      return;
    }
    // The callbacks run on later events, by when `run` below exists.
    const exited = watchFfmpeg(child, {
      onBlock: (block) => this.onBlock(run, block),
      onStderr: (tail) => (run.stderr = tail),
      stderrMax: 32 * 1024,
      onExit: (code, signal, error) => this.onExit(run, code, signal, error),
      logger: this.logger.child({ attempt }),
    });
    const run: Run = { attempt, outDir, child, reader: undefined, detach: undefined, startedAt: Date.now(), stderr: '', ready: false, exited };
    this.run = run;
    this.last = undefined;
    if (this.state !== 'stopping') this.state = 'starting';
    if (!child.stdin) return;

    const reader = (this.options.createReader ?? defaultReader)({
      id: `packager:${this.options.name}#${attempt}`,
      sink: child.stdin,
      logger: this.logger,
      maxBytes: this.options.readerMaxBytes,
    });
    run.reader = reader;
    try {
      run.detach = this.options.attach(reader);
    } catch (error) {
      this.logger.error({ err: error }, 'could not attach the packager to the stream');
      killTree(child, 'SIGKILL');
      this.fail(`could not attach to the stream: ${(error as Error).message}`);
      return;
    }
    this.logger.info({ pid: child.pid, attempt }, 'ffmpeg started');
    this.schedulePoll(run);
  }

  private onBlock(run: Run, block: FfmpegProgress): void {
    if (this.run !== run) return;
    this.last = block;
    this.emit(this.listeners.progress, this.progress);
  }

  private onExit(run: Run, code: number | null, signal: NodeJS.Signals | null, error?: Error): void {
    this.detach(run);
    run.reader?.close('ffmpeg exited');
    this.droppedBefore += readerDropped(run.reader);
    run.reader = undefined;
    if (this.run === run) this.run = undefined;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return;
    if (error) {
      // The binary is missing or not executable: retrying changes nothing.
      this.fail(`could not start ffmpeg: ${error.message}`);
      return;
    }
    if (code === 0) {
      this.state = 'stopped';
      this.logger.info('ffmpeg finished: its input ended');
      this.emit(this.listeners.ended, 'input ended');
      return;
    }
    const reason = signal
      ? `ffmpeg was killed by ${signal}`
      : `ffmpeg exited with code ${code ?? '?'}: ${pickErrorLine(run.stderr) ?? 'no error message'}`;
    const now = Date.now();
    this.failures = [...this.failures.filter((t) => now - t < this.supervision.failureWindowMs), now];
    const count = this.failures.length;
    if (count >= this.supervision.maxFailures) {
      this.fail(`${reason} (${count} failures within ${Math.round(this.supervision.failureWindowMs / 1000)} s)`);
      return;
    }
    const backoff = this.supervision.backoffMs;
    const delay = backoff[Math.min(count - 1, backoff.length - 1)] ?? 1000;
    this.logger.warn({ reason, failures: count, restartInMs: delay, stderr: run.stderr.slice(-2000) }, 'ffmpeg exited unexpectedly: restarting');
    this.state = 'restarting';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state !== 'restarting') return;
      this.restarts++;
      this.launch();
    }, delay);
  }

  private fail(reason: string): void {
    if (this.state === 'failed') return;
    this.clearTimers();
    this.state = 'failed';
    const run = this.run;
    if (run) {
      this.detach(run);
      if (run.child.exitCode === null && run.child.signalCode === null) killTree(run.child, 'SIGKILL');
    }
    this.logger.error({ reason }, 'packager failed');
    this.emit(this.listeners.failed, reason);
  }

  private detach(run: Run): void {
    const detach = run.detach;
    run.detach = undefined;
    if (!detach) return;
    try {
      detach();
    } catch (error) {
      this.logger.warn({ err: error }, 'detaching the packager reader failed');
    }
  }

  /** Polls the output folder until this run has written both manifests and a first segment per stream. */
  private schedulePoll(run: Run): void {
    this.pollTimer = setTimeout(() => {
      void this.checkReady(run).then((ready) => {
        if (this.run !== run || (this.state !== 'starting' && this.state !== 'running')) return;
        if (!ready) return this.schedulePoll(run);
        run.ready = true;
        this.state = 'running';
        this.logger.info({ attempt: run.attempt, ms: Date.now() - run.startedAt }, 'packager ready');
        if (!this.everReady) {
          this.everReady = true;
          this.emit(this.listeners.ready);
        }
      });
    }, this.supervision.readyPollMs);
  }

  private async checkReady(run: Run): Promise<boolean> {
    const { outDir } = run;
    const streams = streamCount({ renditions: this.options.renditions, audio: this.options.audio });
    const files = [MASTER_FILE, MANIFEST_FILE, ...Array.from({ length: streams }, (_, i) => chunkFile(i, 1))];
    // After a restart the old run's files are still there: only what this run wrote counts.
    const since = run.startedAt - 1000;
    const stats = await Promise.all(files.map((f) => fs.promises.stat(path.join(outDir, f)).catch(() => undefined)));
    return stats.every((s) => s !== undefined && s.mtimeMs >= since);
  }

  private clearTimers(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.restartTimer = undefined;
    this.pollTimer = undefined;
  }

  private listen<T extends unknown[]>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
    set.add(listener);
    return () => set.delete(listener);
  }

  private emit<T extends unknown[]>(set: Set<Listener<T>>, ...args: T): void {
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        this.logger.error({ err: error }, 'packager listener failed');
      }
    }
  }
}

function readerDropped(reader: PackagerReader | undefined): number {
  return reader?.toJSON?.().dropped.chunks ?? 0;
}
