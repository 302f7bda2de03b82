import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { PurgeRequest } from '../../src-shared/contract/cdn.js';
import type { Logger } from '../core/logger.js';
import { mirrorPath } from './mirror.js';
import { PLAYLIST_LIMITS, PlaylistPlan, type OriginAnswer, type PlaylistEntry, type PlaylistLimits } from './playlist-plan.js';
import { pathOf, signedName, type CacheVariant } from './purge-plan.js';

/**
 * The playlist tier's files (rules: playlist-plan.ts): `<root>/<variant><uri>`, fetched from the origin
 * every `refreshMs` while viewers ask for them, written atomically (a temp file renamed over the old
 * one in the same folder: nginx opens either the old or the new file, never a half-written one),
 * readable by nginx's workers (0644 files, 0755 folders: they may run as `nobody`).
 */
export class PlaylistMirror {
  private readonly plan: PlaylistPlan;
  private timer: NodeJS.Timeout | null = null;
  private readonly agent: http.Agent;
  private readonly originUrl: URL;
  private stopped = false;

  constructor(
    private readonly deps: {
      root: string;
      origin: string;
      logger: Logger;
      /** The signature query (without `?`) for a stream's signed variant; null while no keys are known. */
      signatureFor: (name: string) => string | null;
      /** Called when a playlist's body changed (the prefetcher warms its newest segments). */
      onFresh?: (uri: string, variant: CacheVariant) => void;
      limits?: PlaylistLimits;
    },
  ) {
    this.plan = new PlaylistPlan(deps.limits ?? PLAYLIST_LIMITS);
    this.originUrl = new URL(deps.origin);
    const Agent = this.originUrl.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 16 });
  }

  get active(): number {
    return this.plan.size;
  }

  start(): void {
    // Files left by an agent that was killed are of unknown age: gone before nginx may serve them.
    fs.rmSync(this.deps.root, { recursive: true, force: true });
    fs.mkdirSync(this.deps.root, { recursive: true, mode: 0o755 });
    const every = (this.deps.limits ?? PLAYLIST_LIMITS).refreshMs;
    this.timer = setInterval(() => this.tick(), every);
    this.timer.unref();
  }

  /** A viewer's request seen in the access log (not the agent's own). */
  seen(uri: string, variant: CacheVariant, now = Date.now()): void {
    if (this.stopped) return;
    if (this.plan.seen(uri, variant, now)) this.tick();
  }

  /** Deletes the files a purge reaches; returns how many there were. */
  async purge(request: PurgeRequest): Promise<number> {
    const doomed = this.plan.purge(request, Date.now());
    let files = 0;
    for (const entry of doomed) if (await this.unlink(entry.variant, entry.uri)) files += 1;
    // A URL purged while not active may still have a file (a crash before its removal): delete it too.
    for (const url of request.urls ?? []) {
      const uri = pathOf(url);
      for (const variant of ['s', 'p'] as const) if (!this.plan.get(variant, uri) && (await this.unlink(variant, uri))) files += 1;
    }
    return files;
  }

  private tick(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const entry of this.plan.expire(now)) void this.unlink(entry.variant, entry.uri);
    for (const entry of this.plan.due()) void this.refresh(entry);
  }

  private async refresh(entry: PlaylistEntry): Promise<void> {
    const generation = entry.generation;
    const answer = await this.fetch(entry);
    const action = this.plan.answered(entry, generation, answer, Date.now());
    if (!action || this.stopped) return;
    if (action.do === 'delete') await this.unlink(entry.variant, entry.uri);
    else if (action.do === 'write') {
      try {
        await this.write(entry.variant, entry.uri, action.body);
      } catch (error) {
        entry.hasFile = false;
        entry.body = null;
        this.deps.logger.warn({ err: error, uri: entry.uri }, 'playlist file not written');
        return;
      }
      // Purged while it was written: the file must not stay.
      if (this.plan.get(entry.variant, entry.uri) !== entry) await this.unlink(entry.variant, entry.uri);
      else if (action.changed) this.deps.onFresh?.(entry.uri, entry.variant);
    }
  }

  private fetch(entry: PlaylistEntry): Promise<OriginAnswer> {
    let query = '';
    if (entry.variant === 's') {
      // The access log's $uri is decoded already: the name is as nginx checks it.
      const name = signedName(entry.uri);
      const signature = name ? this.deps.signatureFor(name) : null;
      if (!signature) return Promise.resolve({ kind: 'failed' });
      query = `?${signature}`;
    }
    const url = new URL(encodeURI(entry.uri) + query, this.originUrl);
    const get = url.protocol === 'https:' ? https.get : http.get;
    return new Promise((resolve) => {
      const req = get(url, { agent: this.agent, timeout: 4000, headers: { 'x-edge-prefetch': '1' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.once('end', () => {
          const cc = res.headers['cache-control'];
          const key = res.headers['surrogate-key'];
          resolve({
            kind: 'ok',
            status: res.statusCode ?? 0,
            cacheControl: typeof cc === 'string' ? cc : null,
            body: Buffer.concat(chunks).toString('utf8'),
            tags: typeof key === 'string' ? key.split(/\s+/).filter(Boolean) : [],
          });
        });
        res.once('error', () => resolve({ kind: 'failed' }));
      });
      req.once('timeout', () => req.destroy(new Error('timeout')));
      req.once('error', () => resolve({ kind: 'failed' }));
    });
  }

  private async write(variant: CacheVariant, uri: string, body: string): Promise<void> {
    const file = mirrorPath(this.deps.root, variant, uri);
    if (!file) throw new Error(`not a playlist path: ${uri}`);
    const dir = path.dirname(file);
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o755 });
    const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(4).toString('hex')}.tmp`);
    await fs.promises.writeFile(tmp, body, { mode: 0o644 });
    try {
      await fs.promises.rename(tmp, file);
    } catch (error) {
      await fs.promises.unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  private async unlink(variant: CacheVariant, uri: string): Promise<boolean> {
    const file = mirrorPath(this.deps.root, variant, uri);
    if (!file) return false;
    return fs.promises.unlink(file).then(
      () => true,
      () => false,
    );
  }

  /** Stops refreshing and deletes every file (a stopped agent must not leave playlists to go stale). */
  dispose(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.agent.destroy();
    this.plan.clear();
    fs.rmSync(this.deps.root, { recursive: true, force: true });
  }
}
