// The network of a fleet test bed on one machine: one Linux network namespace per edge, joined to the
// root namespace by a veth pair, with a rate limit (tc tbf, both ends), optional random loss (iptables
// `statistic`, inside the namespace) and a delay (tc netem where the kernel has it; where it does not,
// `delayInSimulator` says so and the viewer simulator waits the link's round trip itself).
// The origin listens on ORIGIN_ADDRESS, added to the root namespace's loopback: every namespace reaches
// it through its own veth (a local address of the root namespace), nothing else on the machine does.
//
// Cleanup is guaranteed three ways: `destroy()` on a normal end; the owner's exit hook; and a detached watchdog process (this file run as a script) that sweeps the bed when its owner dies
// (SIGKILL, crash) or the bed's hard deadline passes. Every name carries the owner's PID (namespaces
// `sfl-<pid>-<i>`, veths `sf<pid>r<i>` / `sf<pid>e<i>`), so a later run recognises and sweeps a stale bed.
// Plain ESM: used by bench/ (node, no build) and by the tests (types in netns.d.mts). Needs root.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const NS_PREFIX = 'sfl-';
export const ORIGIN_ADDRESS = '10.77.0.1';
const STATE_DIR = path.join(os.tmpdir(), 'streams-fleet-beds');
const COMMENT = 'streams-fleet';
const SELF = fileURLToPath(import.meta.url);

const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });

/** Runs a command that must succeed; throws with its stderr. */
function must(cmd, args) {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

const pidAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

/** Start time of a process (jiffies since boot, field 22 of /proc/<pid>/stat): tells a reused PID apart. */
function startTime(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return null;
  }
}

/** Why this machine cannot build a bed (null when it can): root, `ip netns`, veth, iptables statistic, tc tbf. */
export function bedUnavailable() {
  if (process.getuid?.() !== 0) return 'the fleet bed needs root (network namespaces, veth pairs, tc, iptables)';
  for (const tool of ['ip', 'tc', 'iptables']) {
    if (run(tool, ['-V']).error) return `${tool} not found (apt-get install iproute2 iptables)`;
  }
  const probe = `${NS_PREFIX}probe-${process.pid}`;
  const r = run('ip', ['netns', 'add', probe]);
  if (r.status !== 0) return `ip netns does not work here: ${r.stderr.trim()}`;
  try {
    const veth = run('ip', ['-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1']);
    if (veth.status !== 0) return `veth pairs do not work here: ${veth.stderr.trim()}`;
    const tbf = run('ip', ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'p0', 'root', 'tbf', 'rate', '10mbit', 'burst', '64kb', 'latency', '50ms']);
    if (tbf.status !== 0) return `tc tbf does not work here: ${tbf.stderr.trim()}`;
    const stat = run('ip', ['netns', 'exec', probe, 'iptables', '-w', '-A', 'OUTPUT', '-o', 'p0', '-m', 'statistic', '--mode', 'random', '--probability', '0.01', '-j', 'DROP']);
    if (stat.status !== 0) return `iptables' statistic match does not work here: ${stat.stderr.trim()}`;
    return null;
  } finally {
    run('ip', ['netns', 'del', probe]);
  }
}

