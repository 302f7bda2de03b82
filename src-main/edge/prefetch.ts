import http from 'node:http';
import type { AccessRecord } from './access-log.js';

/** The newest `count` media segments of an HLS media playlist, as absolute paths without query. */
export function newestSegments(playlist: string, playlistUri: string, count = 2): string[] {
  const base = new URL(playlistUri, 'http://edge');
  return playlist
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .slice(-count)
    .map((ref) => new URL(ref, base).pathname)
    .filter((p) => p.startsWith('/live/'));
}

/**
 * Warms the cache with the newest segments each time a media playlist comes fresh from the origin:
 * the first viewer to ask for a new segment then finds it cached. The agent's own requests carry
 * `X-Edge-Prefetch: 1` and are left out of the statistics.
 */
export class Prefetcher {
  private readonly recent = new Map<string, number>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly base: { host: string; port: number },
    /** The signature query for a stream, for objects cached in the signed variant; null when unknown. */
    private readonly signatureFor: (name: string) => string | null,
    private readonly count = 2,
  ) {}

  /** Called for every access log record. */
  onRecord(record: AccessRecord): void {
    if (record.prefetch || !record.upstream || record.status !== 200) return;
    this.warm(record.uri, record.variant);
  }

  /** A media playlist just came fresh from the origin (through nginx, or the agent's playlist tier). */
  warm(uri: string, variant: 's' | 'p'): void {
    if (!/\/[^/]+\.m3u8$/.test(uri) || uri.endsWith('/index.m3u8')) return;
    const key = `${variant}${uri}`;
    const now = Date.now();
    if ((this.recent.get(key) ?? 0) > now - 500) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.recent.clear();
    void this.run(uri, variant).catch(() => undefined);
  }

  private async run(uri: string, variant: 's' | 'p'): Promise<void> {
    let query = '';
    if (variant === 's') {
      const name = /^\/live\/([^/]+)\//.exec(uri)?.[1];
      const signature = name ? this.signatureFor(name) : null;
      if (!signature) return;
      query = `?${signature}`;
    }
    const playlist = await this.get(uri + query, true);
    if (playlist === null) return;
    await Promise.all(newestSegments(playlist, uri, this.count).map((segment) => this.get(segment + query, false)));
  }

  private get(path: string, keepBody: boolean): Promise<string | null> {
    return new Promise((resolve) => {
      const req = http.get(
        { host: this.base.host, port: this.base.port, path, agent: this.agent, headers: { 'x-edge-prefetch': '1' }, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => keepBody && chunks.push(d));
          res.once('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : null));
          res.once('error', () => resolve(null));
        },
      );
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve(null));
    });
  }

  dispose(): void {
    this.agent.destroy();
  }
}
