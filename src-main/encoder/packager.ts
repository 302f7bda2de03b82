import fs from 'node:fs';
import path from 'node:path';
import type { Rendition } from '../../src-shared/contract/streams.js';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { describeFailures, Supervisor, type RestartPolicy } from '../core/supervisor.js';
import { BoundedReader, type ByteSink } from '../media/bounded-reader.js';
import type { PathReader } from '../media/types.js';
import type { FfmpegCaps } from './capabilities.js';
import type { AudioPlan, EncoderChoice } from './ladder.js';
import { FfmpegRunner, type FfmpegExit } from './ffmpeg-runner.js';
import { chunkFile, MANIFEST_FILE, MASTER_FILE, packagerArgs, streamCount } from './packager-args.js';
import { LL_FIRST_FD, llPackagerArgs } from './ll-packager-args.js';
import type { FfmpegProgress } from './progress.js';
import { detachOnce } from '../core/lifecycle.js';

/** maxFailures unexpected exits within failureWindowMs and the packager gives up; each restart waits for the backoff. */
export interface PackagerSupervision extends RestartPolicy {
  failureWindowMs: number;
  /** stop(): how long ffmpeg may take to finalise after its stdin closed, before SIGKILL. */
  stopGraceMs: number;
  readyPollMs: number;
}

export const DEFAULT_SUPERVISION: PackagerSupervision = {
  // 500, 1000, 2000, 4000 ms, the last one repeating.
  backoff: { baseMs: 500, maxMs: 4000, jitter: 0 },
  maxFailures: 3,
  failureWindowMs: 30_000,
  stopGraceMs: 3000,
  readyPollMs: 250,
};

/** A reader the packager can ask for its drop count (BoundedReader is one). */
export interface PackagerReader extends PathReader {
  toJSON?(): { dropped: { chunks: number } };
}

/**
 * Where a low-latency run's tracks go: one fragmented-MP4 byte stream per track (the segmenter's
 * side, servers/hls/ll/). Opened once per ffmpeg run with that run's session folder.
 */
export interface LowLatencySink {
  openRun(outDir: string): LowLatencyRun;
}

export interface LowLatencyRun {
  data(track: number, chunk: Buffer): void;
  /** ffmpeg exited: what it held back is flushed, segments in progress complete. */
  end(): void;
  /** Every track has produced a part. */
  readonly ready: boolean;
}

/**
 * One run's ffmpeg, wherever it runs: here (a child process), or on a runner (runners/live-ladder.ts)
 * that takes the FLV over a socket and sends the tracks back. The packager feeds `stdin`, reads each
 * track, and supervises the run the same way in both places.
 */
export interface LadderProcess {
  /** Where it runs: "origin", or the runner's name. */
  readonly where: string;
  /** The local child's pid; undefined on a runner. */
  readonly pid: number | undefined;
  readonly stdin: ByteSink | null;
  /** The low-latency tracks, in order (fd 3 + track locally). */
  readonly tracks: readonly (NodeJS.ReadableStream | null)[];
  /** The newest stderr. */
  readonly stderr: string;
  finish(graceMs: number, endStdinAfterMs: number, onKill?: () => void): Promise<void>;
  kill(): void;
  /** Why an unexpected exit happened, for logs and states. */
  reason(exit: FfmpegExit): string;
}

export interface LadderCallbacks {
  onProgress: (block: FfmpegProgress) => void;
  onExit: (exit: FfmpegExit) => void;
  logger: Logger;
}

/**
 * Places one run of a low-latency ladder elsewhere (a runner), or returns undefined to run it here.
 * Asked again at every restart: a run lost with its runner comes back on another one or here.
 */
export type LadderLauncher = (run: { attempt: number; args: readonly string[]; tracks: number }, callbacks: LadderCallbacks) => LadderProcess | undefined;

/** A local ffmpeg as a LadderProcess. */
function localLadder(ffmpeg: FfmpegRunner, tracks: number): LadderProcess {
  const stdio = ffmpeg.child.stdio;
  return {
    where: 'origin',
    get pid() {
      return ffmpeg.pid;
    },
    stdin: ffmpeg.child.stdin,
    tracks: Array.from({ length: tracks }, (_, i) => (stdio[LL_FIRST_FD + i] ?? null) as NodeJS.ReadableStream | null),
    get stderr() {
      return ffmpeg.stderr;
    },
    finish: (graceMs, endStdinAfterMs, onKill) => ffmpeg.finish(graceMs, endStdinAfterMs, onKill),
    kill: () => ffmpeg.kill(),
    reason: (exit) => ffmpeg.reason(exit),
  };
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
  /** The first video and audio frame (FLV ms) fed to the run writing into `outDir`: where its decode times start (servers/hls/segment-times.ts). */
  onFirstMedia?: (outDir: string, kind: 'video' | 'audio', mediaTime: number) => void;
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
  /** Low latency: tracks go to pipes and our segmenter instead of ffmpeg's dash muxer. */
  lowLatency?: LowLatencySink;
  /** Low latency only: where each run's ffmpeg runs (a runner), asked at every (re)start; here when absent or undefined. */
  launcher?: LadderLauncher;
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
  /** Where the current run encodes: "origin" or a runner's name; null between runs. */
  encodedOn: string | null;
}

