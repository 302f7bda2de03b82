import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeHarness, type EdgeHarness } from '../../test-support/edge-harness.js';
import { needs } from '../../test-support/peers.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import { UrlSigner } from '../protocols/signing.js';
import { cacheLayout, FETCH_LOG } from './nginx-conf.js';

// The mirror tier against a real nginx (nginx-conf.ts): immutable objects are stored as files and
// served as static files, misses collapse into one origin fetch, the agent purges and evicts files,
// and a purge during a graceful reload still reaches every object.
const KEY = 'mirror-test-key-0123456789';
describe.skipIf(needs('nginx'))('the edge mirror (nginx, agent)', () => {
  let edge: EdgeHarness;
  let base = '';
  let mirror = '';
  /** Origin requests by path (query stripped). */
  const asked = new Map<string, number>();
  /** Paths the origin has deleted (answered 404 from then on). */
  const deleted = new Set<string>();

  beforeAll(async () => {
    edge = await startEdgeHarness({
      prefix: 'edge-mirror-',
      key: KEY,
      mirrorBudgetBytes: 1024 * 1024,
      origin: (req, res) => {
        const p = req.url!.split('?')[0]!;
        asked.set(p, (asked.get(p) ?? 0) + 1);
        const slow = p.includes('/slow/');
        setTimeout(() => {
          if (deleted.has(p)) {
            res.writeHead(404, { 'content-type': 'text/plain' }).end('gone');
          } else if (p.includes('/keys/')) {
            res.writeHead(200, { 'cache-control': 'no-store, private', 'content-type': 'application/octet-stream' }).end(Buffer.alloc(16, 7));
          } else if (p.endsWith('.m3u8')) {
            res.writeHead(200, { 'cache-control': 'public, max-age=60', 'content-type': 'application/vnd.apple.mpegurl', 'surrogate-key': 'vod/r1' }).end('#EXTM3U\n');
          } else {
            const body = Buffer.alloc(p.includes('/big/') ? 300 * 1024 : 20 * 1024, p.length);
            res.writeHead(200, { 'cache-control': 'public, max-age=600, immutable', 'content-type': 'video/mp4', 'surrogate-key': p.startsWith('/vod/') ? 'vod/r1' : 'stream/demo' }).end(body);
          }
        }, slow ? 300 : 0);
      },
    });
    base = edge.base;
    mirror = cacheLayout(edge.cacheDir).mirror;
  });

  afterAll(async () => {
    await edge?.dispose();
  });

  const get = async (p: string, headers: Record<string, string> = {}): Promise<{ status: number; cache: string | null; type: string | null; cc: string | null; body: Buffer }> => {
    const res = await fetch(base + p, { headers });
    return { status: res.status, cache: res.headers.get('x-cache'), type: res.headers.get('content-type'), cc: res.headers.get('cache-control'), body: Buffer.from(await res.arrayBuffer()) };
  };
  const file = (variant: 's' | 'p', uri: string): string => path.join(mirror, variant, uri);
  const purge = (request: Parameters<EdgeHarness['purge']>[0]): Promise<number> => edge.purge(request);

  it('stores a segment in the mirror on its first request and serves it as a static file after', async () => {
    const uri = '/live/demo/s/a1/chunk-stream0-00001.m4s';
    const first = await get(uri);
    expect({ status: first.status, cache: first.cache }).toEqual({ status: 200, cache: 'MISS' });
    await waitFor('the mirror file', () => fs.existsSync(file('p', uri)));
    expect(fs.readFileSync(file('p', uri)).equals(first.body)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const hit = await get(uri);
      expect({ status: hit.status, cache: hit.cache, type: hit.type, cc: hit.cc }).toEqual({
        status: 200, cache: 'HIT', type: 'video/mp4', cc: 'public, max-age=600, immutable',
      });
      expect(hit.body.equals(first.body)).toBe(true);
    }
    // Ranges of a mirrored file, as of any static file.
    const range = await fetch(base + uri, { headers: { range: 'bytes=10-19' } });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(10);
    expect(asked.get(uri)).toBe(1);
  });

  it('keeps a signed copy apart: never handed to an unsigned request', async () => {
    const uri = '/live/demo/s/a1/chunk-stream0-00002.m4s';
    const query = new URLSearchParams(new UrlSigner({ current: KEY }).sign('demo', { expiresInSec: 60 })).toString();
    expect((await get(`${uri}?${query}`)).status).toBe(200);
    await waitFor('the signed mirror file', () => fs.existsSync(file('s', uri)));
    expect(fs.existsSync(file('p', uri))).toBe(false);
    expect((await get(`${uri}?${query}`)).cache).toBe('HIT');
    // Unsigned: its own fetch (the origin decides), its own copy.
    expect((await get(uri)).cache).toBe('MISS');
    expect(asked.get(uri)).toBe(2);
    expect((await get(`${uri}?exp=1&sig=${'A'.repeat(43)}`)).status).toBe(403);
  });

  it('500 simultaneous misses of one segment make one origin fetch, and every viewer gets it whole', async () => {
    const uri = '/live/demo/s/slow/chunk-stream0-00003.m4s';
    const agentPool = new http.Agent({ keepAlive: true, maxSockets: 500 });
    const bodies = await Promise.all(
      Array.from({ length: 500 }, () =>
        new Promise<Buffer>((resolve, reject) => {
          http.get(base + uri, { agent: agentPool }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.once('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`status ${res.statusCode}`))));
          }).once('error', reject);
        }),
      ),
    );
    agentPool.destroy();
    expect(bodies.every((b) => b.length === 20 * 1024)).toBe(true);
    expect(asked.get(uri)).toBe(1);
    expect((await get(uri)).cache).toBe('HIT');
  });

  it('a purge deletes mirror files (by URL, by prefix without the index, by tag) and the fill zone\'s copy', async () => {
    const a = '/live/demo/s/a1/chunk-stream0-00001.m4s';
    expect(fs.existsSync(file('p', a))).toBe(true);
    expect(await purge({ urls: [a] })).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(file('p', a))).toBe(false);
    // Neither the mirror nor the fill zone has it: the origin is asked again.
    expect((await get(a)).cache).toBe('MISS');
    expect(asked.get(a)).toBe(2);
    await waitFor('the mirror file again', () => fs.existsSync(file('p', a)));
    // A prefix: the files found in the mirror, whatever the index knows.
    const b = '/live/demo/s/a1/chunk-stream0-00002.m4s';
    expect(await purge({ prefix: '/live/demo/s/a1/' })).toBeGreaterThanOrEqual(3);
    for (const [v, uri] of [['p', a], ['s', b], ['p', b]] as const) expect(fs.existsSync(file(v, uri))).toBe(false);
    // A tag, from the fetch log (written at once, drained by the purge).
    const c = '/live/demo/s/a2/init-stream0.m4s';
    await get(c);
    await waitFor('the mirror file', () => fs.existsSync(file('p', c)));
    expect(await purge({ tags: ['stream/demo'] })).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(file('p', c))).toBe(false);
  });

  it('a purge while viewers keep asking leaves no copy behind (the fill zone goes before the mirror file)', async () => {
    const uris = Array.from({ length: 24 }, (_, i) => `/live/demo/s/gone/chunk-stream0-000${String(i).padStart(2, '0')}.m4s`);
    for (const uri of uris) await get(uri);
    await waitFor('the mirror files', () => uris.every((uri) => fs.existsSync(file('p', uri))));
    // The origin deletes them, then purges; viewers ask for them all the while (a 200 from a copy or a 404).
    for (const uri of uris) deleted.add(uri);
    let asking = true;
    const viewers = Array.from({ length: 6 }, async () => {
      while (asking) await Promise.all(uris.map((uri) => get(uri)));
    });
    try {
      await sleep(50);
      expect(await purge({ urls: uris })).toBeGreaterThanOrEqual(uris.length);
      await sleep(100);
    } finally {
      asking = false;
    }
    await Promise.all(viewers);
    // Once the purge is applied, no file was stored again from a copy the purge had not reached yet.
    for (const uri of uris) {
      expect(fs.existsSync(file('p', uri)), uri).toBe(false);
      expect((await get(uri)).status, uri).toBe(404);
    }
  });

  it('a soft purge of a mirrored object fetches it again into the fill zone, then drops the mirror file', async () => {
    const uri = '/live/demo/s/a3/chunk-stream0-00001.m4s';
    await get(uri);
    await waitFor('the mirror file', () => fs.existsSync(file('p', uri)));
    expect(await purge({ urls: [uri], soft: true })).toBe(1);
    // Refreshed in both variants (the agent signs for the signed one); only the unsigned had a file.
    expect(asked.get(uri)).toBe(3);
    expect(fs.existsSync(file('p', uri))).toBe(false);
    const log = fs.readFileSync(path.join(edge.dir, FETCH_LOG), 'utf8');
    expect(log).toContain(`"u":"/refresh/edge_fill/p${uri}"`);
    // The next viewer is answered from the refreshed copy, without the origin.
    expect((await get(uri)).cache).toBe('HIT');
    expect(asked.get(uri)).toBe(3);
  });

  it('caches VOD segments in the mirror and VOD playlists in the zone; a prefix purge of the recording removes both', async () => {
    const seg = '/vod/r1/chunk-stream0-00001.m4s';
    const list = '/vod/r1/index.m3u8';
    await get(seg);
    await get(list);
    expect((await get(seg)).cache).toBe('HIT');
    expect((await get(seg)).cc).toBe('public, max-age=31536000, immutable');
    expect((await get(list)).cache).toBe('HIT');
    expect(fs.existsSync(file('p', seg))).toBe(true);
    expect(await purge({ prefix: '/vod/r1/' })).toBe(2);
    expect(fs.existsSync(file('p', seg))).toBe(false);
    expect((await get(list)).cache).toBe('MISS');
    expect((await get(seg)).cache).toBe('MISS');
  });

  it('passes an encrypted VOD\'s key requests to the origin every time: never stored, never cached', async () => {
    const uri = '/vod/r1/keys/0123456789abcdef0123456789abcdef';
    for (let i = 0; i < 3; i++) {
      const key = await get(uri);
      expect({ status: key.status, cc: key.cc, length: key.body.length }).toEqual({ status: 200, cc: 'no-store, private', length: 16 });
    }
    expect(asked.get(uri)).toBe(3);
    expect(fs.existsSync(file('p', uri))).toBe(false);
  });

  it('evicts the oldest mirror files once the mirror passes its budget (1 MB here)', async () => {
    const uris = Array.from({ length: 6 }, (_, i) => `/live/demo/s/big/chunk-stream0-0000${i}.m4s`);
    for (const uri of uris) {
      await get(uri);
      await waitFor('the mirror file', () => fs.existsSync(file('p', uri)));
      // Distinct mtimes, oldest first.
      await sleep(20);
    }
    await edge.agent.evict();
    const kept = uris.filter((uri) => fs.existsSync(file('p', uri)));
    // 6 x 300 KB + the small files from before > 1 MB: down to 90 % of it, oldest first.
    expect(kept).toEqual(uris.slice(uris.length - kept.length));
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(edge.agent.metricsText()).toMatch(/edge_mirror_evicted_files_total [1-9]/);
    // An evicted object comes back from the fill zone while it still holds it (2 min), else the origin.
    expect((await get(uris[0]!)).status).toBe(200);
    await waitFor('the mirror file back', () => fs.existsSync(file('p', uris[0]!)));
    expect(asked.get(uris[0]!)).toBe(1);
  });

  it('a purge during graceful reloads still reaches every object (nginx closes connections of its old workers)', async () => {
    const uris = Array.from({ length: 20 }, (_, i) => `/live/demo/s/r/chunk-stream0-000${String(i).padStart(2, '0')}.m4s`);
    let reloading = true;
    let reloaded = 0;
    const reloads = (async () => {
      while (reloading) {
        await edge.nginx.reload({});
        reloaded += 1;
      }
    })();
    try {
      for (let round = 0; round < 15 || reloaded < 5; round++) {
        // A viewer's request may meet a connection an old worker closes, as the agent's may: asked again.
        await Promise.all(uris.slice(0, 4).map((u) => get(u).catch(() => get(u))));
        // 40 control requests over 16 kept-alive connections, some to workers on their way out.
        await purge({ urls: uris });
      }
    } finally {
      reloading = false;
    }
    await reloads;
    expect(reloaded).toBeGreaterThanOrEqual(5);
  });
});
