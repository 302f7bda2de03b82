import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Display } from '../../src-shared/contract/index.js';
import { killTree, stopChild, type ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF } from '../../src-shared/backoff.js';
import { Supervisor, type RestartPolicy } from '../core/supervisor.js';
import type { VirtualDisplay, VirtualDisplaySpec } from './types.js';
import { monotonicMs } from '../core/clock.js';

const START_TIMEOUT_MS = 10_000;
/**
 * Up to 5 restarts in a row (the 6th exit leaves it failed), after 1, 2, 4, 8, 16 s: no jitter, one
 * display restarts alone. Counted again from zero once its socket accepts connections.
 */
const RESTART_POLICY: RestartPolicy = { maxFailures: 6, stableMs: 0, backoff: { ...DEFAULT_BACKOFF, jitter: 0 } };

/**
 * Xvfb arguments. `-displayfd 3` lets the server pick a free display number itself (no race with other
 * X servers) and write it on fd 3; `-noreset` keeps the server's state when the last client leaves
 * (without it the pointer jumps back to the centre between input clients).
 */
export function xvfbArgs(spec: VirtualDisplaySpec, display?: number): string[] {
  return [
    ...(display === undefined ? ['-displayfd', '3'] : [`:${display}`]),
    '-screen', '0', `${spec.width}x${spec.height}x24`,
    '-nolisten', 'tcp', '-noreset', '-dpi', '96',
  ];
}

/** Waits for the display number Xvfb writes on fd 3 (a number and a newline). */
function readDisplayNumber(child: ChildProcess, stderrTail: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd3 = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
    let text = '';
    const timer = setTimeout(() => fail(new Error('Xvfb did not report its display within 10 s')), START_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(new StudioError('DISPLAY_FAILED', `${error.message}${stderrTail() ? `: ${stderrTail()}` : ''}`));
    };
    fd3?.setEncoding('utf8');
    fd3?.on('data', (chunk: string) => {
      text += chunk;
      const m = /^(\d+)\n/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`Xvfb exited (${signal ?? `code ${code}`}) before it was ready`)));
  });
}

/** Waits until the X socket of `:n` accepts connections (the server may report before it listens). */
async function waitForSocket(display: number, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const deadline = monotonicMs() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(`/tmp/.X11-unix/X${display}`);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (monotonicMs() > deadline) throw new StudioError('DISPLAY_FAILED', `the X socket of :${display} never opened`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One Xvfb server, owned through the ChildRegistry. An unexpected exit restarts it on the same display
 * number with backoff (1, 2, 4... s), up to 5 restarts in a row; then it stays `failed`.
 */
export class XvfbDisplay implements VirtualDisplay {
  private child!: ChildProcess;
  private stderr = '';
  private stopping = false;
  private readonly supervisor = new Supervisor(RESTART_POLICY, { unref: true });
  state: Display['state'] = 'running';

  private constructor(
    private readonly deps: { children: ChildRegistry; command: string; logger: Logger; onStateChange: () => void },
    readonly spec: VirtualDisplaySpec,
    private display: number,
  ) {}

  get name(): string {
    return `:${this.display}`;
  }

  static async start(
    deps: { children: ChildRegistry; command: string; logger: Logger; onStateChange: () => void },
    spec: VirtualDisplaySpec,
  ): Promise<XvfbDisplay> {
    let child: ChildProcess;
    try {
      child = deps.children.spawn(deps.command, xvfbArgs(spec), { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new StudioError('DISPLAY_FAILED', `cannot start Xvfb: ${(error as Error).message}`);
    }
    let tail = '';
    child.stderr?.setEncoding('utf8').on('data', (t: string) => (tail = (tail + t).slice(-2000)));
    let number: number;
    try {
      number = await readDisplayNumber(child, () => tail.trim().split('\n').slice(-2).join(' '));
      await waitForSocket(number);
    } catch (error) {
      killTree(child, 'SIGKILL');
      throw error instanceof StudioError ? error : new StudioError('DISPLAY_FAILED', (error as Error).message);
    }
    const display = new XvfbDisplay(deps, spec, number);
    display.adopt(child);
    display.supervisor.running();
    return display;
  }

  private adopt(child: ChildProcess): void {
    this.child = child;
    this.supervisor.starting();
    child.stderr?.on('data', (t: string | Buffer) => (this.stderr = (this.stderr + t.toString()).slice(-2000)));
    child.once('exit', (code, signal) => {
      if (this.stopping) return;
      this.deps.logger.warn({ display: this.name, code, signal, stderr: this.stderr.slice(-400) }, 'Xvfb exited unexpectedly');
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    const decision = this.supervisor.failed(() => this.restart());
    this.setState(decision.action === 'restart' ? 'restarting' : 'failed');
  }

  private restart(): void {
    if (this.stopping) return;
    try {
      const child = this.deps.children.spawn(this.deps.command, xvfbArgs(this.spec, this.display), { stdio: ['ignore', 'ignore', 'pipe'] });
      this.adopt(child);
      waitForSocket(this.display).then(
        () => {
          this.supervisor.running();
          this.setState('running');
        },
        () => undefined,
      );
    } catch {
      this.supervisor.giveUp();
      this.setState('failed');
    }
  }

  private setState(state: Display['state']): void {
    if (this.state === state) return;
    this.state = state;
    this.deps.onStateChange();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.supervisor.stop();
    await stopChild(this.child);
  }
}
