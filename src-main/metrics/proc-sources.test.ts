// /proc read from a fixture folder laid out as Linux lays it out (and once from the real /proc).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as si from 'systeminformation';
import { loadBetween, parseCoreTicks, parseMeminfo, parseNetDev, parseProcStat, ProcStatsSources } from './proc-sources.js';

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1000 10    0    0    0     0          0         0 1000 10    0    0    0     0       0          0
  eth0: 5000 40    0    0    0     0          0         0 9000 50    0    0    0     0       0          0
`;

const base = { mem: () => Promise.reject(new Error('not read here')) };

// user nice system idle iowait irq softirq steal guest guest_nice, in ticks since boot.
const STAT = 'cpu  300 0 100 1600 0 0 0 0 0 0\ncpu0 200 0 50 700 0 0 0 0 0 0\ncpu1 100 0 50 900 0 0 0 0 0 0\nintr 5\nprocs_running 2\nprocs_blocked 0\n';
let root = '';
afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = '';
});

function fixture(netDev: string, stat: string, pids: number[]): string {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-'));
  fs.mkdirSync(path.join(root, 'net'));
  fs.writeFileSync(path.join(root, 'net', 'dev'), netDev);
  fs.writeFileSync(path.join(root, 'stat'), stat);
  for (const pid of pids) fs.mkdirSync(path.join(root, String(pid)));
  fs.mkdirSync(path.join(root, 'sys')); // not a process
  return root;
}

describe('ProcStatsSources', () => {
  it('parses /proc/stat and /proc/net/dev', () => {
    expect(parseProcStat('cpu  1 2 3\nprocs_running 3\nprocs_blocked 1\n')).toEqual({ running: 3, blocked: 1 });
    expect(parseProcStat('cpu 1\n')).toEqual({ running: 0, blocked: 0 });
    expect(parseNetDev(NET_DEV)).toEqual([
      { iface: 'lo', rx: 1000, tx: 1000 },
      { iface: 'eth0', rx: 5000, tx: 9000 },
    ]);
    expect(parseNetDev('header\nheader\nbroken line\n  x: 1 2\n')).toEqual([]);
  });

  it('reads each core\'s ticks from /proc/stat, and the load between two readings, per core and in all', async () => {
    expect(parseCoreTicks(STAT)).toEqual([
      { user: 200, system: 50, busy: 250, total: 950 },
      { user: 100, system: 50, busy: 150, total: 1050 },
    ]);
    // nice counts as user; irq and softirq as system; steal as busy; iowait as not busy.
    expect(parseCoreTicks('cpu0 10 5 20 60 3 1 1 2 7 0\n')).toEqual([{ user: 15, system: 22, busy: 39, total: 102 }]);
    const sources = new ProcStatsSources(base, fixture(NET_DEV, STAT, []));
    const first = await sources.currentLoad();
    expect(first.currentLoad).toBeCloseTo(20, 5);
    // 100 ticks later on each core: cpu0 busy 75 (user 50, system 25), cpu1 busy 25 (all user).
    fs.writeFileSync(path.join(root, 'stat'), 'cpu0 250 0 75 725 0 0 0 0 0 0\ncpu1 125 0 50 975 0 0 0 0 0 0\n');
    const second = await sources.currentLoad();
    expect(second.cpus.map((c) => c.load)).toEqual([75, 25]);
    expect([second.currentLoad, second.currentLoadUser, second.currentLoadSystem]).toEqual([50, 37.5, 12.5]);
    // A core that came or went: since boot again, never below zero.
    expect(loadBetween([{ user: 1, system: 1, busy: 2, total: 4 }], parseCoreTicks(STAT)).cpus).toHaveLength(2);
    expect(loadBetween(undefined, []).currentLoad).toBe(0);
  });

  it('counts processes, never more running or blocked than there are', async () => {
    const sources = new ProcStatsSources(base, fixture(NET_DEV, 'procs_running 9\nprocs_blocked 2\n', [1, 42, 4242]));
    expect(await sources.processes()).toEqual({ all: 3, running: 3, blocked: 0, sleeping: 0 });
    fs.writeFileSync(path.join(root, 'stat'), 'procs_running 1\nprocs_blocked 1\n');
    expect(await sources.processes()).toEqual({ all: 3, running: 1, blocked: 1, sleeping: 1 });
  });

  it('turns byte counters into rates: none on the first read or after a counter went back', async () => {
    let now = 10_000;
    const sources = new ProcStatsSources(base, fixture(NET_DEV, '', []), () => now);
    expect(await sources.networkStats()).toEqual([
      { iface: 'lo', rx_sec: null, tx_sec: null },
      { iface: 'eth0', rx_sec: null, tx_sec: null },
    ]);
    now += 2000;
    fs.writeFileSync(path.join(root, 'net', 'dev'), NET_DEV.replace('5000 40', '7000 41').replace('9000 50', '8000 51'));
    expect(await sources.networkStats()).toEqual([
      { iface: 'lo', rx_sec: 0, tx_sec: 0 },
      { iface: 'eth0', rx_sec: 1000, tx_sec: null },
    ]);
  });

  it('reads memory from /proc/meminfo in bytes, swap used as total less free', async () => {
    expect(parseMeminfo('MemTotal:       24000000 kB\nMemFree:         1000 kB\nMemAvailable:   20000000 kB\nSwapTotal:       2048 kB\nSwapFree:        1024 kB\n')).toEqual({
      total: 24000000 * 1024, available: 20000000 * 1024, swaptotal: 2048 * 1024, swapused: 1024 * 1024,
    });
    expect(parseMeminfo('MemTotal: 8 kB\n')).toEqual({ total: 8192, available: 0, swaptotal: 0, swapused: 0 });
    const dir = fixture(NET_DEV, STAT, []);
    fs.writeFileSync(path.join(dir, 'meminfo'), 'MemTotal: 100 kB\nMemAvailable: 40 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n');
    expect(await new ProcStatsSources(null, dir).mem()).toEqual({ total: 102400, available: 40960, swaptotal: 0, swapused: 0 });
  });

  it.skipIf(process.platform !== 'linux')('reads this machine\'s /proc, memory as systeminformation reads it', async () => {
    const ours = await new ProcStatsSources().mem();
    const theirs = await si.mem();
    expect(ours.total).toBe(theirs.total);
    expect(ours.swaptotal).toBe(theirs.swaptotal);
    expect(Math.abs(ours.available - theirs.available)).toBeLessThan(theirs.total * 0.05);
  });

  it.skipIf(process.platform !== 'linux')('reads this machine\'s /proc', async () => {
    const sources = new ProcStatsSources(base);
    const counts = await sources.processes();
    expect(counts.all).toBeGreaterThan(1);
    expect(counts.all).toBe(counts.running + counts.blocked + counts.sleeping);
    expect((await sources.networkStats()).map((n) => n.iface)).toContain('lo');
  });
});
