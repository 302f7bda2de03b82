import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-support/host-process.js';
import { pidsMatching } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { sleep } from '../../test-support/wait.js';
import { ChildRegistry } from '../core/children.js';
import { silentLogger } from '../core/logger.js';
import { findModulesDir, findNginx, NginxProcess } from './nginx-process.js';

/**
 * A fake low-latency origin: parts appear when the test produces them; a blocking playlist reload or
 * a part request waits until its part exists and every waiter is answered at that instant; a segment in
 * progress is streamed in chunks (`X-Accel-Buffering: no`); "not produced yet" is a no-store 404.
 */
class LlOrigin {
  readonly server = http.createServer((req, res) => this.handle(req, res));
  /** Requests per path + `_HLS_*` arguments as the origin read them. */
  readonly requests = new Map<string, number>();
  /** When each part was produced (performance.now()). */
  readonly producedAt = new Map<string, number>();
  /** performance.now() of each chunk written of a streamed segment. */
  readonly chunkWrites: number[] = [];
  private readonly waiters = new Map<string, (() => void)[]>();
  /** The origin cut off: requests are taken and never answered (as when its packets are dropped). */
  hung = false;

  produce(msn: number, part: number): void {
    const key = `${msn}.${part}`;
    this.producedAt.set(key, performance.now());
    for (const wake of this.waiters.get(key) ?? []) wake();
    this.waiters.delete(key);
  }

  count(p: string): number {
    return this.requests.get(p) ?? 0;
  }

  private until(msn: number, part: number): Promise<void> {
    const key = `${msn}.${part}`;
    if (this.producedAt.has(key)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://origin');
    const q = url.searchParams;
    const hls = ['_HLS_msn', '_HLS_part', '_HLS_skip'].filter((n) => q.has(n)).map((n) => `${n}=${q.get(n)}`);
    const counted = url.pathname + (hls.length ? `?${hls.join('&')}` : '');
    this.requests.set(counted, this.count(counted) + 1);
    if (this.hung) return;
    const media = { 'content-type': 'video/iso.segment', 'cache-control': 'public, max-age=600, immutable' };
    const playlist = { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'public, max-age=1' };
    let m: RegExpExecArray | null;
    if (url.pathname === '/live/demo/v0.m3u8') {
      const msn = q.get('_HLS_msn');
      const body = (): string => `#EXTM3U\n# answered to ${hls.join('&') || 'plain'}\n`;
      if (msn === null) {
        res.writeHead(200, playlist).end(body());
        return;
      }
      void this.until(Number(msn), Number(q.get('_HLS_part') ?? 0)).then(() => res.writeHead(200, playlist).end(body()));
      return;
    }
    if ((m = /^\/live\/demo\/s\/r1\/part-0-(\d+)-(\d+)\.m4s$/.exec(url.pathname))) {
      const [msn, part] = [Number(m[1]), Number(m[2])];
      if (msn >= 100) {
        res.writeHead(404, { 'cache-control': 'no-store', 'x-accel-expires': '0', 'content-type': 'application/json' }).end('{"error":"not yet"}');
        return;
      }
      void this.until(msn, part).then(() => res.writeHead(200, media).end(Buffer.alloc(30_000, part)));
      return;
    }
    if (url.pathname === '/live/demo/s/r1/seg-0-7.m4s') {
      if (this.chunkWrites.length > 0) {
        res.writeHead(200, media).end(Buffer.alloc(5 * 60_000, 1));
        return;
      }
      // In progress: the chunks as they are produced, one every 200 ms.
      res.writeHead(200, { ...media, 'x-accel-buffering': 'no' });
      const write = (): void => {
        this.chunkWrites.push(performance.now());
        res.write(Buffer.alloc(60_000, 1));
        if (this.chunkWrites.length === 5) res.end();
        else setTimeout(write, 200);
      };
      write();
      return;
    }
    res.writeHead(404, { 'cache-control': 'no-store' }).end();
  }
}

interface Got {
  status: number;
  cache: string;
  body: string;
  /** performance.now() of the first body bytes and of the end. */
  first: number;
  end: number;
}

describe.skipIf(needs('nginx'))('low-latency HLS and DASH through an edge', () => {
  const modulesDir = findModulesDir();
  const nginxBin = findNginx();
  const children = new ChildRegistry();
  const origin = new LlOrigin();
  let dir: string;
  let nginx: NginxProcess;
  let port = 0;

  /** A GET on its own connection (as separate viewers). */
  const get = (p: string): Promise<Got> =>
    new Promise((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          let first = 0;
          res.on('data', (d: Buffer) => {
            if (first === 0) first = performance.now();
            chunks.push(d);
          });
          res.once('end', () =>
            resolve({ status: res.statusCode ?? 0, cache: String(res.headers['x-cache']), body: Buffer.concat(chunks).toString('latin1'), first, end: performance.now() }),
          );
          res.once('error', reject);
        })
        .once('error', reject);
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-ll-'));
    await new Promise<void>((resolve) => origin.server.listen(0, '127.0.0.1', resolve));
    port = await freePort();
    nginx = new NginxProcess(
      { children, logger: silentLogger(), bin: nginxBin! },
      {
        dir, cacheDir: path.join(dir, 'cache'), cacheSize: '64m', port, bind: '127.0.0.1', controlPort: await freePort(), fillPort: await freePort(), agentPort: await freePort(),
        origin: `http://127.0.0.1:${(origin.server.address() as { port: number }).port}`, keys: { current: 'll-edge-key-0123456789', previous: null },
        modulesDir: modulesDir!, workerProcesses: 2,
      },
    );
    await nginx.start();
  });

