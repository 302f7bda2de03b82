import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { killTree, type ChildRegistry } from '../core/children.js';
import { obsCommand, obsLogTail, writeObsHome, type ObsHomeOptions } from './obs-home.js';
import { monotonicMs } from '../core/clock.js';

/**
 * One OBS Studio under `xvfb-run -a`, in its own process group with its own HOME. Stopped with
 * SIGINT to OBS itself (it saves its scenes and exits in ~2 s; xvfb-run then stops Xvfb), then
 * SIGKILL to the whole group for whatever is left: no orphans.
 */
export interface ObsProcessOptions extends ObsHomeOptions {
  home: string;
  obsPath?: string;
  /** Where OBS (xvfb-run) is spawned: the host's ChildRegistry, or a test's. */
  children: Pick<ChildRegistry, 'spawn'>;
  env?: NodeJS.ProcessEnv;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The PIDs of `pid`'s direct children (Linux /proc). */
function childPids(pid: number): number[] {
  let out: string;
  try {
    out = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return [];
  }
  return out
    .split(/\s+/)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

/** The command name of `pid` (Linux /proc), '' when it is gone. */
function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export class ObsProcess {
  private child: ChildProcess | undefined;
  private output = '';
  private exited: Promise<void> = Promise.resolve();
  private spawnError: Error | undefined;

  constructor(private readonly options: ObsProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Settles when the current run ends (exit, or a failed spawn). */
  get whenExited(): Promise<void> {
    return this.exited;
  }

  get running(): boolean {
    return this.child !== undefined && this.spawnError === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The PID of the OBS binary itself (a child of xvfb-run), or undefined while it is not up. */
  obsPid(): number | undefined {
    if (!this.child?.pid) return undefined;
    return childPids(this.child.pid).find((pid) => commandOf(pid) === 'obs');
  }

  /** Writes the profile, starts OBS and resolves when its websocket port accepts connections. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.running) return;
    const o = this.options;
    writeObsHome(o.home, o);
    const cmd = obsCommand({ ...o, ...(o.obsPath ? { obsPath: o.obsPath } : {}) });
    const env = { ...(o.env ?? process.env), HOME: o.home, XDG_CONFIG_HOME: `${o.home}/.config`, QT_QPA_PLATFORM: 'xcb' };
    const child = o.children.spawn(cmd.file, cmd.args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    this.spawnError = undefined;
    const keep = (d: Buffer): void => {
      this.output = (this.output + d.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      // A run however it ended leaves nothing of its group: xvfb-run's trap only signals Xvfb and does
      // not wait, so an Xvfb slow to go outlived a crashed OBS's run (found by a test, minutes later).
      const ended = (): void => {
        killTree(child, 'SIGKILL');
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) ended();
      else child.once('exit', ended);
      // xvfb-run missing: no exit follows the spawn error.
      child.once('error', (error) => {
        this.spawnError = error;
        resolve();
      });
    });
    const deadline = monotonicMs() + timeoutMs;
    while (monotonicMs() < deadline) {
      const spawnError = this.spawnError as Error | undefined;
      if (spawnError) throw new Error(`cannot run ${cmd.file} (${spawnError.message}): install xvfb and obs-studio`);
      if (!this.running) throw new Error(`OBS exited before its websocket opened:\n${this.output}\n${obsLogTail(o.home)}`);
      if (await portOpen(o.websocketPort)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.stop();
    throw new Error(`OBS websocket did not open on port ${o.websocketPort} within ${timeoutMs} ms:\n${this.output}\n${obsLogTail(o.home)}`);
  }

  /** SIGINT to OBS (clean save), then SIGKILL to the group after `graceMs`. */
  async stop(graceMs = 8000): Promise<void> {
    const child = this.child;
    if (!child?.pid || !this.running) return;
    const obs = this.obsPid();
    try {
      if (obs) process.kill(obs, 'SIGINT');
      else process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs));
    if ((await Promise.race([this.exited.then(() => 'exited' as const), timer])) === 'timeout') this.killGroup('SIGKILL');
    // The run's end empties its group (Xvfb may outlive xvfb-run): see start.
    await this.exited;
  }

  /** SIGKILL to OBS alone (a crash, as the tests simulate one); xvfb-run and Xvfb then exit. */
  async crash(): Promise<void> {
    const obs = this.obsPid();
    if (obs) process.kill(obs, 'SIGKILL');
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    this.killGroup('SIGKILL');
    await this.exited;
  }

  log(): string {
    return `${this.output}\n${obsLogTail(this.options.home)}`;
  }

  private killGroup(signal: NodeJS.Signals): void {
    if (this.child) killTree(this.child, signal);
  }
}
