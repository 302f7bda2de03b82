// Where this machine keeps the tools the tests and benchmarks drive. Plain JavaScript so that the tests
// (test-support/peers.ts), the benchmarks (bench/lib/peers.mjs, run by node without a build) and
// scripts/setup-system.mjs share it. The host has its own lookup (src-main/core/children.ts
// resolveExecutable): product code does not import test helpers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const NGINX_MODULE_DIRS = ['/usr/lib/nginx/modules', '/usr/share/nginx/modules', '/usr/lib64/nginx/modules', '/etc/nginx/modules'];

/** The first executable named `name` on the PATH (or at one of `extra`, tried first), else null. */
export function which(name, extra = []) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const candidate of [...extra, ...dirs.map((d) => path.join(d, name))]) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Where the OS package put an nginx dynamic module (e.g. ngx_rtmp_module.so), else null. */
export function nginxModulePath(file) {
  for (const dir of NGINX_MODULE_DIRS) if (fs.existsSync(path.join(dir, file))) return path.join(dir, file);
  return null;
}

/** The Chromium to drive: `explicit` (a path from the environment) when given, else the first on the PATH. */
export function findChromium(explicit) {
  if (explicit !== undefined) return fs.existsSync(explicit) ? explicit : null;
  return which('chromium') ?? which('chromium-browser') ?? which('google-chrome');
}

/** Clock ticks a second (the unit of /proc/<pid>/stat's CPU times). */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of one process in seconds (null when it is gone). */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ": state is field 3 (index 0 here); utime 14 -> index 11, stime 15 -> index 12.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/** `pid` and its descendants, `pid` first (from /proc: the parent of each process). */
export function processTree(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const walk = (p) => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
