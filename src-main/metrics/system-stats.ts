import os from 'node:os';
import type { Systeminformation } from 'systeminformation';
import type { SystemStats } from '../../src-shared/contract/system.js';
import type { EventBus } from '../core/bus.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { ProcStatsSources } from './proc-sources.js';

export type NetworkRates = Pick<Systeminformation.NetworkStatsData, 'iface'> & { rx_sec: number | null; tx_sec: number | null };
export type ProcessCounts = Pick<Systeminformation.ProcessesData, 'all' | 'running' | 'sleeping' | 'blocked'>;

/** CPU load in percent of all cores, of user and system time, and per core. */
export interface CpuLoad {
  currentLoad: number;
  currentLoadUser: number;
  currentLoadSystem: number;
  cpus: { load: number }[];
}

/** What a sample reads (systeminformation's calls, or /proc on Linux); tests may replace them. */
export interface StatsSources {
  currentLoad(): Promise<CpuLoad>;
  mem(): Promise<Pick<Systeminformation.MemData, 'total' | 'available' | 'swaptotal' | 'swapused'>>;
  networkStats(ifaces: string): Promise<NetworkRates[]>;
  processes(): Promise<ProcessCounts>;
}

export interface SystemStatsOptions {
  /** The ChildRegistry, or anything that counts owned child processes. */
  children: { readonly count: number };
  bus: Pick<EventBus, 'emit'>;
  logger: Logger;
  /** Read before each wait so that a config change applies at the next tick. */
  intervalMs: () => number;
  sources?: StatsSources;
}

/** systeminformation reports null (first call) or -1 (unknown) rates: both count as 0. */
function rate(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

// Loopback carries our own internal hops (ffmpeg -> local RTMP, edge on loopback): not the machine's traffic.
const isLoopback = (iface: string): boolean => iface === 'lo' || /^lo\d*$|loopback/i.test(iface);

/** systeminformation (700 KB of code), loaded by the first sample where /proc is not there to read. */
const si = () => import('./systeminformation-lib.js');
const systeminformation: StatsSources = {
  currentLoad: async () => (await si()).currentLoad(),
  mem: async () => (await si()).mem(),
  networkStats: async (ifaces) => (await si()).networkStats(ifaces),
  processes: async () => (await si()).processes(),
};

/** Samples CPU, memory, network and processes on a timer, pushes each sample as `system.stats`. */
export class SystemStatsService implements Service {
  readonly name = 'system-stats';
  private readonly sources: StatsSources;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private last: SystemStats | null = null;
  private running = false;
  private cpuMark = { usage: process.cpuUsage(), at: process.hrtime.bigint() };

  constructor(private readonly options: SystemStatsOptions) {
    this.sources = options.sources ?? (process.platform === 'linux' ? new ProcStatsSources() : systeminformation);
  }

  /** The most recent sample; null until the first one completes. */
  latest(): SystemStats | null {
    return this.last;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.cpuMark = { usage: process.cpuUsage(), at: process.hrtime.bigint() };
    this.schedule(0);
  }

  async dispose(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Takes one sample now (also used by the timer). Never rejects: a failed sample is logged and skipped. */
  async sampleOnce(): Promise<SystemStats | null> {
    try {
      const sample = await this.collect();
      this.last = sample;
      this.options.bus.emit('system.stats', sample);
      return sample;
    } catch (error) {
      this.options.logger.warn({ err: error }, 'system stats sample failed');
      return null;
    }
  }

  // Re-armed after each sample, so samples never overlap and a new interval applies at once.
  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.sampleOnce().then(() => {
        this.inFlight = undefined;
        if (this.running) this.schedule(this.interval());
      });
    }, delayMs);
    this.timer.unref();
  }

  private interval(): number {
    try {
      const ms = this.options.intervalMs();
      return Number.isFinite(ms) && ms >= 100 ? ms : 2000;
    } catch {
      return 2000;
    }
  }

  /** This process's CPU since the previous sample, in percent of one core. */
  private hostCpuPercent(): number {
    const now = process.hrtime.bigint();
    const usage = process.cpuUsage(this.cpuMark.usage);
    const wallUs = Number(now - this.cpuMark.at) / 1000;
    this.cpuMark = { usage: process.cpuUsage(), at: now };
    return wallUs > 0 ? ((usage.user + usage.system) / wallUs) * 100 : 0;
  }

  private async collect(): Promise<SystemStats> {
    const [load, mem, nets, procs] = await Promise.all([
      this.sources.currentLoad(),
      this.sources.mem(),
      this.sources.networkStats('*'),
      this.sources.processes(),
    ]);
    const interfaces = (Array.isArray(nets) ? nets : [nets]).map((n) => ({
      name: n.iface,
      rxBytesPerSec: rate(n.rx_sec),
      txBytesPerSec: rate(n.tx_sec),
    }));
    const external = interfaces.filter((i) => !isLoopback(i.name));
    const [l1, l5, l15] = os.loadavg();
    const memory = process.memoryUsage();
    return {
      at: Date.now(),
      cpu: {
        loadPercent: load.currentLoad,
        userPercent: load.currentLoadUser,
        systemPercent: load.currentLoadSystem,
        cores: load.cpus.map((c) => c.load),
        loadAvg: [l1 ?? 0, l5 ?? 0, l15 ?? 0],
      },
      memory: {
        totalBytes: mem.total,
        usedBytes: mem.total - mem.available,
        availableBytes: mem.available,
        swapTotalBytes: mem.swaptotal,
        swapUsedBytes: mem.swapused,
      },
      network: {
        rxBytesPerSec: external.reduce((sum, i) => sum + i.rxBytesPerSec, 0),
        txBytesPerSec: external.reduce((sum, i) => sum + i.txBytesPerSec, 0),
        interfaces,
      },
      processes: { all: procs.all, running: procs.running, sleeping: procs.sleeping, blocked: procs.blocked },
      host: {
        pid: process.pid,
        cpuPercent: this.hostCpuPercent(),
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        uptimeSec: process.uptime(),
        children: this.options.children.count,
      },
    };
  }
}