  afterAll(async () => {
    await nginx?.dispose();
    await children.dispose();
    origin.server.closeAllConnections();
    await new Promise((resolve) => origin.server.close(resolve));
    expect(pidsMatching(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers identical blocking reloads together, from one cache entry, without the cache lock\'s 500 ms', async () => {
    const blocking = '/live/demo/v0.m3u8?_HLS_msn=3&_HLS_part=1';
    const viewers = Array.from({ length: 20 }, (_, i) => sleep(i).then(() => get(`${blocking}&sid=viewer${i}`)));
    await sleep(150);
    origin.produce(3, 1);
    const produced = origin.producedAt.get('3.1')!;
    const answers = await Promise.all(viewers);
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(a.body).toContain('answered to _HLS_msn=3&_HLS_part=1');
      // The lock would have kept waiters until its next 500 ms re-check.
      expect(a.end - produced).toBeLessThan(100);
    }
    // No lock: the waiters went to the origin, which held them all (at most one request per viewer).
    expect(origin.count('/live/demo/v0.m3u8?_HLS_msn=3&_HLS_part=1')).toBeLessThanOrEqual(20);
    const before = origin.count('/live/demo/v0.m3u8?_HLS_msn=3&_HLS_part=1');
    // The same request written differently (order, leading zeros, other arguments) is the same entry.
    for (const again of [blocking, '/live/demo/v0.m3u8?sid=x&_HLS_part=01&_HLS_msn=003']) {
      const a = await get(again);
      expect(a.cache).toBe('HIT');
      expect(a.body).toContain('answered to _HLS_msn=3&_HLS_part=1');
    }
    expect(origin.count('/live/demo/v0.m3u8?_HLS_msn=3&_HLS_part=1')).toBe(before);
  });

  it('never hands one blocking, delta or plain request the answer of another', async () => {
    origin.produce(3, 2);
    origin.produce(4, 0);
    const asks = [
      ['/live/demo/v0.m3u8', 'plain'],
      ['/live/demo/v0.m3u8?_HLS_msn=3&_HLS_part=2', '_HLS_msn=3&_HLS_part=2'],
      ['/live/demo/v0.m3u8?_HLS_msn=4', '_HLS_msn=4'],
      ['/live/demo/v0.m3u8?_HLS_msn=4&_HLS_part=0', '_HLS_msn=4&_HLS_part=0'],
      ['/live/demo/v0.m3u8?_HLS_msn=4&_HLS_skip=YES', '_HLS_msn=4&_HLS_skip=YES'],
      ['/live/demo/v0.m3u8?_HLS_msn=4&_HLS_skip=v2', '_HLS_msn=4&_HLS_skip=v2'],
      // Names are case-sensitive at the origin: this one is a plain request there, and here.
      ['/live/demo/v0.m3u8?_hls_msn=4', 'plain'],
    ] as const;
    for (let round = 0; round < 2; round += 1) {
      for (const [p, answer] of asks) expect((await get(p)).body, p).toContain(`answered to ${answer}\n`);
    }
    // A percent-encoded name the origin decodes: served, but neither from nor into the cache.
    const odd = await get('/live/demo/v0.m3u8?%5FHLS_skip=YES');
    expect(odd.body).toContain('answered to _HLS_skip=YES');
    expect(odd.cache).toBe('BYPASS');
    expect((await get('/live/demo/v0.m3u8')).body).toContain('answered to plain\n');
  });

  it('answers a preload-hinted part within 100 ms of the origin, then serves it from the cache', async () => {
    const part = '/live/demo/s/r1/part-0-5-0.m4s';
    const viewers = Array.from({ length: 20 }, (_, i) => sleep(i).then(() => get(`${part}?sid=viewer${i}`)));
    await sleep(200);
    origin.produce(5, 0);
    const produced = origin.producedAt.get('5.0')!;
    const answers = await Promise.all(viewers);
    const late = answers.map((a) => a.end - produced);
    expect(answers.every((a) => a.status === 200 && a.body.length === 30_000)).toBe(true);
    expect(Math.max(...late)).toBeLessThan(100);
    const requests = origin.count(part);
    const again = await get(`${part}?sid=late`);
    expect(again.cache).toBe('HIT');
    expect(again.body.length).toBe(30_000);
    expect(origin.count(part)).toBe(requests);
  });

  it('streams a segment in progress through as the origin writes it; the complete segment is then cached', async () => {
    const seg = '/live/demo/s/r1/seg-0-7.m4s';
    const streamed = await get(seg);
    expect(streamed.status).toBe(200);
    expect(streamed.body.length).toBe(5 * 60_000);
    expect(origin.chunkWrites).toHaveLength(5);
    // First bytes long before the last chunk was written (800 ms after the first).
    expect(streamed.first).toBeLessThan(origin.chunkWrites[4]! - 500);
    expect(streamed.first - origin.chunkWrites[0]!).toBeLessThan(100);
    // A response being written is not stored; the next one (complete, buffered) is, and then served.
    expect((await get(seg)).cache).toBe('MISS');
    const hit = await get(seg);
    expect(hit.cache).toBe('HIT');
    expect(hit.body.length).toBe(5 * 60_000);
  });

  it('does not cache the origin\'s no-store 404 for what is not produced yet', async () => {
    const ahead = '/live/demo/s/r1/part-0-100-0.m4s';
    for (let i = 0; i < 3; i += 1) {
      const a = await get(ahead);
      expect(a.status).toBe(404);
      expect(a.cache).not.toBe('HIT');
    }
    expect(origin.count(ahead)).toBe(3);
  });

  it('answers a plain playlist with its last copy within seconds when the origin stops answering', async () => {
    const fresh = await get('/live/demo/v0.m3u8?sid=a');
    expect(fresh.body).toContain('answered to plain');
    origin.hung = true;
    try {
      // nginx counts a copy's life in whole seconds: max-age=1 is over within 2 s.
      await new Promise((r) => setTimeout(r, 2100));
      // Expired (max-age=1): the edge asks the origin, which never answers; after the playlists' 4 s
      // read timeout the viewer gets the last copy, not an error after the blocking requests' 20 s.
      const t0 = performance.now();
      const stale = await get('/live/demo/v0.m3u8?sid=b');
      const waited = performance.now() - t0;
      expect(stale.status).toBe(200);
      expect(stale.cache).toBe('STALE');
      expect(stale.body).toBe(fresh.body);
      expect(waited).toBeGreaterThan(3000);
      expect(waited).toBeLessThan(8000);
    } finally {
      origin.hung = false;
    }
  }, 20_000);
});