/** True when the kernel has netem (probed on a throwaway namespace's loopback). */
export function hasNetem() {
  const probe = `${NS_PREFIX}netem-${process.pid}`;
  if (run('ip', ['netns', 'add', probe]).status !== 0) return false;
  try {
    return run('ip', ['netns', 'exec', probe, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).status === 0;
  } finally {
    run('ip', ['netns', 'del', probe]);
  }
}

const nsNames = () =>
  run('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n && n.startsWith(NS_PREFIX));

/** The owner PID of a namespace or link name of ours, or null. */
function ownerOf(name) {
  const m = /^sfl-(\d+)-/.exec(name) ?? /^sf(\d+)[re]\d+$/.exec(name);
  return m ? Number(m[1]) : null;
}

const stateFile = (owner) => path.join(STATE_DIR, `${owner}.json`);
const readState = (owner) => {
  try {
    return JSON.parse(fs.readFileSync(stateFile(owner), 'utf8'));
  } catch {
    return { pids: [], dirs: [], origin: false };
  }
};
const writeState = (owner, state) => {
  fs.mkdirSync(STATE_DIR, { recursive: true });
  fs.writeFileSync(stateFile(owner), JSON.stringify(state));
};

/** SIGKILLs every process in namespace `ns` (nginx workers, agents), then deletes it (its veths go with it). */
function removeNamespace(ns) {
  for (let round = 0; round < 5; round++) {
    const pids = run('ip', ['netns', 'pids', ns]).stdout.split('\n').map(Number).filter((n) => n > 0);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('sleep', ['0.05']);
  }
  run('ip', ['netns', 'del', ns]);
}

/** Root-namespace iptables rules carrying our comment (none are added today: a safety net). */
function removeRootRules() {
  for (const table of ['filter', 'nat', 'mangle']) {
    const rules = run('iptables', ['-w', '-t', table, '-S']).stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes(COMMENT));
    for (const rule of rules) run('iptables', ['-w', '-t', table, '-D', ...rule.slice(3).match(/"[^"]*"|\S+/g).map((a) => a.replace(/^"|"$/g, ''))]);
  }
}

/**
 * Removes everything of the bed of `owner`: its namespaces (and their processes, veths, iptables
 * rules), stray veths, root processes it registered (checked by start time), folders, the origin
 * address. Idempotent.
 */
export function sweepBed(owner) {
  for (const ns of nsNames()) if (ownerOf(ns) === owner) removeNamespace(ns);
  for (const line of run('ip', ['-o', 'link', 'show']).stdout.split('\n')) {
    const name = /^\d+:\s+([^:@\s]+)/.exec(line)?.[1];
    if (name && ownerOf(name) === owner) run('ip', ['link', 'del', name]);
  }
  const state = readState(owner);
  for (const { pid, start } of state.pids) {
    if (startTime(pid) === start) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  for (const dir of state.dirs) fs.rmSync(dir, { recursive: true, force: true });
  // The origin address is shared by every bed of ours, and only one bed runs at a time.
  if (state.origin) run('ip', ['addr', 'del', `${ORIGIN_ADDRESS}/32`, 'dev', 'lo']);
  removeRootRules();
  fs.rmSync(stateFile(owner), { force: true });
  try {
    fs.rmdirSync(STATE_DIR);
  } catch {
    // another bed's state is there, or it is gone already
  }
}

/** Sweeps beds whose owner is gone; throws when a live process owns one (one bed at a time). */
export function sweepStaleBeds() {
  const owners = new Set(nsNames().map(ownerOf).filter((o) => o !== null));
  if (fs.existsSync(STATE_DIR)) for (const f of fs.readdirSync(STATE_DIR)) owners.add(Number(f.replace(/\.json$/, '')));
  for (const owner of owners) {
    if (!Number.isInteger(owner) || owner <= 0) continue;
    if (owner !== process.pid && pidAlive(owner) && nsNames().some((ns) => ownerOf(ns) === owner)) {
      throw new Error(`another fleet bed is running (owner PID ${owner}): one at a time`);
    }
    if (owner !== process.pid) sweepBed(owner);
  }
}

/**
 * Builds the network of `links` (one per edge: { rateMbit, rttMs, loss }) and returns the bed:
 * `links[i]` = { ns, rootAddress, edgeAddress, rttMs, delayInSimulator }, `exec(ns, args)` (argv to
 * run inside a namespace), `register(pid)` / `registerDir(dir)` (swept on a crash), `cutOrigin(port)`
 * / `restoreOrigin(port)`, `destroy()`. `deadlineMs`: past it the watchdog sweeps the bed.
 */
export function createNetBed({ links, deadlineMs }) {
  const unavailable = bedUnavailable();
  if (unavailable) throw new Error(unavailable);
  sweepStaleBeds();
  const owner = process.pid;
  const state = { pids: [], dirs: [], origin: false };
  writeState(owner, state);
  const watchdog = spawn(process.execPath, [SELF, 'watch', String(owner), String(Date.now() + deadlineMs)], { detached: true, stdio: 'ignore' });
  watchdog.unref();

  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    sweepBed(owner);
    try {
      process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  // A signal that ends the owner without an 'exit' event (no handler of its own) leaves the sweep to the
  // watchdog, within half a second; a handler that ends with process.exit() gets it here.
  process.once('exit', destroy);

  const netem = hasNetem();
  const built = [];
  try {
    must('ip', ['addr', 'add', `${ORIGIN_ADDRESS}/32`, 'dev', 'lo']);
    state.origin = true;
    writeState(owner, state);
    links.forEach((link, i) => {
      const n = i + 1;
      const ns = `${NS_PREFIX}${owner}-${n}`;
      const rootIf = `sf${owner}r${n}`;
      const edgeIf = `sf${owner}e${n}`;
      const rootAddress = `10.77.${n}.1`;
      const edgeAddress = `10.77.${n}.2`;
      must('ip', ['netns', 'add', ns]);
      must('ip', ['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', edgeIf]);
      must('ip', ['link', 'set', edgeIf, 'netns', ns]);
      must('ip', ['addr', 'add', `${rootAddress}/24`, 'dev', rootIf]);
      must('ip', ['link', 'set', rootIf, 'up']);
      const inNs = (cmd, args) => must('ip', ['netns', 'exec', ns, cmd, ...args]);
      inNs('ip', ['addr', 'add', `${edgeAddress}/24`, 'dev', edgeIf]);
      inNs('ip', ['link', 'set', edgeIf, 'up']);
      inNs('ip', ['link', 'set', 'lo', 'up']);
      inNs('ip', ['route', 'add', 'default', 'via', rootAddress]);
      // Both directions: the root end shapes what enters the namespace, the edge end what leaves it.
      const burst = `${Math.max(64, Math.ceil((link.rateMbit * 1000) / 8 / 100))}kb`;
      const shape = (dev, exec) => {
        const oneWay = `${(link.rttMs / 2).toFixed(1)}ms`;
        const args = netem
          ? ['qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', oneWay, 'rate', `${link.rateMbit}mbit`, 'limit', '10000']
          : ['qdisc', 'add', 'dev', dev, 'root', 'tbf', 'rate', `${link.rateMbit}mbit`, 'burst', burst, 'latency', '100ms'];
        exec('tc', args);
      };
      shape(rootIf, must);
      shape(edgeIf, inNs);
      if (link.loss > 0) {
        const p = String(link.loss);
        for (const [chain, dir] of [['INPUT', '-i'], ['OUTPUT', '-o']]) {
          inNs('iptables', ['-w', '-A', chain, dir, edgeIf, '-m', 'statistic', '--mode', 'random', '--probability', p, '-m', 'comment', '--comment', COMMENT, '-j', 'DROP']);
        }
      }
      built.push({ ns, rootIf, edgeIf, rootAddress, edgeAddress, rttMs: link.rttMs, rateMbit: link.rateMbit, loss: link.loss, delayInSimulator: !netem });
    });
  } catch (error) {
    destroy();
    throw error;
  }

  const originRule = (port) => ['OUTPUT', '-d', ORIGIN_ADDRESS, '-p', 'tcp', '--dport', String(port), '-m', 'comment', '--comment', COMMENT, '-j', 'DROP'];
  return {
    owner,
    netem,
    links: built,
    /** argv that runs `args` inside namespace `ns` (`ip netns exec` execs it: the PID is the command's). */
    exec: (ns, args) => ['ip', ['netns', 'exec', ns, ...args]],
    /** Root-namespace processes to kill if the owner dies before `destroy()`. */
    register(pid) {
      state.pids.push({ pid, start: startTime(pid) });
      writeState(owner, state);
    },
    registerDir(dir) {
      state.dirs.push(dir);
      writeState(owner, state);
    },
    /** Namespace `ns` (every one when omitted) can no longer reach the origin's `port`: packets dropped (a partition). */
    cutOrigin(port, ns) {
      for (const l of built) if (!ns || l.ns === ns) must('ip', ['netns', 'exec', l.ns, 'iptables', '-w', '-I', ...originRule(port)]);
    },
    restoreOrigin(port, ns) {
      for (const l of built) if (!ns || l.ns === ns) run('ip', ['netns', 'exec', l.ns, 'iptables', '-w', '-D', ...originRule(port)]);
    },
    /** PIDs of every process inside `ns`. */
    pidsIn(ns) {
      return run('ip', ['netns', 'pids', ns]).stdout.split('\n').map(Number).filter((n) => n > 0);
    },
    destroy,
  };
}

/** What is left of beds of ours on this machine (namespaces, links, origin address): for tests. */
export function leftovers() {
  const links = run('ip', ['-o', 'link', 'show']).stdout.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((n) => n && ownerOf(n) !== null);
  const origin = run('ip', ['-o', 'addr', 'show', 'dev', 'lo']).stdout.includes(`${ORIGIN_ADDRESS}/32`);
  const rules = run('iptables', ['-w', '-S']).stdout.split('\n').filter((l) => l.includes(COMMENT));
  return { namespaces: nsNames(), links, origin, rules };
}

// The watchdog: `node netns.mjs watch <owner> <deadline epoch ms>` sweeps the bed when the owner is
// gone or the deadline passed, then exits.
if (process.argv[1] === SELF && process.argv[2] === 'watch') {
  const owner = Number(process.argv[3]);
  const deadline = Number(process.argv[4]);
  const timer = setInterval(() => {
    const ownerGone = !pidAlive(owner);
    if (ownerGone || Date.now() > deadline) {
      clearInterval(timer);
      if (!ownerGone) {
        // The owner overran its deadline: stop it first, so that it cannot rebuild what is swept.
        try {
          process.kill(owner, 'SIGTERM');
        } catch {
          // gone
        }
        spawnSync('sleep', ['3']);
      }
      sweepBed(owner);
    }
  }, 500);
}
