/** `/live/<name>/beacon` next to the playlist, keeping its query (a signed URL's token). */
export function beaconUrl(playbackUrl: string): string {
  const url = new URL(playbackUrl, window.location.href);
  const beacon = new URL('beacon', url);
  beacon.search = url.search;
  return beacon.href;
}

/** How often a playing preview reports its latency (viewer analytics keep the median per protocol). */
export const LATENCY_BEACON_MS = 10_000;

/**
 * Tells the host what this player measured: its startup time, or its latency at the live point
 * (viewer analytics). Best effort: a host without the route (404), a network error or a refusal
 * changes nothing for the viewer.
 */
export function sendBeacon(playbackUrl: string, sid: string | null, figures: { startupMs?: number; latencyMs?: number }): void {
  const rounded = Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, Math.round(value)]));
  const body = JSON.stringify(sid ? { sid, ...rounded } : rounded);
  try {
    void fetch(beaconUrl(playbackUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      keepalive: true,
      credentials: 'same-origin',
    }).catch(() => undefined);
  } catch {
    // A malformed URL: analytics are not worth an error.
  }
}
