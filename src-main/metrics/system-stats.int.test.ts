import { describe, expect, it } from 'vitest';
import { systemStatsSchema, type SystemStats } from '../../src-shared/contract/system.js';
import { waitFor } from '../../test-support/wait.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { SystemStatsService } from './system-stats.js';

describe('SystemStatsService with systeminformation', () => {
  it('emits samples that match the contract every intervalMs and stops cleanly', { timeout: 20_000 }, async () => {
    const bus = new EventBus();
    const samples: SystemStats[] = [];
    bus.on('system.stats', (s) => samples.push(s));
    const service = new SystemStatsService({ children: { count: 3 }, bus, logger: silentLogger(), intervalMs: () => 500 });
    expect(service.latest()).toBeNull();
    service.start();
    await waitFor('two samples', () => samples.length >= 2, 10_000, 20);
    await service.dispose();
    const emitted = samples.length;

    for (const sample of samples) expect(systemStatsSchema.parse(sample)).toEqual(sample);
    const [first, second] = samples as [SystemStats, SystemStats];
    expect(second.at - first.at).toBeGreaterThanOrEqual(450);
    expect(first.network.rxBytesPerSec).toBeGreaterThanOrEqual(0); // null on the first call -> 0
    expect(first.memory.usedBytes).toBe(first.memory.totalBytes - first.memory.availableBytes);
    expect(first.cpu.cores.length).toBeGreaterThan(0);
    expect(first.host).toMatchObject({ pid: process.pid, children: 3 });
    expect(first.processes.all).toBeGreaterThan(0);
    expect(service.latest()).toBe(samples.at(-1));

    await new Promise((r) => setTimeout(r, 800));
    expect(samples.length).toBe(emitted); // no tick after dispose
  });
});
