/**
 * Limits every listener shares: open connections per address, and the sites that may embed playback.
 * Pure or in-memory; the servers call them before anything else is read.
 */

/** Open connections per address (RTMP, SRT, WebRTC sessions), against a limit read on each open. */
export class PerAddressConnections {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: () => number) {}

  /** Counts a new connection of `ip`; returns its release, or null when the address is at its limit (0: none). */
  acquire(ip: string): (() => void) | null {
    const limit = this.limit();
    const now = this.open.get(ip) ?? 0;
    if (limit > 0 && now >= limit) return null;
    this.open.set(ip, now + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(ip) ?? 1) - 1;
      if (left <= 0) this.open.delete(ip);
      else this.open.set(ip, left);
    };
  }

  count(ip: string): number {
    return this.open.get(ip) ?? 0;
  }
}

/** The origin of a URL (`https://example.com`), or null. */
function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * Hotlink protection: whether a playback request may be served. Its Origin (else its Referer's origin)
 * must be one of `allowed` (`*` allows any) or the host's own; a request with neither (a native app,
 * curl, a player that sends none) is served. An empty list allows every site.
 */
export function originAllowed(allowed: readonly string[], headers: { origin?: string | undefined; referer?: string | undefined; host?: string | undefined }): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  const origin = originOf(headers.origin) ?? originOf(headers.referer);
  if (origin === null) return true;
  if (headers.host && new URL(origin).host === headers.host) return true;
  return allowed.some((a) => a.replace(/\/+$/, '').toLowerCase() === origin.toLowerCase());
}
