import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildLedger } from './child-ledger.js';
import type { Service } from './lifecycle.js';

/** Signals a child's whole process group (POSIX), or the child alone (Windows, or no group). */
export function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (process.platform !== 'win32' && child.pid !== undefined) {
    try {
      process.kill(-child.pid, signal);
      return;
    } catch {
      // Not a group leader (spawned with detached: false): fall back to the child itself.
    }
  }
  child.kill(signal);
}

/** How long a child asked to stop (SIGTERM, or its input ended) may take before it gets SIGKILL. */
export const KILL_GRACE_MS = 2000;

export interface StopOptions {
  /** Sent at once; null: none (the caller has ended the child's input and it finishes on its own). */
  signal?: NodeJS.Signals | null;
  /** Then SIGKILL (KILL_GRACE_MS when omitted). */
  graceMs?: number;
  /** Destroy the child's stdin before signalling (nothing more will be written to it). */
  destroyStdin?: boolean;
  /** End its stdin after this long: a writer stuck waiting for 'drain' never ends it itself. */
  endStdinAfterMs?: number;
  /** Resolves once the child is gone (its 'close' when the caller waits for its output); its 'exit' when omitted. */
  exited?: Promise<unknown>;
  /** Called right before the SIGKILL (to log it). */
  onKill?: () => void;
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * The one graceful stop: a signal (or nothing, when the caller has ended the child's input), then
 * SIGKILL of its process group when it has not exited after the grace period. Resolves on its exit.
 */
export async function stopChild(child: ChildProcess, options: StopOptions = {}): Promise<void> {
  const alive = isAlive(child);
  const exited = options.exited ?? (alive ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve());
  if (!alive) {
    await exited;
    return;
  }
  const signal = options.signal === undefined ? 'SIGTERM' : options.signal;
  if (options.destroyStdin) child.stdin?.destroy();
  if (signal) killTree(child, signal);
  const stdin = child.stdin;
  const endTimer =
    options.endStdinAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          if (stdin && !stdin.writableEnded) stdin.end();
        }, options.endStdinAfterMs);
  const killTimer = setTimeout(() => {
    if (!isAlive(child)) return;
    options.onKill?.();
    killTree(child, 'SIGKILL');
  }, options.graceMs ?? KILL_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(endTimer);
    clearTimeout(killTimer);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Work that may wait (see ChildRegistry.spawn): run below normal priority. */
  background?: boolean;
  /** Keep at most this many characters of each stream (from the end). */
  maxOutput?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** The executable `command` names (a path, or a name looked up on `PATH`), or null when there is none. */
function resolveExecutable(command: string, envPath = process.env.PATH ?? ''): string | null {
  const candidates = command.includes('/') ? [command] : envPath.split(path.delimiter).filter(Boolean).map((d) => path.join(d, command));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

export interface ChildRegistryOptions {
  /** Lists running children in the home, for the next host to reap after a SIGKILL of this one. */
  ledger?: ChildLedger;
  /**
   * util-linux's setpriv, to start children with a parent-death signal (SIGKILL), so that they die
   * with the host even when it is killed with SIGKILL. Null: children are started as they are.
   */
  setpriv?: string | null;
}

/** The parent-death launcher of this machine: setpriv on Linux where it is installed, else null. */
export function findSetpriv(): string | null {
  return process.platform === 'linux' ? resolveExecutable('setpriv') : null;
}

/** Below normal: nice 10 on POSIX, BELOW_NORMAL_PRIORITY_CLASS on Windows. */
export const BACKGROUND_PRIORITY = os.constants.priority.PRIORITY_BELOW_NORMAL;

function lowerPriority(pid: number): void {
  try {
    // Never raises one: a host that runs below normal itself keeps its children where it is.
    if (os.getPriority(pid) < BACKGROUND_PRIORITY) os.setPriority(pid, BACKGROUND_PRIORITY);
  } catch {
    // Exited already, or not allowed: it runs at normal priority.
  }
}

/**
 * Every child process the host starts is spawned through here, so that none outlives the host:
 * dispose() sends SIGTERM to all, then SIGKILL to whatever is left after the grace period. With
 * options, children also die with a host killed outright (parent-death signal), and those that do
 * not are in the ledger the next host reaps.
 */
export class ChildRegistry implements Service {
  readonly name = 'children';
  private readonly children = new Set<ChildProcess>();
  /** `PATH\0name` of the names a PATH lookup found: not walked again at every spawn. */
  private readonly onPath = new Set<string>();
  private disposed = false;

  constructor(
    private readonly killGraceMs = 3000,
    private readonly options: ChildRegistryOptions = {},
  ) {}

  get count(): number {
    return this.children.size;
  }

  /**
   * `deathSignal`: the parent-death signal (with setpriv), SIGKILL unless told. A child that must stop
   * its own children first (nginx: a SIGKILLed master leaves its workers serving, orphaned) takes TERM.
   * `background`: work that may wait (library transcodes, a recording made into a video) runs below
   * normal priority, so that on a busy machine the live show (the host, its packagers and encoders)
   * goes first; PeerTube nices its VOD transcodes the same way. Where the system refuses, it runs at
   * normal priority.
   */
  spawn(command: string, args: readonly string[], spawnOptions: SpawnOptions & { deathSignal?: 'KILL' | 'TERM'; background?: boolean } = {}): ChildProcess {
    if (this.disposed) throw new Error(`refusing to start ${command}: the host is stopping`);
    const { deathSignal = 'KILL', background = false, ...options } = spawnOptions;
    const merged: SpawnOptions = { stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32', windowsHide: true, ...options };
    const detached = merged.detached === true;
    // setpriv execs the command in place (same pid, same command line once started). Only a command
    // that exists is wrapped: a missing one still fails with ENOENT, as callers expect.
    const setpriv = this.options.setpriv;
    const wrap = setpriv && this.exists(command, options.env?.PATH ?? process.env.PATH);
    const [file, argv] = wrap ? [setpriv, ['--pdeathsig', deathSignal, '--', command, ...args]] : [command, args];
    // Own process group on POSIX, so that killing it reaches grandchildren too (sh wrappers, xvfb-run).
    const child = spawn(file, argv, merged);
    if (background && child.pid !== undefined) lowerPriority(child.pid);
    this.children.add(child);
    const ledger = this.options.ledger;
    const pid = child.pid;
    if (ledger && pid !== undefined) ledger.add(pid, [command, ...args].join(' ').slice(0, 300), detached);
    const forget = (): void => {
      this.children.delete(child);
      if (ledger && pid !== undefined) ledger.remove(pid);
    };
    child.once('exit', forget);
    child.once('error', forget);
    return child;
  }

  /**
   * Whether `command` exists (checked only for setpriv). A path is checked every time (cheap); a
   * name found on a PATH is remembered for that PATH: one that vanishes later fails in setpriv (exit 127).
   */
  private exists(command: string, envPath: string | undefined): boolean {
    if (command.includes('/')) return resolveExecutable(command) !== null;
    const key = `${envPath ?? ''}\0${command}`;
    if (this.onPath.has(key)) return true;
    const found = resolveExecutable(command, envPath) !== null;
    if (found) this.onPath.add(key);
    return found;
  }

  /** Runs a command to completion, capturing its output; kills it when the timeout passes. */
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const started = Date.now();
    const max = options.maxOutput ?? 256 * 1024;
    return new Promise((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = this.spawn(command, args, { env: options.env, cwd: options.cwd, background: options.background === true });
      } catch (error) {
        reject(error);
        return;
      }
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout = (stdout + chunk).slice(-max);
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr = (stderr + chunk).slice(-max);
      });
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              killTree(child, 'SIGKILL');
            }, options.timeoutMs);
      child.once('error', (error) => {
        if (timer) clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
      });
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const alive = [...this.children].filter(isAlive);
    await Promise.all(alive.map((child) => stopChild(child, { graceMs: this.killGraceMs })));
  }
}
