import fs from 'node:fs/promises';
import path from 'node:path';
import type { CpuLoad, NetworkRates, ProcessCounts, StatsSources } from './system-stats.js';

/** `/proc/stat`'s counters of runnable and blocked tasks. */
export function parseProcStat(text: string): { running: number; blocked: number } {
  const field = (name: string): number => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { running: field('procs_running'), blocked: field('procs_blocked') };
}

/** One core's tick counters since boot (`cpuN` lines of /proc/stat), split as the load figures are. */
export interface CoreTicks {
  user: number;
  system: number;
  /** Every tick that was not idle: user, nice, system, irq, softirq, steal (guest time is inside user). */
  busy: number;
  total: number;
}

/** The `cpuN` lines of `/proc/stat` (the summary `cpu` line left out), in core order. */
export function parseCoreTicks(text: string): CoreTicks[] {
  const cores: CoreTicks[] = [];
  for (const line of text.split('\n')) {
    if (!/^cpu\d+\s/.test(line)) continue;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    cores.push({ user: user + nice, system: system + irq + softirq, busy, total: busy + idle + iowait });
  }
  return cores;
}

/** Load in percent between two readings of the same cores (since boot when there is no earlier one). */
export function loadBetween(before: readonly CoreTicks[] | undefined, now: readonly CoreTicks[]): CpuLoad {
  const zero: CoreTicks = { user: 0, system: 0, busy: 0, total: 0 };
  const deltas = now.map((core, i) => {
    const then = before?.length === now.length ? before[i]! : zero;
    return { user: core.user - then.user, system: core.system - then.system, busy: core.busy - then.busy, total: core.total - then.total };
  });
  const percent = (part: number, whole: number): number => (whole > 0 ? (Math.max(0, part) / whole) * 100 : 0);
  const sum = (key: keyof CoreTicks): number => deltas.reduce((acc, d) => acc + d[key], 0);
  return {
    currentLoad: percent(sum('busy'), sum('total')),
    currentLoadUser: percent(sum('user'), sum('total')),
    currentLoadSystem: percent(sum('system'), sum('total')),
    cpus: deltas.map((d) => ({ load: percent(d.busy, d.total) })),
  };
}

/** `/proc/meminfo` in bytes, as systeminformation's `mem()` reports them (kB fields times 1024). */
export function parseMeminfo(text: string): { total: number; available: number; swaptotal: number; swapused: number } {
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0) * 1024;
  const swaptotal = kb('SwapTotal');
  return { total: kb('MemTotal'), available: kb('MemAvailable'), swaptotal, swapused: Math.max(0, swaptotal - kb('SwapFree')) };
}

/** `/proc/net/dev`: the received and sent byte counters of each interface. */
export function parseNetDev(text: string): { iface: string; rx: number; tx: number }[] {
  const rows: { iface: string; rx: number; tx: number }[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (fields.length < 9) continue;
    rows.push({ iface: line.slice(0, colon).trim(), rx: fields[0]!, tx: fields[8]! });
  }
  return rows;
}

/**
 * CPU load, process counts and network rates read from /proc, one file each per sample, without
 * blocking the event loop. systeminformation's `processes()` runs `ps` and then a shell with one `cat`
 * per process on every call (400 processes cost 0.6-1.5 s of a core every 2 s here),
 * `networkStats('*')` shells out per interface, and `currentLoad()` runs `cat /proc/stat | grep cpu`
 * through execSync: every sample stopped the host's event loop for a shell, about 4 ms on a quiet
 * machine here (more under load, forking a large process), with every request, packet and data
 * message of that moment waiting behind it. Memory from /proc/meminfo too (`base.mem()` when given):
 * on Linux the host does not load systeminformation (700 KB of code) at all.
 */
export class ProcStatsSources implements StatsSources {
  private previous: { at: number; counters: Map<string, { rx: number; tx: number }> } | undefined;
  private previousTicks: CoreTicks[] | undefined;

  constructor(
    private readonly base: Pick<StatsSources, 'mem'> | null = null,
    private readonly root = '/proc',
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Load since the previous call (since boot on the first, as systeminformation's first call). */
  async currentLoad(): Promise<CpuLoad> {
    const ticks = parseCoreTicks(await fs.readFile(path.join(this.root, 'stat'), 'utf8'));
    const load = loadBetween(this.previousTicks, ticks);
    this.previousTicks = ticks;
    return load;
  }

  async mem(): ReturnType<StatsSources['mem']> {
    if (this.base) return this.base.mem();
    return parseMeminfo(await fs.readFile(path.join(this.root, 'meminfo'), 'utf8'));
  }

  async processes(): Promise<ProcessCounts> {
    const [stat, entries] = await Promise.all([fs.readFile(path.join(this.root, 'stat'), 'utf8'), fs.readdir(this.root)]);
    const all = entries.filter((name) => /^\d+$/.test(name)).length;
    // The kernel counts runnable and blocked threads: never more than the processes there are.
    const { running, blocked } = parseProcStat(stat);
    const runningProcs = Math.min(running, all);
    const blockedProcs = Math.min(blocked, all - runningProcs);
    return { all, running: runningProcs, blocked: blockedProcs, sleeping: all - runningProcs - blockedProcs };
  }

  /** Bytes per second since the previous call; null on the first (as systeminformation says). */
  async networkStats(): Promise<NetworkRates[]> {
    const rows = parseNetDev(await fs.readFile(path.join(this.root, 'net', 'dev'), 'utf8'));
    const at = this.now();
    const before = this.previous;
    this.previous = { at, counters: new Map(rows.map((r) => [r.iface, { rx: r.rx, tx: r.tx }])) };
    const seconds = before ? (at - before.at) / 1000 : 0;
    return rows.map((row) => {
      const last = before?.counters.get(row.iface);
      // A counter that went back (an interface re-created) has no rate this time.
      const rate = (now: number, then: number | undefined): number | null =>
        seconds > 0 && then !== undefined && now >= then ? (now - then) / seconds : null;
      return { iface: row.iface, rx_sec: rate(row.rx, last?.rx), tx_sec: rate(row.tx, last?.tx) };
    });
  }
}
