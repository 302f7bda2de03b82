import { Gauge, type Registry } from 'prom-client';
import { streamStates } from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import { METRICS_PREFIX } from './registry.js';

/**
 * Per-stream gauges fed from the same events the UI receives, so that Prometheus, the API and the
 * dashboard never disagree. A deleted stream's series are removed.
 */
export function bindStreamMetrics(registry: Registry, bus: Pick<EventBus, 'on'>): () => void {
  const labelNames = ['stream'] as const;
  const make = (name: string, help: string, labels: readonly string[] = labelNames): Gauge<string> =>
    new Gauge({ name: `${METRICS_PREFIX}${name}`, help, labelNames: labels, registers: [registry] });
  const viewers = make('stream_viewers', 'Concurrent viewers of a stream (all protocols)');
  const renditionViewers = make('stream_rendition_viewers', 'Concurrent viewers per rendition', ['stream', 'rendition']);
  const bitrateIn = make('stream_bitrate_in_kbps', 'Ingest bitrate of a live stream');
  const bitrateOut = make('stream_bitrate_out_kbps', 'Bitrate served to viewers of a stream');
  const bytesOut = make('stream_bytes_out', 'Bytes served to viewers of a stream since it was created');
  const dropped = make('stream_dropped_chunks', 'Media chunks dropped by slow readers of a live stream');
  const state = make('stream_state', 'Current state of a stream (1 for the state it is in)', ['stream', 'state']);

  const forget = (name: string): void => {
    for (const g of [viewers, bitrateIn, bitrateOut, bytesOut, dropped]) g.remove(name);
    for (const s of streamStates) state.remove(name, s);
    renditionViewers.reset();
  };
  const offs = [
    bus.on('stream.stats', (s) => {
      bitrateIn.set({ stream: s.name }, s.bitrateInKbps);
      bitrateOut.set({ stream: s.name }, s.bitrateOutKbps);
      dropped.set({ stream: s.name }, s.droppedChunks);
    }),
    bus.on('stream.viewers', (v) => {
      viewers.set({ stream: v.name }, v.viewers);
      bytesOut.set({ stream: v.name }, v.bytesOut);
      for (const [rendition, count] of Object.entries(v.byRendition)) renditionViewers.set({ stream: v.name, rendition }, count);
    }),
    bus.on('stream.state', (e) => {
      for (const s of streamStates) state.set({ stream: e.name, state: s }, s === e.state ? 1 : 0);
      if (e.state !== 'live') {
        bitrateIn.set({ stream: e.name }, 0);
        bitrateOut.set({ stream: e.name }, 0);
      }
    }),
    bus.on('streams.changed', (c) => {
      if (c.stream === null) forget(c.name);
    }),
  ];
  return () => offs.forEach((off) => off());
}
