// The parts of bench/soak that run the host and its edges and read them from the outside: a size-limited
// disk for the home (a tmpfs, root only), `streams host` on a given home, `streams edge` processes that
// can be killed and started again on the same port and folder (as a restarted server comes back), and
// what the bench samples: RSS and descriptors from /proc, the process tree, the host log's errors.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { processTree } from '../../test-support/machine.mjs';
import { cleanEnv, freePort, sleep, startHost, STREAMS_BIN, stopProcess, tempDir, track } from './live.mjs';
import { MiB } from './soak-stats.mjs';

export { processTree };

/**
 * A tmpfs of `megabytes` at a new folder under the temp dir, or null when this process may not mount
 * (not root). `unmount()` (lazy, so it works with a straggler inside) removes the folder; it also runs
 * at exit, after the tracked processes are killed.
 */
export function mountSmallDisk(megabytes) {
  if (process.getuid?.() !== 0) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-soak-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0755`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(`soak: could not mount a ${megabytes} MB tmpfs (${String(error.stderr ?? error.message).trim()}): the home goes on the temp disk, no disk floor`);
    return null;
  }
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    } catch {
      // already unmounted
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', unmount);
  return { dir, unmount };
}

/** Free and used bytes of the file system holding `dir`. */
export function diskOf(dir) {
  const s = fs.statfsSync(dir);
  return { free: Number(s.bavail) * Number(s.bsize), used: (Number(s.blocks) - Number(s.bfree)) * Number(s.bsize), size: Number(s.blocks) * Number(s.bsize) };
}

/**
 * Writes a file of zeros that leaves `leaveMiB` free on the disk of `dir` (one block at a time: a tmpfs
 * holds it in memory); returns its path and size.
 */
export function fillDisk(dir, leaveMiB) {
  const file = path.join(dir, 'soak-filler.bin');
  const bytes = Math.max(0, diskOf(dir).free - leaveMiB * MiB);
  const block = Buffer.alloc(4 * MiB);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; ) {
      const n = Math.min(block.length, bytes - written);
      fs.writeSync(fd, block, 0, n);
      written += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { file, bytes };
}

/** `streams host` on `home` (created if needed), free ports; { proc, home, url, token, api, output, stop }. */
export function startHostAt(home, env) {
  return startHost({ home, env, apiTimeoutMs: 30_000 });
}

const portFree = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

/**
 * One `streams edge` (agent + nginx) in front of `origin`, on a port and folder of its own that a
 * restart keeps (its identity, its cache). `start()` resolves with the time it took; `kill(signal)`
 * stops the agent by PID (SIGKILL: a crash, its nginx follows on the parent-death signal; SIGTERM:
 * a clean stop) and waits for its whole process tree to be gone.
 */
export async function soakEdge(origin, token, region) {
  const port = await freePort();
  const dir = tempDir('bench-soak-edge-');
  const edge = {
    region,
    port,
    dir,
    url: `http://127.0.0.1:${port}`,
    id: null,
    proc: null,
    output: '',
    up: false,
    async start() {
      const t0 = performance.now();
      const deadline = Date.now() + 15_000;
      while (!(await portFree(port))) {
        if (Date.now() > deadline) throw new Error(`edge ${region}: port ${port} still taken 15 s after its stop`);
        await sleep(200);
      }
      const proc = track(
        spawn(process.execPath, [STREAMS_BIN, 'edge', '--origin', origin, `--token=${token}`, '--port', String(port), '--bind', '127.0.0.1',
          '--dir', dir, '--workers', '1', '--heartbeat-ms', '1000', '--region', region], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      edge.proc = proc;
      edge.output = '';
      const onData = (d) => (edge.output = (edge.output + d).slice(-16384));
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      for (;;) {
        const m = /Streams edge (\S+) serving/.exec(edge.output);
        if (m) {
          edge.id = m[1];
          break;
        }
        if (proc.exitCode !== null || proc.signalCode !== null || Date.now() > deadline + 15_000) throw new Error(`edge ${region} did not start:\n${edge.output}`);
        await sleep(50);
      }
      edge.up = true;
      return (performance.now() - t0) / 1000;
    },
    async kill(signal) {
      const proc = edge.proc;
      edge.up = false;
      if (!proc) return;
      const tree = processTree(proc.pid);
      await stopProcess(proc, signal, 5000);
      // nginx leaves on the parent-death signal; wait for it, then make sure by PID.
      const deadline = Date.now() + 10_000;
      while (tree.some(alivePid) && Date.now() < deadline) await sleep(100);
      for (const pid of tree.filter(alivePid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    },
  };
  return edge;
}

function alivePid(pid) {
  try {
    // A zombie still answers signal 0: read its state.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * RSS (bytes) and open descriptors of `pid` from /proc (NaN when it is gone), the descriptors sorted:
 * sockets, files (of which deleted ones: a file removed while still open keeps its disk space).
 */
export function processFigures(pid) {
  let rss = NaN;
  let fds = NaN;
  const kinds = { sockets: 0, files: 0, deleted: 0 };
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    rss = kb ? Number(kb) * 1024 : NaN;
    const entries = fs.readdirSync(`/proc/${pid}/fd`);
    fds = entries.length;
    for (const fd of entries) {
      let target = '';
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target.startsWith('socket:')) kinds.sockets++;
      else if (target.startsWith('/')) {
        kinds.files++;
        if (target.endsWith(' (deleted)')) kinds.deleted++;
      }
    }
  } catch {
    // gone
  }
  return { rss, fds, ...kinds };
}

/** Bytes of the host's SQLite database: studio.db and its write-ahead log. */
export function sqliteBytes(home) {
  let total = 0;
  for (const f of ['studio.db', 'studio.db-wal']) total += fs.statSync(path.join(home, f), { throwIfNoEntry: false })?.size ?? 0;
  return total;
}

const LEVELS = { 60: 'fatal', 50: 'error', 40: 'warn' };

/**
 * Reads the host's JSON log (pino lines) from where the last call stopped; returns the warnings and
 * errors since then: [{ level, kind: "<service>: <msg>", at, line }] (level 40 warn, 50 error, 60 fatal).
 * `records(msg)`: every line with that msg seen so far (for the recordings' deletions).
 */
export function hostLog(home) {
  const file = path.join(home, 'logs', 'host.log');
  let offset = 0;
  let rest = '';
  const kept = new Map();
  const keep = new Set(['recording deleted', 'retention deleted recordings', 'disk almost full: the recording stops', 'recording started', 'automatic recording did not start']);
  return {
    read() {
      const out = [];
      const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
      if (size === undefined) return out;
      if (size < offset) offset = 0;
      if (size === offset) return out;
      const fd = fs.openSync(file, 'r');
      try {
        const buf = Buffer.alloc(size - offset);
        fs.readSync(fd, buf, 0, buf.length, offset);
        offset = size;
        const lines = (rest + buf.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          let entry;
          try {
            entry = JSON.parse(line);
          } catch {
            continue;
          }
          // pino writes ISO times here; numbers elsewhere.
          entry.at = typeof entry.time === 'string' ? Date.parse(entry.time) : entry.time;
          if (keep.has(entry.msg)) {
            if (!kept.has(entry.msg)) kept.set(entry.msg, []);
            kept.get(entry.msg).push(entry);
          }
          if (entry.level >= 40) out.push({ level: LEVELS[entry.level] ?? String(entry.level), kind: `${entry.service ?? entry.name ?? '-'}: ${entry.msg}`, at: entry.at, entry });
        }
      } finally {
        fs.closeSync(fd);
      }
      return out;
    },
    records: (msg) => kept.get(msg) ?? [],
  };
}