interface Run {
  attempt: number;
  outDir: string;
  ffmpeg: LadderProcess;
  reader: PackagerReader | undefined;
  detach: (() => void) | undefined;
  startedAt: number;
  ready: boolean;
  sink: LowLatencyRun | undefined;
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
  private readonly supervisor: Supervisor;
  private readonly logger: Logger;
  private state: PackagerState = 'idle';
  private run: Run | undefined;
  private attempt = 0;
  private droppedBefore = 0;
  private last: FfmpegProgress | undefined;
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
    this.supervisor = new Supervisor(this.supervision);
    this.logger = options.logger.child({ packager: options.name });
    // PackagerOptions carries every packagerArgs option under the same names.
    this.args = options.lowLatency ? llPackagerArgs(options) : packagerArgs(options);
  }

  get progress(): PackagerProgress {
    return {
      fps: this.last?.fps ?? null,
      speed: this.last?.speed ?? null,
      restarts: this.supervisor.counters.restarts,
      outTimeSec: this.last?.outTimeUs != null ? this.last.outTimeUs / 1e6 : null,
      dropFrames: this.last?.dropFrames ?? 0,
      dupFrames: this.last?.dupFrames ?? 0,
      ready: this.run?.ready ?? false,
      state: this.state,
      encodedOn: this.run?.ffmpeg.where ?? null,
    };
  }

  /** Chunks the readers dropped because ffmpeg fell behind, over every run. */
  get droppedChunks(): number {
    return this.droppedBefore + readerDropped(this.run?.reader);
  }

  /** The running ffmpeg's pid (tests, diagnostics); undefined when it runs on a runner. */
  get pid(): number | undefined {
    return this.run?.ffmpeg.pid;
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
    this.supervisor.stop();
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
    const grace = this.supervision.stopGraceMs;
    await run.ffmpeg.finish(grace, Math.min(1000, grace / 2), () => this.logger.warn({ pid: run.ffmpeg.pid }, 'ffmpeg did not finish in time: killing it'));
  }

  private launch(): void {
    const { children, ffmpegPath } = this.options;
    const attempt = ++this.attempt;
    const outDir = attempt > 1 && this.options.outDirFor ? this.options.outDirFor(attempt) : this.options.outDir;
    let ffmpeg: LadderProcess;
    try {
      if (outDir !== this.options.outDir) fs.mkdirSync(outDir, { recursive: true });
      const args = outDir === this.options.outDir || this.options.lowLatency ? this.args : packagerArgs({ ...this.options, outDir });
      const tracks = this.options.lowLatency ? streamCount({ renditions: this.options.renditions, audio: this.options.audio }) : 0;
      // The callbacks run on later events, by when `run` below exists.
      const callbacks: LadderCallbacks = {
        onProgress: (block) => this.onBlock(run, block),
        onExit: (exit) => this.onExit(run, exit),
        logger: this.logger.child({ attempt }),
      };
      const remote = this.options.lowLatency ? this.options.launcher?.({ attempt, args, tracks }, callbacks) : undefined;
      ffmpeg =
        remote ??
        localLadder(
          FfmpegRunner.start(children, ffmpegPath, args, {
            stdio: ['pipe', 'pipe', 'pipe', ...Array.from({ length: tracks }, () => 'pipe' as const)],
            stderrMax: 32 * 1024,
            ...callbacks,
          }),
          tracks,
        );
    } catch (error) {
      this.fail(`could not start ffmpeg: ${(error as Error).message}`);
      return;
    }
    this.supervisor.starting();
    const run: Run = { attempt, outDir, ffmpeg, reader: undefined, detach: undefined, startedAt: Date.now(), ready: false, sink: undefined };
    this.run = run;
    if (this.options.lowLatency) this.connectTracks(run, this.options.lowLatency);
    this.last = undefined;
    if (this.state !== 'stopping') this.state = 'starting';
    const stdin = ffmpeg.stdin;
    if (!stdin) return;

    const reader = (this.options.createReader ?? defaultReader)({
      id: `packager:${this.options.name}#${attempt}`,
      sink: stdin,
      logger: this.logger,
      maxBytes: this.options.readerMaxBytes,
    });
    run.reader = reader;
    try {
      run.detach = this.options.attach(this.noteFirstMedia(reader, outDir));
    } catch (error) {
      this.logger.error({ err: error }, 'could not attach the packager to the stream');
      ffmpeg.kill();
      this.fail(`could not attach to the stream: ${(error as Error).message}`);
      return;
    }
    this.logger.info({ pid: ffmpeg.pid, attempt, where: ffmpeg.where }, 'ffmpeg started');
    this.schedulePoll(run);
  }

  /** The reader, telling onFirstMedia the first frame of each kind it passes on. */
  private noteFirstMedia(reader: PathReader, outDir: string): PathReader {
    const tell = this.options.onFirstMedia;
    if (!tell) return reader;
    const seen = new Set<string>();
    return {
      id: reader.id,
      push: (chunk) => {
        if ((chunk.kind === 'video' || chunk.kind === 'audio') && !chunk.sequenceHeader && !seen.has(chunk.kind)) {
          seen.add(chunk.kind);
          tell(outDir, chunk.kind, chunk.timestamp);
        }
        reader.push(chunk);
      },
      close: (reason) => reader.close(reason),
    };
  }

  private connectTracks(run: Run, sink: LowLatencySink): void {
    const out = sink.openRun(run.outDir);
    run.sink = out;
    run.ffmpeg.tracks.forEach((pipe, track) => {
      pipe?.on('data', (chunk: Buffer) => {
        try {
          out.data(track, chunk);
        } catch (error) {
          // A stream the segmenter cannot read is a failed run: restart ffmpeg.
          this.logger.error({ err: error, track }, 'low-latency track unreadable: restarting ffmpeg');
          run.ffmpeg.kill();
        }
      });
      pipe?.on('error', () => undefined);
    });
  }

  private onBlock(run: Run, block: FfmpegProgress): void {
    if (this.run !== run) return;
    this.last = block;
    this.emit(this.listeners.progress, this.progress);
  }

  private onExit(run: Run, exit: FfmpegExit): void {
    this.detach(run);
    run.sink?.end();
    run.reader?.close('ffmpeg exited');
    this.droppedBefore += readerDropped(run.reader);
    run.reader = undefined;
    if (this.run === run) this.run = undefined;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.state === 'stopping' || this.state === 'stopped' || this.state === 'failed') return;
    if (exit.error) {
      // The binary is missing or not executable: retrying changes nothing.
      this.fail(run.ffmpeg.reason(exit));
      return;
    }
    if (exit.code === 0) {
      this.state = 'stopped';
      this.supervisor.stop();
      this.logger.info('ffmpeg finished: its input ended');
      this.emit(this.listeners.ended, 'input ended');
      return;
    }
    const reason = run.ffmpeg.reason(exit);
    const decision = this.supervisor.failed(() => {
      if (this.state !== 'restarting') return;
      this.launch();
    });
    if (decision.action === 'give-up') {
      this.fail(`${reason} (${describeFailures(decision.failures, this.supervision)})`);
      return;
    }
    this.logger.warn({ reason, failures: decision.failures, restartInMs: decision.delayMs, stderr: run.ffmpeg.stderr.slice(-2000) }, 'ffmpeg exited unexpectedly: restarting');
    this.state = 'restarting';
  }

  private fail(reason: string): void {
    if (this.state === 'failed') return;
    this.clearTimers();
    this.supervisor.giveUp();
    this.state = 'failed';
    const run = this.run;
    if (run) {
      this.detach(run);
      run.ffmpeg.kill();
    }
    this.logger.error({ reason }, 'packager failed');
    this.emit(this.listeners.failed, reason);
  }

  private detach(run: Run): void {
    detachOnce(run, (error) => this.logger.warn({ err: error }, 'detaching the packager reader failed'));
  }

  /** Polls the output folder until this run has written both manifests and a first segment per stream. */
  private schedulePoll(run: Run): void {
    this.pollTimer = setTimeout(() => {
      void this.checkReady(run).then((ready) => {
        if (this.run !== run || (this.state !== 'starting' && this.state !== 'running')) return;
        if (!ready) return this.schedulePoll(run);
        run.ready = true;
        this.state = 'running';
        this.supervisor.running();
        this.logger.info({ attempt: run.attempt, ms: Date.now() - run.startedAt }, 'packager ready');
        if (!this.everReady) {
          this.everReady = true;
          this.emit(this.listeners.ready);
        }
      });
    }, this.supervision.readyPollMs);
  }

  private async checkReady(run: Run): Promise<boolean> {
    if (run.sink) return run.sink.ready;
    const { outDir } = run;
    const streams = streamCount({ renditions: this.options.renditions, audio: this.options.audio });
    const files = [MASTER_FILE, MANIFEST_FILE, ...Array.from({ length: streams }, (_, i) => chunkFile(i, 1))];
    // After a restart the old run's files are still there: only what this run wrote counts.
    const since = run.startedAt - 1000;
    const stats = await Promise.all(files.map((f) => fs.promises.stat(path.join(outDir, f)).catch(() => undefined)));
    return stats.every((s) => s !== undefined && s.mtimeMs >= since);
  }

  private clearTimers(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
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
