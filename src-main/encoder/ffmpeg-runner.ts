import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { killTree, stopChild, type ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import { pickErrorLine, ProgressReader, type FfmpegProgress } from './progress.js';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It could not be started (missing binary, not executable): retrying changes nothing. */
  error?: Error;
  /** stop() or finish() was called before it exited. */
  requested: boolean;
}

export interface FfmpegRunOptions {
  /** stdin, stdout and stderr piped when omitted. */
  stdio?: SpawnOptions['stdio'];
  /** Keep this many characters of stderr, from the end (the useful error is at the end). */
  stderrMax?: number;
  /** stdout carries `-progress pipe:1` blocks: each complete one is handed here. */
  onProgress?: (progress: FfmpegProgress) => void;
  /** Called once, on 'error' or 'close', whichever comes first. */
  onExit?: (exit: FfmpegExit) => void;
  /** Called on an exit nobody asked for (no stop, finish or kill before it), with unexpectedReason's text. */
  onUnexpectedExit?: (reason: string) => void;
  logger?: Logger;
  /** Work that may wait: below normal priority (ChildRegistry.spawn). */
  background?: boolean;
}

/**
 * One ffmpeg, started through the ChildRegistry: progress from stdout, a bounded stderr tail, a quiet
 * stdin error when ffmpeg exits first, one exit callback, and the graceful stops (stopChild). Its
 * owner keeps the domain logic (what the exit means, whether to restart: core/supervisor.ts).
 */
export class FfmpegRunner {
  readonly exited: Promise<FfmpegExit>;
  private tail = '';
  private requested = false;
  private finishing: Promise<void> | undefined;

  private constructor(
    readonly child: ChildProcess,
    options: FfmpegRunOptions,
  ) {
    const max = options.stderrMax ?? 16 * 1024;
    const onProgress = options.onProgress;
    if (onProgress) {
      const progress = new ProgressReader(onProgress);
      child.stdout?.setEncoding('utf8').on('data', (text: string) => progress.push(text));
    }
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.tail = (this.tail + text).slice(-max);
    });
    child.stdin?.on('error', (error) => options.logger?.debug({ err: error }, 'ffmpeg stdin closed'));
    this.exited = new Promise((resolve) => {
      let done = false;
      const exited = (code: number | null, signal: NodeJS.Signals | null, error?: Error): void => {
        if (done) return;
        done = true;
        const exit: FfmpegExit = { code, signal, requested: this.requested, ...(error ? { error } : {}) };
        options.onExit?.(exit);
        resolve(exit);
        if (!exit.requested) options.onUnexpectedExit?.(this.unexpectedReason(exit));
      };
      child.once('error', (error) => exited(null, null, error));
      child.once('close', (code, signal) => exited(code, signal));
    });
  }

  /** Spawns ffmpeg; throws what ChildRegistry.spawn throws (the host is stopping). */
  static start(children: Pick<ChildRegistry, 'spawn'>, command: string, args: readonly string[], options: FfmpegRunOptions = {}): FfmpegRunner {
    const child = children.spawn(command, args, { stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'], ...(options.background ? { background: true } : {}) });
    return new FfmpegRunner(child, options);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The newest stderr. */
  get stderr(): string {
    return this.tail;
  }

  /** The most useful error line of stderr so far. */
  get lastError(): string | undefined {
    return pickErrorLine(this.tail);
  }

  /** Why an unexpected exit happened, for logs and states: "ffmpeg exited with code 1: <its error>". */
  reason(exit: FfmpegExit): string {
    if (exit.error) return `could not start ffmpeg: ${exit.error.message}`;
    if (exit.signal) return `ffmpeg was killed by ${exit.signal}`;
    return `ffmpeg exited with code ${exit.code ?? '?'}: ${this.lastError ?? 'no error message'}`;
  }

  /** "ffmpeg exited (code 1): <its error>" for a child that was to run until stopped. */
  unexpectedReason(exit: FfmpegExit): string {
    const what = exit.error?.message ?? exit.signal ?? `code ${exit.code}`;
    const error = this.lastError;
    return `ffmpeg exited (${what})${error ? `: ${error}` : ''}`;
  }

  /**
   * Its input has been ended (the reader closed stdin): ffmpeg finishes its output. stdin is ended
   * after endStdinAfterMs in case the writer is stuck, SIGKILL after graceMs. Once: later calls get the same promise.
   */
  finish(graceMs: number, endStdinAfterMs: number, onKill?: () => void): Promise<void> {
    this.requested = true;
    this.finishing ??= stopChild(this.child, { signal: null, graceMs, endStdinAfterMs, exited: this.exited, ...(onKill ? { onKill } : {}) });
    return this.finishing;
  }

  /** Stops it now: stdin destroyed, SIGTERM, SIGKILL after KILL_GRACE_MS. */
  stop(): Promise<void> {
    this.requested = true;
    return stopChild(this.child, { destroyStdin: true, exited: this.exited });
  }

  /** SIGKILL at once (a failed attach, a give-up). */
  kill(): void {
    this.requested = true;
    if (this.alive) killTree(this.child, 'SIGKILL');
  }
}
