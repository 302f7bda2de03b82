import fs from 'node:fs/promises';
import path from 'node:path';
import type { NetworkRates, ProcessCounts, StatsSources } from './system-stats.js';

/** `/proc/stat`'s counters of runnable and blocked tasks. */
export function parseProcStat(text: string): { running: number; blocked: number } {
  const field = (name: string): number => Number(new RegExp(`^${name}\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { running: field('procs_running'), blocked: field('procs_blocked') };
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
 * Process counts and network rates read from /proc, one file each per sample. systeminformation's
 * `processes()` runs `ps` and then a shell with one `cat` per process on every call (400 processes
 * cost 0.6-1.5 s of a core every 2 s here) and `networkStats('*')` shells out per interface; the
 * CPU and memory figures stay with systeminformation, which reads them in-process.
 */
export class ProcStatsSources implements StatsSources {
  private previous: { at: number; counters: Map<string, { rx: number; tx: number }> } | undefined;

  constructor(
    private readonly base: Pick<StatsSources, 'currentLoad' | 'mem'>,
    private readonly root = '/proc',
    private readonly now: () => number = () => performance.now(),
  ) {}

  currentLoad(): ReturnType<StatsSources['currentLoad']> {
    return this.base.currentLoad();
  }

  mem(): ReturnType<StatsSources['mem']> {
    return this.base.mem();
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
