import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import type { DataPlaneProbe, EdgeFunctionSpec, EdgeStats, PurgeRequest, SigningKeys } from '../../src-shared/contract/cdn.js';
import { writeFileAtomicSync } from '../core/atomic-file.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { UrlSigner } from '../protocols/signing.js';
import { parseAccessLine, RequestWindow, TagIndex, type AccessRecord } from './access-log.js';
import { MirrorTree, walk } from './mirror.js';
import { isMirrored, zoneOf, type CacheZone } from './nginx-conf.js';
import type { PlaylistMirror } from './playlist-mirror.js';
import { planPurge, signedName, type CacheVariant } from './purge-plan.js';
import type { NginxProcess } from './nginx-process.js';

export interface EdgeState {
  id: string;
  lastSeq: number | null;
  keys: SigningKeys | null;
  /** The edge functions the origin sent last: nginx runs them from start, before the origin is reached. */
  functions?: EdgeFunctionSpec[];
}

/** The agent's small persistent state (edge id, last purge applied, signing keys): 0600, in its folder. */
export class EdgeStateFile {
  constructor(private readonly file: string) {}

  load(): EdgeState {
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Partial<EdgeState>;
      if (typeof raw.id === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(raw.id)) {
        return { id: raw.id, lastSeq: typeof raw.lastSeq === 'number' ? raw.lastSeq : null, keys: raw.keys ?? null, functions: Array.isArray(raw.functions) ? raw.functions : [] };
      }
    } catch {
      // First run, or an unreadable file: a new identity.
    }
    return { id: `edge-${crypto.randomBytes(6).toString('hex')}`, lastSeq: null, keys: null };
  }

  save(state: EdgeState): void {
    writeFileAtomicSync(this.file, JSON.stringify(state), { mode: 0o600 });
  }
}

/** Total size of the files under a folder (the disk cache). */
export async function folderBytes(dir: string): Promise<number> {
  return (await walk(dir)).reduce((total, f) => total + f.size, 0);
}

/**
 * The control plane of one edge: reads nginx's access log into statistics and the tag index,
 * applies purges through nginx's control listener, and serves /metrics and /edge/health.
 */
export class EdgeAgentCore implements Service {
  readonly name = 'edge-agent';
  private readonly window = new RequestWindow();
  private readonly index = new TagIndex();
  private server: http.Server | null = null;
  private cacheBytes = 0;
  private sizeTimer: NodeJS.Timeout | null = null;
  private purges = { applied: 0, objects: 0 };
  private evicted = { files: 0, bytes: 0 };
  private readonly mirror: MirrorTree;
  linkConnected: () => boolean = () => false;

  constructor(
    private readonly deps: {
      logger: Logger;
      nginx: Pick<NginxProcess, 'up'>;
      /** The last probe through nginx (null before the first). */
      dataPlane: () => DataPlaneProbe | null;
      controlPort: number;
      cacheDir: string;
      /** The mirror tree (nginx-conf.ts cacheLayout) and its share of --cache-size (cacheBudget). */
      mirror: { dir: string; budgetBytes: number };
      state: EdgeState;
      saveState: (state: EdgeState) => void;
      drainLog: () => void;
      /** Where the tag index is kept between runs. */
      indexFile: string;
      /** The edge functions' counters (function-log.ts). */
      functions?: () => NonNullable<EdgeStats['functions']>;
      /** Warms the cache after fresh playlists (optional). */
      prefetcher?: { onRecord(record: AccessRecord): void; dispose(): void };
      /** The playlist tier (playlist-mirror.ts): told of viewers' playlist requests, purged with the rest. */
      playlists?: Pick<PlaylistMirror, 'seen' | 'purge' | 'dispose' | 'active'>;
    },
  ) {
    this.mirror = new MirrorTree(deps.mirror.dir);
    try {
      this.index.load(JSON.parse(fs.readFileSync(deps.indexFile, 'utf8')));
    } catch {
      // No saved index (first run, or a crash): purges by tag then reach only what is cached from now on.
    }
  }

  /** One line of nginx's access log. */
  onLogLine = (line: string): void => {
    const record = parseAccessLine(line);
    if (!record || !(record.uri.startsWith('/live/') || record.uri.startsWith('/vod/'))) return;
    this.window.add(record);
    this.index.add(record);
    this.deps.prefetcher?.onRecord(record);
    if (!record.prefetch && record.status < 400) this.deps.playlists?.seen(record.uri, record.variant);
  };

