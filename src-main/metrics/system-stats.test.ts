import { describe, expect, it } from 'vitest';
import { systemStatsSchema, type SystemStats } from '../../src-shared/contract/system.js';
import { waitFor } from '../../test-support/wait.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { SystemStatsService, type StatsSources } from './system-stats.js';

describe('SystemStatsService', () => {
  it('logs and skips a sample that throws, then keeps sampling; follows a changed interval', { timeout: 10_000 }, async () => {
    let calls = 0;
    const fake: StatsSources = {
      currentLoad: async () => {
        if (++calls === 1) throw new Error('boom');
        return { currentLoad: 10, currentLoadUser: 6, currentLoadSystem: 4, cpus: [{ load: 10 }] } as never;
      },
      mem: async () => ({ total: 100, available: 40, swaptotal: 0, swapused: 0 }) as never,
      networkStats: async () =>
        [
          { iface: 'lo', rx_sec: 1000, tx_sec: 1000 },
          { iface: 'eth0', rx_sec: null, tx_sec: -1 },
          { iface: 'wlan0', rx_sec: 5, tx_sec: 7 },
        ] as never,
      processes: async () => ({ all: 4, running: 1, sleeping: 3, blocked: 0 }) as never,
    };
    const warnings: unknown[] = [];
    const logger = silentLogger();
    logger.warn = ((...args: unknown[]) => void warnings.push(args)) as never;
    const bus = new EventBus();
    const samples: SystemStats[] = [];
    bus.on('system.stats', (s) => samples.push(s));
    let interval = 5_000;
    const service = new SystemStatsService({ children: { count: 0 }, bus, logger, intervalMs: () => interval, sources: fake });
    interval = 100; // read after the first tick: the failed sample must not stop the timer
    service.start();
    await waitFor('two samples', () => samples.length >= 2, 5_000, 20);
    await service.dispose();
    expect(warnings).toHaveLength(1);
    expect(systemStatsSchema.parse(samples[0])).toMatchObject({
      memory: { usedBytes: 60 },
      network: { rxBytesPerSec: 5, txBytesPerSec: 7 },
      cpu: { loadPercent: 10, cores: [10] },
    });
    expect(samples[0]!.network.interfaces).toHaveLength(3);
  });

  it('dispose waits for a sample in flight', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let finished = false;
    const fake = {
      currentLoad: async () => {
        await slow;
        finished = true;
        return { currentLoad: 0, currentLoadUser: 0, currentLoadSystem: 0, cpus: [] };
      },
      mem: async () => ({ total: 1, available: 1, swaptotal: 0, swapused: 0 }),
      networkStats: async () => [],
      processes: async () => ({ all: 0, running: 0, sleeping: 0, blocked: 0 }),
    } as unknown as StatsSources;
    const service = new SystemStatsService({ children: { count: 0 }, bus: new EventBus(), logger: silentLogger(), intervalMs: () => 500, sources: fake });
    service.start();
    await new Promise((r) => setTimeout(r, 30));
    const disposed = service.dispose();
    setTimeout(release, 50);
    await disposed;
    expect(finished).toBe(true);
  });
});
