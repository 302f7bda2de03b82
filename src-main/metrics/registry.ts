import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from '../core/bus.js';

export const METRICS_PREFIX = 'streams_';

/** A registry of our own (never prom-client's global one) with Node's default process metrics. */
export function createMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
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
