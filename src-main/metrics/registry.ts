import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from '../core/bus.js';

export const METRICS_PREFIX = 'streams_';

/** The heap in use as the last full collection left it (NaN before the first); one observer per process. */
let liveHeap = NaN;
let gcObserver: PerformanceObserver | undefined;

/**
 * Watches full (mark-compact) collections and notes the heap in use just after each: the live set.
 * V8 lets a busy heap fill with garbage to several times that before a full collection, so RSS and
 * the heap used saw up and down by hundreds of megabytes; the live set does not, and its trend is
 * what a leak moves. Read at the observer's callback, a moment after the collection (what was
 * allocated in between is counted too: little beside the live set).
 */
function watchLiveHeap(): void {
  if (gcObserver) return;
  gcObserver = new PerformanceObserver((list) => {
    const entries = list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[];
    if (entries.some((e) => e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) liveHeap = v8.getHeapStatistics().used_heap_size;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
}

/** A registry of our own (never prom-client's global one) with Node's default process metrics and the live heap. */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  watchLiveHeap();
  new Gauge({
    name: `${METRICS_PREFIX}nodejs_heap_live_after_full_gc_bytes`,
    help: 'Heap in use just after the last full (mark-compact) collection: the live set, whose trend over hours shows a leak (NaN before the first)',
    registers: [registry],
    collect() {
      this.set(liveHeap);
    },
  });
  return registry;
}

/** A gauge in `registry`, reused if it is already there (bindSystemStats may be called again after a reload). */
function gauge(registry: Registry, name: string, help: string): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Gauge) return existing;
  return new Gauge({ name, help, registers: [registry] });
}

/** Feeds system gauges from each `system.stats` event; returns the unsubscribe function. */
export function bindSystemStats(registry: Registry, bus: Pick<EventBus, 'on'>): () => void {
  const cpu = gauge(registry, `${METRICS_PREFIX}system_cpu_percent`, 'Machine CPU load, percent of all cores');
  const memory = gauge(registry, `${METRICS_PREFIX}system_memory_used_bytes`, 'Memory used by programs, not counting caches');
  const rx = gauge(registry, `${METRICS_PREFIX}system_network_rx_bytes_per_second`, 'Bytes received per second, loopback excluded');
  const tx = gauge(registry, `${METRICS_PREFIX}system_network_tx_bytes_per_second`, 'Bytes sent per second, loopback excluded');
  return bus.on('system.stats', (stats) => {
    cpu.set(stats.cpu.loadPercent);
    memory.set(stats.memory.usedBytes);
    rx.set(stats.network.rxBytesPerSec);
    tx.set(stats.network.txBytesPerSec);
  });
}

/** WHEP viewers by the path that feeds them (`path`: native or js), read from `count` at each scrape. */
export function bindWebRtcMetrics(registry: Registry, count: () => { native: number; js: number }): void {
  if (registry.getSingleMetric(`${METRICS_PREFIX}webrtc_viewers`)) return;
  new Gauge({
    name: `${METRICS_PREFIX}webrtc_viewers`,
    help: 'Connected WHEP viewers by what feeds them: native (the fan-out addon, libsrtp) or js (werift)',
    labelNames: ['path'],
    registers: [registry],
    collect() {
      const now = count();
      this.set({ path: 'native' }, now.native);
      this.set({ path: 'js' }, now.js);
    },
  });
}