  /**
   * Starts the agent's own HTTP server on a loopback port the OS picks, none of `avoid` (ports promised
   * to nginx, not bound yet); nginx proxies to it.
   */
  async listen(avoid: readonly number[] = []): Promise<number> {
    const server = http.createServer((req, res) => this.serve(req, res));
    this.server = server;
    for (let attempt = 0; ; attempt++) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      if (!avoid.includes((server.address() as { port: number }).port) || attempt >= 20) break;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const refresh = (): void => {
      this.evict()
        .then(() => folderBytes(this.deps.cacheDir))
        .then((bytes) => (this.cacheBytes = bytes), () => undefined);
    };
    refresh();
    this.sizeTimer = setInterval(refresh, 10_000);
    this.sizeTimer.unref();
    return (server.address() as { port: number }).port;
  }

  /** Keeps the mirror within its budget, oldest files first (nginx's cache manager does the zones). */
  async evict(): Promise<void> {
    const result = await this.mirror.evict(this.deps.mirror.budgetBytes);
    if (result.files === 0) return;
    this.evicted.files += result.files;
    this.evicted.bytes += result.bytes;
    this.deps.logger.info({ files: result.files, bytes: result.bytes, kept: result.kept }, 'mirror evicted');
  }

  stats(): EdgeStats {
    const w = this.window.stats(Date.now());
    return {
      hitRatio: w.hitRatio,
      requests: w.requests,
      bytes: w.bytes,
      p50Ms: w.p50Ms,
      p95Ms: w.p95Ms,
      p99Ms: w.p99Ms,
      cacheBytes: this.cacheBytes,
      cores: os.availableParallelism(),
      nginxUp: this.deps.nginx.up,
      dataPlane: this.deps.dataPlane(),
      functions: this.deps.functions?.() ?? [],
    };
  }

