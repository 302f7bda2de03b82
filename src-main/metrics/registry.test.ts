import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { register as globalRegistry } from 'prom-client';
import type { SystemStats } from '../../src-shared/contract/system.js';
import { EventBus } from '../core/bus.js';
import { bindSystemStats, createMetrics } from './registry.js';

const sample = {
  at: 1,
  cpu: { loadPercent: 42.5, userPercent: 30, systemPercent: 12.5, cores: [42.5], loadAvg: [0, 0, 0] },
  memory: { totalBytes: 100, usedBytes: 60, availableBytes: 40, swapTotalBytes: 0, swapUsedBytes: 0 },
  network: { rxBytesPerSec: 1234, txBytesPerSec: 567, interfaces: [] },
  processes: { all: 1, running: 1, sleeping: 0, blocked: 0 },
  host: { pid: 1, cpuPercent: 1, rssBytes: 1, heapUsedBytes: 1, uptimeSec: 1, children: 0 },
} satisfies SystemStats;

describe('metrics registry', () => {
  it('has prefixed default metrics in its own registry and gauges fed by system.stats', async () => {
    const registry = createMetrics();
    expect(registry).not.toBe(globalRegistry);
    const bus = new EventBus();
    const unbind = bindSystemStats(registry, bus);
    bus.emit('system.stats', sample);
    const text = await registry.metrics();
    expect(text).toMatch(/^streams_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^streams_nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^streams_system_cpu_percent 42\.5$/m);
    expect(text).toMatch(/^streams_system_memory_used_bytes 60$/m);
    expect(text).toMatch(/^streams_system_network_rx_bytes_per_second 1234$/m);
    expect(text).toMatch(/^streams_system_network_tx_bytes_per_second 567$/m);

    unbind();
    expect(() => bindSystemStats(registry, bus)).not.toThrow(); // binding again reuses the gauges
    expect(await globalRegistry.metrics()).not.toContain('streams_system_cpu_percent');
  });

  it('gives the heap in use after the last full collection (the live set)', async () => {
    const registry = createMetrics();
    const live = async (): Promise<number> => Number(/^streams_nodejs_heap_live_after_full_gc_bytes (\S+)$/m.exec(await registry.metrics())?.[1]);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    gc();
    await expect.poll(live).toBeGreaterThan(0);
    const before = await live();
    const kept = { arrays: Array.from({ length: 40 }, () => new Array<number>(50_000).fill(1)) }; // ~16 MB held
    gc();
    await expect.poll(live).toBeGreaterThan(before + 12e6);
    kept.arrays = [];
    gc();
    await expect.poll(live).toBeLessThan(before + 4e6);
    expect(kept.arrays).toHaveLength(0);
  });
});
