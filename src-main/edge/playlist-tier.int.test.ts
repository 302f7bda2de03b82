import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeHarness, type EdgeHarness } from '../../test-support/edge-harness.js';
import { needs } from '../../test-support/peers.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import { silentLogger } from '../core/logger.js';
import { UrlSigner } from '../protocols/signing.js';
import { cacheLayout } from './nginx-conf.js';
import { PlaylistMirror } from './playlist-mirror.js';

// The playlist tier against a real nginx (nginx-conf.ts, playlist-plan.ts): plain requests of an
// active playlist are served from the agent's file, kept fresh; LL-HLS blocking requests still go
// through proxy_cache; idle, failing-too-long and purged playlists lose their file.
const KEY = 'playlist-test-key-0123456789';
const LIMITS = { refreshMs: 250, idleMs: 2500, staleMs: 3000, cooldownMs: 1000 };
describe.skipIf(needs('nginx'))('the edge playlist tier (nginx, agent)', () => {
  let edge: EdgeHarness;
  let base = '';
  let root = '';
  /** Origin state: playlist bodies by path; `failing` answers 503 to everything. */
  const bodies = new Map<string, string>();
  const asked: string[] = [];
  let failing = false;

  beforeAll(async () => {
    edge = await startEdgeHarness({
      prefix: 'edge-playlists-',
      key: KEY,
      mirrorBudgetBytes: 1024 * 1024,
      hitLog: true,
      tailMs: 100,
      origin: (req, res) => {
        const p = req.url!.split('?')[0]!;
        asked.push(req.url!);
        if (failing) return void res.writeHead(503, { 'cache-control': 'no-store' }).end();
        const body = bodies.get(p);
        if (body === undefined) return void res.writeHead(404, { 'cache-control': 'no-store', 'x-accel-expires': '0' }).end();
        const type = p.endsWith('.mpd') ? 'application/dash+xml' : 'application/vnd.apple.mpegurl';
        const name = p.split('/')[2];
        res.writeHead(200, { 'cache-control': 'public, max-age=1', 'content-type': type, 'surrogate-key': `stream/${name}` }).end(body);
      },
      playlists: (originUrl, state, cacheDir) =>
        new PlaylistMirror({
          root: cacheLayout(cacheDir).playlists,
          origin: originUrl,
          logger: silentLogger(),
          signatureFor: (name) => new URLSearchParams(new UrlSigner(state.keys).sign(name, { expiresInSec: 60 })).toString(),
          limits: LIMITS,
        }),
    });
    base = edge.base;
    root = cacheLayout(edge.cacheDir).playlists;
  });

  afterAll(async () => {
    await edge?.dispose();
  });

  const get = async (p: string): Promise<{ status: number; cache: string | null; type: string | null; cc: string | null; cors: string | null; body: string }> => {
    const res = await fetch(base + p);
    return { status: res.status, cache: res.headers.get('x-cache'), type: res.headers.get('content-type'), cc: res.headers.get('cache-control'), cors: res.headers.get('access-control-allow-origin'), body: await res.text() };
  };
  const file = (variant: 's' | 'p', uri: string): string => path.join(root, variant, uri);
  const purge = (request: Parameters<EdgeHarness['purge']>[0]): Promise<number> => edge.purge(request);
  const askedFor = (uri: string): number => asked.filter((u) => u.split('?')[0] === uri).length;
  /** Keeps a playlist requested (as viewers would) while `fn` runs. */
  const whileWatched = async <T>(uri: string, fn: () => Promise<T>): Promise<T> => {
    let on = true;
    const loop = (async () => {
      while (on) {
        await get(uri).catch(() => undefined);
        await sleep(20);
      }
    })();
    try {
      return await fn();
    } finally {
      on = false;
      await loop;
    }
  };

  it('serves an active playlist from its file with the origin\'s headers, and a change of the origin within about a second and a half', async () => {
    const uri = '/live/demo/v0.m3u8';
    bodies.set(uri, '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n');
    const first = await get(uri);
    expect({ status: first.status, cache: first.cache }).toEqual({ status: 200, cache: 'MISS' });
    await waitFor('the playlist file', () => fs.existsSync(file('p', uri)), 5000);
    const hit = await get(`${uri}?sid=h1`);
    expect({ status: hit.status, cache: hit.cache, type: hit.type, cc: hit.cc, cors: hit.cors, body: hit.body }).toEqual({
      status: 200, cache: 'HIT', type: 'application/vnd.apple.mpegurl', cc: 'public, max-age=1', cors: '*', body: '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n',
    });
    // The age of what viewers get: from the origin's change until the edge serves it (refresh period +
    // fetch + nginx's descriptor cache, at most 1 s: see PLAYLIST_FILE_CACHE).
    const ages: number[] = [];
    await whileWatched(uri, async () => {
      for (let i = 2; i <= 5; i++) {
        const body = `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:${i}\n`;
        const changed = Date.now();
        bodies.set(uri, body);
        await waitFor('the new playlist at the edge', async () => (await get(uri)).body === body, 5000, 20);
        ages.push(Date.now() - changed);
        await sleep(300 + i * 97);
      }
    });
    expect(Math.max(...ages)).toBeLessThan(LIMITS.refreshMs + 1000 + 300);
    // A manifest too, with its own type.
    bodies.set('/live/demo/manifest.mpd', '<MPD/>');
    await get('/live/demo/manifest.mpd');
    await waitFor('the manifest file', () => fs.existsSync(file('p', '/live/demo/manifest.mpd')), 5000);
    const mpd = await get('/live/demo/manifest.mpd');
    expect({ cache: mpd.cache, type: mpd.type, cc: mpd.cc }).toEqual({ cache: 'HIT', type: 'application/dash+xml', cc: 'public, max-age=1' });
  });

  it('keeps a signed playlist in the signed variant, fetched with the agent\'s own signature', async () => {
    const uri = '/live/private/v0.m3u8';
    bodies.set(uri, '#EXTM3U\n#signed\n');
    const query = new URLSearchParams(new UrlSigner({ current: KEY }).sign('private', { expiresInSec: 60 })).toString();
    expect((await get(`${uri}?${query}`)).status).toBe(200);
    await waitFor('the signed playlist file', () => fs.existsSync(file('s', uri)), 5000);
    expect(fs.existsSync(file('p', uri))).toBe(false);
    expect(asked.some((u) => u.startsWith(`${uri}?`) && u.includes('sig='))).toBe(true);
    expect((await get(`${uri}?exp=1&sig=${'A'.repeat(43)}`)).status).toBe(403);
  });

  it('sends LL-HLS blocking and delta requests through proxy_cache, not the file', async () => {
    const uri = '/live/demo/v0.m3u8';
    await get(uri);
    await waitFor('the playlist file', () => fs.existsSync(file('p', uri)), 5000);
    const before = askedFor(uri);
    const blocking = await get(`${uri}?_HLS_msn=7&_HLS_part=1`);
    expect(blocking.cache).toBe('MISS');
    const delta = await get(`${uri}?_HLS_skip=YES`);
    expect(delta.cache).not.toBe(null);
    expect(asked.slice(-5).some((u) => u.includes('_HLS_msn=7'))).toBe(true);
    expect(askedFor(uri)).toBeGreaterThan(before);
  });

  it('deletes the file of a playlist nobody asked for during the idle window; the next request goes to the origin', async () => {
    const uri = '/live/idle/v0.m3u8';
    bodies.set(uri, '#EXTM3U\n#idle\n');
    await get(uri);
    await waitFor('the playlist file', () => fs.existsSync(file('p', uri)), 5000);
    await waitFor('the idle file deleted', () => !fs.existsSync(file('p', uri)), LIMITS.idleMs + 3000);
    // Nginx's descriptor cache forgets it within 1 s; then a request is a proxy_cache request again.
    await sleep(1100);
    expect((await get(uri)).cache).not.toBe('HIT');
  });

  it('keeps the last file while the origin fails, up to the stale bound, then deletes it', async () => {
    const uri = '/live/flaky/v0.m3u8';
    bodies.set(uri, '#EXTM3U\n#before\n');
    await get(uri);
    await waitFor('the playlist file', () => fs.existsSync(file('p', uri)), 5000);
    failing = true;
    try {
      await whileWatched(uri, async () => {
        const cut = Date.now();
        await sleep(LIMITS.staleMs - 800);
        expect(fs.readFileSync(file('p', uri), 'utf8')).toBe('#EXTM3U\n#before\n');
        expect((await get(uri)).body).toBe('#EXTM3U\n#before\n');
        await waitFor('the stale file deleted', () => !fs.existsSync(file('p', uri)), 5000);
        expect(Date.now() - cut).toBeGreaterThanOrEqual(LIMITS.staleMs - 800);
      });
    } finally {
      failing = false;
    }
  });

  it('purges the files by URL, prefix and the stream\'s tag; no purged copy is served after', async () => {
    const uris = ['/live/p1/v0.m3u8', '/live/p2/v0.m3u8', '/live/p3/v0.m3u8'];
    for (const uri of uris) bodies.set(uri, `#EXTM3U\n#old ${uri}\n`);
    for (const uri of uris) await get(uri);
    await waitFor('the playlist files', () => uris.every((u) => fs.existsSync(file('p', u))), 5000);
    for (const uri of uris) bodies.set(uri, `#EXTM3U\n#new ${uri}\n`);
    expect(await purge({ urls: [`${uris[0]}?sid=x`] })).toBeGreaterThanOrEqual(1);
    expect(fs.existsSync(file('p', uris[0]!))).toBe(false);
    await purge({ prefix: '/live/p2/' });
    expect(fs.existsSync(file('p', uris[1]!))).toBe(false);
    await purge({ tags: ['stream/p3'] });
    expect(fs.existsSync(file('p', uris[2]!))).toBe(false);
    // Once nginx's descriptor cache let go (1 s), viewers get the origin's new playlist (through
    // proxy_cache, purged too, or a file the next request made active again: never the old one).
    await sleep(1100);
    for (const uri of uris) expect((await get(uri)).body).toBe(`#EXTM3U\n#new ${uri}\n`);
  });
});