  private readonly controlAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  /**
   * A GET on nginx's control listener (kept-alive connections: a purge is many small requests).
   * Purging and refreshing are idempotent, so a connection nginx closed without an answer is tried
   * again (3 attempts, 50 ms apart): during a graceful reload (every edge reloads on its welcome, to
   * take the origin's signing keys; key rotations too) an old worker on its way out closes the
   * connections it holds, kept-alive or just accepted. That was the "fresh edge answered its first
   * purge `failed` (objects 0)" bug: one request of the purge got "socket hang up".
   */
  private async control(url: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.controlOnce(url);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= 3 || !(code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNREFUSED')) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private controlOnce(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { agent: this.controlAgent, timeout: 20_000 }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', reject);
      });
      req.once('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
      req.once('error', reject);
    });
  }

  /** Applies purge `seq` (in order) and records it as the last one applied. */
  async applyPurge(seq: number, request: PurgeRequest): Promise<number> {
    const { lastSeq } = this.deps.state;
    if (lastSeq !== null && seq <= lastSeq) return 0;
    // Where a purge's time goes (logged with it): the log read, the plan, nginx's control requests and the mirror, the state file.
    const t0 = performance.now();
    this.deps.drainLog();
    const t1 = performance.now();
    const uris = new Set(planPurge(request, this.index));
    // The mirror is its own record of what it holds: a prefix purge does not depend on the index.
    if (request.prefix) for (const uri of await this.mirror.urisUnder(request.prefix)) uris.add(uri);
    let objects = 0;
    const signer = this.deps.state.keys ? new UrlSigner(this.deps.state.keys) : null;
    const control = (kind: 'purge' | 'refresh', zone: CacheZone, variant: CacheVariant, uri: string, query = ''): Promise<number> =>
      this.control(`http://127.0.0.1:${this.deps.controlPort}/${kind}/${zone}/${variant}${encodeURI(uri)}${query}`);
    const one = async (uri: string, variant: CacheVariant): Promise<void> => {
      let query = '';
      if (request.soft && variant === 's') {
        const name = signedName(uri);
        if (!name || !signer) return;
        query = `?${new URLSearchParams(signer.sign(name, { expiresInSec: 60 })).toString()}`;
      }
      const zone = zoneOf(uri);
      if (!isMirrored(uri)) {
        if ((await control(request.soft ? 'refresh' : 'purge', zone, variant, uri, query)) === 200) objects += 1;
      } else if (request.soft) {
        // Fetched again into the fill zone; the mirror file goes only then, and the next viewer's
        // miss is answered from the fresh copy. When the origin fails, the old file stays.
        if ((await control('refresh', zone, variant, uri, query)) === 200 && (await this.mirror.remove(variant, uri))) objects += 1;
      } else {
        // The fill zone's copy first, then the file: a viewer's miss in between would otherwise be
        // answered from the fill zone and stored into the mirror again (proxy_store), purge undone.
        const fill = await control('purge', zone, variant, uri);
        const file = await this.mirror.remove(variant, uri);
        if (file || fill === 200) objects += 1;
      }
    };
    const jobs = [...uris].flatMap((uri) => [() => one(uri, 'p'), () => one(uri, 's')]);
    const t2 = performance.now();
    // The playlist tier's files first (hard and soft purges alike: the next request goes to the origin
    // through proxy_cache, which is purged or refreshed below), so that no purged copy is served after.
    const playlistFiles = this.deps.playlists ? await this.deps.playlists.purge(request) : 0;
    await runLimited(jobs, 16);
    const t3 = performance.now();
    objects += playlistFiles;
    if (!request.soft) for (const uri of uris) this.index.forget(uri);
    this.purges.applied += 1;
    this.purges.objects += objects;
    this.deps.state.lastSeq = seq;
    this.deps.saveState(this.deps.state);
    const ms = (a: number, b: number): number => Math.round((b - a) * 10) / 10;
    const t4 = performance.now();
    this.deps.logger.info(
      { seq, uris: uris.size, objects, soft: request.soft ?? false, ms: { drainLog: ms(t0, t1), plan: ms(t1, t2), apply: ms(t2, t3), save: ms(t3, t4) } },
      'purge applied',
    );
    return objects;
  }

  metricsText(): string {
    const s = this.stats();
    const t = this.window.totals;
    const lines = [
      ['edge_requests_total', 'counter', 'Requests served', t.requests],
      ['edge_sent_bytes_total', 'counter', 'Body bytes sent', t.bytes],
      ['edge_cache_hits_total', 'counter', 'Requests answered from the cache', t.hits],
      ['edge_origin_fetches_total', 'counter', 'Requests that reached the origin', t.originFetches],
      ['edge_hit_ratio', 'gauge', 'Hit ratio over the last minute', s.hitRatio],
      ['edge_cache_bytes', 'gauge', 'Size of the disk cache', s.cacheBytes],
      ['edge_nginx_up', 'gauge', 'nginx is running', s.nginxUp ? 1 : 0],
      ['edge_data_plane_ok', 'gauge', 'The last probe through nginx passed', s.dataPlane?.ok ? 1 : 0],
      ['edge_origin_connected', 'gauge', 'The connection to the origin is up', this.linkConnected() ? 1 : 0],
      ['edge_purges_total', 'counter', 'Purges applied', this.purges.applied],
      ['edge_purged_objects_total', 'counter', 'Cache objects removed or refreshed by purges', this.purges.objects],
      ['edge_indexed_objects', 'gauge', 'Objects in the tag index', this.index.size],
      ['edge_mirror_evicted_files_total', 'counter', 'Mirror files deleted to stay within the cache size', this.evicted.files],
      ['edge_mirror_evicted_bytes_total', 'counter', 'Bytes of mirror files deleted to stay within the cache size', this.evicted.bytes],
      ['edge_active_playlists', 'gauge', 'Playlists kept as files, refreshed from the origin', this.deps.playlists?.active ?? 0],
    ] as const;
    const out: string[] = [];
    for (const [name, type, help, value] of lines) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    out.push('# HELP edge_request_ms Request time over the last minute', '# TYPE edge_request_ms summary');
    out.push(`edge_request_ms{quantile="0.5"} ${s.p50Ms}`, `edge_request_ms{quantile="0.95"} ${s.p95Ms}`, `edge_request_ms{quantile="0.99"} ${s.p99Ms}`);
    return `${out.join('\n')}\n`;
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.metricsText());
    } else if (req.url === '/edge/health') {
      // Serving means nginx runs and its data plane answered the last probe.
      const dataPlane = this.deps.dataPlane();
      const nginx = this.deps.nginx.up;
      const healthy = nginx && dataPlane?.ok === true;
      res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ id: this.deps.state.id, nginx, dataPlane, origin: this.linkConnected(), lastSeq: this.deps.state.lastSeq }));
    } else {
      res.writeHead(404).end();
    }
  }

  async dispose(): Promise<void> {
    if (this.sizeTimer) clearInterval(this.sizeTimer);
    this.controlAgent.destroy();
    this.deps.prefetcher?.dispose();
    this.deps.playlists?.dispose();
    this.deps.drainLog();
    fs.writeFileSync(this.deps.indexFile, JSON.stringify(this.index.toJSON()));
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function runLimited(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
