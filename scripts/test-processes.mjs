// Processes of a test stage: run one in its own process group with a wall-clock limit, and find what it
// left behind. A stage's processes are found in /proc (Linux; elsewhere nothing is found) three ways:
// the stage's process group; STREAMS_TEST_RUN=<run>:<stage> in their environment (children inherit it,
// test-support/host-process.ts cleanEnv keeps it), which finds those in groups of their own (the core
// supervisor, OBS and Playwright start children that way); and descent, polled while the stage runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const MARKER = 'STREAMS_TEST_RUN';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readProc(pid, file) {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null; // gone, or not ours to read
  }
}

/** Every live process (not a zombie): pid -> {ppid, pgrp, start}; `start` tells a reused pid apart. */
function processTable() {
  const table = new Map();
  let pids;
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return table; // not Linux: nothing is found
  }
  for (const pid of pids) {
    const stat = readProc(pid, 'stat');
    if (!stat) continue;
    // The fields after the command name (in parentheses, may hold spaces): state ppid pgrp ... starttime (22nd).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') continue;
    table.set(pid, { ppid: Number(fields[1]), pgrp: Number(fields[2]), start: fields[19] });
  }
  return table;
}

const identity = (pid, info) => `${pid}:${info.start}`;

/**
 * Follows a stage while it runs: every process that is, at some poll, a descendant of the stage, in its
 * process group or carrying its marker. A process that rewrites its environment (nginx does) and is
 * orphaned by a killed parent is still known by what it was when its parent was alive.
 */
export class StageWatcher {
  #known = new Set(); // identities (pid:start) of every process seen as the stage's
  #marked = new Map(); // identity -> carries the marker (environ read once per process)

  constructor({ marker, pgid, intervalMs = 2000 }) {
    this.marker = marker;
    this.pgid = pgid;
    this.timer = setInterval(() => this.#track(), intervalMs);
    this.timer.unref();
  }

  #isMarked(pid, id) {
    let marked = this.#marked.get(id);
    if (marked === undefined) {
      marked = (readProc(pid, 'environ') ?? '').split('\0').includes(this.marker);
      this.#marked.set(id, marked);
    }
    return marked;
  }

  /** The pids of the stage's processes alive now (and remembers them). */
  #track() {
    const table = processTable();
    const mine = new Set();
    for (const [pid, info] of table) {
      if (pid === process.pid) continue;
      const id = identity(pid, info);
      if (this.#known.has(id) || (this.pgid !== undefined && info.pgrp === this.pgid) || this.#isMarked(pid, id)) mine.add(pid);
    }
    // Descendants of what is ours are ours.
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, info] of table) {
        if (!mine.has(pid) && mine.has(info.ppid) && pid !== process.pid) {
          mine.add(pid);
          grew = true;
        }
      }
    }
    for (const pid of mine) this.#known.add(identity(pid, table.get(pid)));
    return mine;
  }

  /** The stage's processes alive now (and remembers them), each with its name and command line. */
  poll() {
    return [...this.#track()].map((pid) => {
      const name = (readProc(pid, 'comm') ?? '?').trim();
      const cmdline = (readProc(pid, 'cmdline') ?? '').split('\0').filter(Boolean).join(' ');
      return { pid, name, cmdline: cmdline.length > 100 ? `${cmdline.slice(0, 100)}...` : cmdline };
    });
  }

  stop() {
    clearInterval(this.timer);
  }
}

function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, up to `graceMs` to go, then SIGKILL for whatever is left. */
export async function killAll(procs, graceMs = 3000) {
  for (const p of procs) signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  const alive = () => procs.filter((p) => {
    const stat = readProc(p.pid, 'stat');
    return stat !== null && !/^\S+ \(.*\) [ZX]/s.test(stat);
  });
  while (alive().length > 0 && Date.now() < deadline) await sleep(100);
  for (const p of alive()) signal(p.pid, 'SIGKILL');
}

/**
 * What a finished stage left running. A process that is already on its way out (a host sent SIGTERM
 * by an afterAll that did not wait) gets `settleMs` to go; what is still there after it is a stray.
 */
export async function strayProcesses(watcher, settleMs = 3000) {
  const deadline = Date.now() + settleMs;
  let found = watcher.poll();
  while (found.length > 0 && Date.now() < deadline) {
    await sleep(200);
    found = watcher.poll();
  }
  return found;
}

/**
 * Runs `command` in a process group of its own with MARKER=`mark` in its environment, watched
 * by a StageWatcher. Resolves with {code, timedOut, killed, watcher}. At `timeoutMs` the whole group and every
 * process of the stage get SIGTERM, then SIGKILL. `onStart` gets the watcher, so an interrupted
 * `npm test` can stop the stage.
 */
export function runStage({ command, args, env, mark, timeoutMs, onStart }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...env, [MARKER]: mark }, detached: true });
    const watcher = new StageWatcher({ marker: `${MARKER}=${mark}`, pgid: child.pid });
    onStart?.(watcher);
    let timedOut = false;
    let killing = Promise.resolve([]);
    const timer = setTimeout(() => {
      timedOut = true;
      killing = killStage(watcher);
    }, timeoutMs);
    const done = (code) => {
      clearTimeout(timer);
      watcher.stop();
      void killing.then((killed) => resolve({ code, timedOut, killed, watcher }));
    };
    child.once('error', (error) => {
      console.error(`cannot start ${command}: ${error.message}`);
      done(127);
    });
    child.once('exit', (code, sig) => done(code ?? (sig ? 128 : 1)));
  });
}

/** Stops a stage: its process group and every process it is known to have started. */
export async function killStage(watcher) {
  const procs = watcher.poll();
  if (watcher.pgid) signal(-watcher.pgid, 'SIGTERM');
  await killAll(procs);
  if (watcher.pgid) signal(-watcher.pgid, 'SIGKILL');
  return procs;
}
