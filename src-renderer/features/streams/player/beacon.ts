/** `/live/<name>/beacon` next to the playlist, keeping its query (a signed URL's token). */
export function beaconUrl(playbackUrl: string): string {
  const url = new URL(playbackUrl, window.location.href);
  const beacon = new URL('beacon', url);
  beacon.search = url.search;
  return beacon.href;
}

/**
 * Tells the host how long this player took to start (viewer analytics). Best effort: a host without
 * the route (404), a network error or a refusal changes nothing for the viewer.
 */
export function sendStartupBeacon(playbackUrl: string, startupMs: number, sid: string | null): void {
  const body = JSON.stringify(sid ? { sid, startupMs: Math.round(startupMs) } : { startupMs: Math.round(startupMs) });
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
