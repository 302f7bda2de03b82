/** Which edge a viewer's player uses: probed latency first, failover down the list on errors. */

export interface EdgeCandidate {
  id: string;
  region: string;
  hls: string;
}

export interface Probe<T extends EdgeCandidate = EdgeCandidate> {
  edge: T;
  /** Round trip of a small request, ms; null when it failed or timed out. */
  ms: number | null;
}

/** Fastest first; edges that did not answer go last (still worth a try before giving up). */
export function orderByLatency<T extends EdgeCandidate>(probes: Probe<T>[]): Probe<T>[] {
  return [...probes].sort((a, b) => (a.ms ?? Infinity) - (b.ms ?? Infinity) || a.edge.id.localeCompare(b.edge.id));
}

/** The health URL of the edge serving `hls` (`http://edge:8081/live/x/index.m3u8` -> `http://edge:8081/edge/health`). */
export function healthUrlOf(hls: string): string {
  const url = new URL(hls);
  return `${url.origin}/edge/health`;
}

/** Time of one no-cors request (the timing is what counts, not the body). */
export async function probeLatency(url: string, timeoutMs = 2000): Promise<number | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = performance.now();
  try {
    await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: controller.signal });
    return performance.now() - started;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export async function probeEdges<T extends EdgeCandidate>(edges: T[], probe = probeLatency): Promise<Probe<T>[]> {
  const probes = await Promise.all(edges.map(async (edge) => ({ edge, ms: await probe(healthUrlOf(edge.hls)) })));
  return orderByLatency(probes);
}
