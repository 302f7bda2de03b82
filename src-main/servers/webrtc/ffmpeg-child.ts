import type { ChildProcess } from 'node:child_process';
import { killTree, type ChildRegistry } from '../../core/children.js';
import { pickErrorLine } from '../../encoder/progress.js';

const KILL_GRACE_MS = 2000;

/**
 * One ffmpeg owned by a WebRTC session (Opus encoder of a bridged stream, RTP-to-FLV of a WHIP
 * publisher): spawned through the ChildRegistry, a bounded stderr tail, one exit callback for an exit
 * that was not asked for, and a stop that escalates to SIGKILL.
 */
export class FfmpegChild {
  private stopped = false;
  private stderr = '';
  readonly exited: Promise<void>;

  constructor(
    readonly child: ChildProcess,
    onUnexpectedExit: (reason: string) => void,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4000);
    });
    child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      let done = false;
      const exit = (what: string): void => {
        if (done) return;
        done = true;
        resolve();
        if (!this.stopped) onUnexpectedExit(`ffmpeg exited (${what})${this.lastError ? `: ${this.lastError}` : ''}`);
      };
      child.once('error', (error) => exit(error.message));
      child.once('close', (code, signal) => exit(signal ?? `code ${code}`));
    });
  }

  static spawn(children: ChildRegistry, command: string, args: string[], onUnexpectedExit: (reason: string) => void): FfmpegChild {
    return new FfmpegChild(children.spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] }), onUnexpectedExit);
  }

  get lastError(): string | undefined {
    return pickErrorLine(this.stderr);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const { child } = this;
    if (child.exitCode !== null || child.signalCode !== null) return this.exited;
    child.stdin?.destroy();
    killTree(child, 'SIGTERM');
    const escalate = setTimeout(() => killTree(child, 'SIGKILL'), KILL_GRACE_MS);
    escalate.unref();
    await this.exited;
    clearTimeout(escalate);
  }
}
