// The reference of bench/soak's event-loop figure: a Node process with nothing to do on the same
// machine, measuring its own event-loop delay the way the host's /metrics does (prom-client's
// monitorEventLoopDelay at 10 ms). Whatever delay it sees is the machine's (two cores shared with the
// publishers, viewers and edges of the soak), not the host's code; the host's minus it is the host's.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 10 });
histogram.enable();
process.on('message', (m) => {
  if (m?.type !== 'report') return;
  process.send?.({ type: 'report', p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 });
  histogram.reset();
});
process.on('disconnect', () => process.exit(0));
