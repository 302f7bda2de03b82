// A paid or private show, encrypted: a real host packages an RTMP publish for low latency with AES-128
// (a new key every segment here, so a few seconds of play cross several), and hls.js in Chromium, with
// its low-latency switch on and nothing else set, plays it from the host and through an edge (real
// nginx, which passes key requests to the origin and keeps none). A viewer whose key requests carry no
// credential gets the playlists and the segments, and no picture.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeProcess } from '../test-support/edge.js';
import { api, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';
import { startProtectedStream, type ProtectedStream } from '../test-support/protected-stream.js';
import { waitFor } from '../test-support/wait.js';

const require = createRequire(import.meta.url);
const HLS_JS = fs.readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');

interface Played {
  advancedSec: number;
  latencies: number[];
  stalls: number;
  errors: string[];
  /** Distinct key URLs the page asked for, and the statuses of its refused requests. */
  keys: string[];
  refused: string[];
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe.skipIf(needs('chromium', 'nginx'))('an AES-128 low-latency stream in hls.js, direct and through an edge', () => {
  let stream: ProtectedStream;
  let host: HostProcess;
  let edge: EdgeProcess;
  let browser: Browser;
  let signedQuery: string;

  beforeAll(async () => {
    stream = await startProtectedStream({ name: 'paid', encryption: 'aes-128', env: { STREAMS_LIVE_KEY_ROTATION_SEGMENTS: '1' } });
    ({ host, edge, browser, signedQuery } = stream);
  }, 90_000);

  afterAll(async () => {
    await stream?.stop();
  });

  /** hls.js (lowLatencyMode) on a page of the origin it plays from, for `seconds`; `stripKeyQuery`: key requests lose their credential. */
  async function play(origin: string, seconds: number, stripKeyQuery = false, src = `${origin}/live/paid/index.m3u8${signedQuery}`): Promise<Played> {
    const page: Page = await browser.newPage();
    const keys = new Set<string>();
    const refused: string[] = [];
    page.on('request', (r) => r.url().includes('/keys/') && keys.add(r.url().split('?')[0]!));
    page.on('response', (r) => r.status() >= 400 && (r.url().includes('/live/') || r.url().includes('/vod/')) && refused.push(`${r.status()} ${r.url().split('?')[0]}`));
    try {
      await page.route(`${origin}/__player`, (route) => route.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
      if (stripKeyQuery) await page.route('**/keys/**', (route) => route.continue({ url: route.request().url().split('?')[0]! }));
      await page.goto(`${origin}/__player`);
      await page.addScriptTag({ content: HLS_JS });
      const watched = await page.evaluate(async ([url, secs]) => {
        const video = document.getElementById('v') as HTMLVideoElement;
        const Hls = (window as any).Hls;
        const errors: string[] = [];
        const hls = new Hls({ lowLatencyMode: true });
        hls.on(Hls.Events.ERROR, (_e: unknown, d: any) => d.fatal && errors.push(`${d.type}/${d.details}`));
        // Not awaited: with no picture to show, play() stays pending.
        let stalls = 0;
        video.addEventListener('waiting', () => { if (video.currentTime > 0.5) stalls += 1; });
        hls.loadSource(url);
        hls.attachMedia(video);
        void video.play().catch((e: Error) => errors.push(`play: ${e.message}`));
        const t0 = Date.now();
        while (video.currentTime === 0 && Date.now() - t0 < 15_000 && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
        const from = video.currentTime;
        const latencies: number[] = [];
        const end = Date.now() + secs * 1000;
        while (Date.now() < end && errors.length === 0) {
          await new Promise((r) => setTimeout(r, 500));
          if (Number.isFinite(hls.latency) && hls.latency > 0) latencies.push(hls.latency);
        }
        const advancedSec = video.currentTime - from;
        hls.destroy();
        return { advancedSec, latencies, stalls, errors };
      }, [src, seconds] as const);
      return { ...watched, keys: [...keys], refused };
    } finally {
      await page.close();
    }
  }

  const check = (what: string, played: Played): void => {
    const p50 = median(played.latencies);
    console.log(`[encrypted-players] ${what}: latency p50 ${p50.toFixed(2)} s, played ${played.advancedSec.toFixed(1)} s, ${played.stalls} stalls, ${played.keys.length} keys, ${played.refused.length} refused requests${played.refused.length ? ` (${played.refused.slice(0, 5).join(', ')})` : ''}`);
    expect(played.errors).toEqual([]);
    expect(played.refused).toEqual([]);
    expect(played.advancedSec).toBeGreaterThan(9);
    // A key a segment (2 s): 12 s of play cross at least four, one after another without a stop.
    expect(played.keys.length).toBeGreaterThanOrEqual(4);
    expect(p50).toBeLessThan(4);
  };

  it('plays from the host across key rotations', { timeout: 60_000 }, async () => {
    check('hls.js AES-128 direct', await play(host.url, 12));
  });

  it('plays through an edge, which passes key requests to the origin and keeps none', { timeout: 60_000 }, async () => {
    const played = await play(edge.url, 12);
    check('hls.js AES-128 edge', played);
    // Asked again through the edge: answered by the origin each time (no cache status), never kept.
    const key = await fetch(`${played.keys.at(-1)}${signedQuery}`);
    expect(key.status).toBe(200);
    expect(key.headers.get('cache-control')).toBe('no-store, private');
    const again = await fetch(`${played.keys.at(-1)}${signedQuery}`);
    expect(again.headers.get('x-cache') ?? 'MISS').not.toBe('HIT');
    const bare = await fetch(played.keys.at(-1)!);
    expect(bare.status).toBeGreaterThanOrEqual(401);
    expect(bare.status).toBeLessThanOrEqual(403);
  });

  it('shows no picture to a viewer whose key requests carry no credential', { timeout: 60_000 }, async () => {
    const played = await play(host.url, 4, true);
    console.log(`[encrypted-players] without a credential for keys: ${played.errors.join(', ')}; refused ${played.refused.slice(0, 3).join(', ')}`);
    expect(played.refused.some((r) => /^401 .*\/keys\//.test(r))).toBe(true);
    expect(played.errors.join(' ')).toMatch(/KEY_LOAD_ERROR|keyLoadError/i);
    expect(played.advancedSec).toBe(0);
  });

  it('plays the recording of the encrypted stream as an encrypted VOD', { timeout: 120_000 }, async () => {
    const started = (await api(host, 'POST', '/api/v1/streams/paid/recording', {})).json;
    await new Promise((r) => setTimeout(r, 8000));
    await api(host, 'DELETE', '/api/v1/streams/paid/recording');
    await waitFor('the recording complete', async () => (await api(host, 'GET', `/api/v1/recordings/${started.id}`)).json.state === 'complete', 30_000);
    // No signed playback link before there is a VOD, nor of a recording that does not exist.
    expect(await api(host, 'GET', `/api/v1/recordings/${started.id}/playback`)).toMatchObject({ status: 409, json: { error: { code: 'CONFLICT' } } });
    expect(await api(host, 'GET', '/api/v1/recordings/rec_nope/playback')).toMatchObject({ status: 404, json: { error: { code: 'NOT_FOUND' } } });
    await api(host, 'POST', `/api/v1/recordings/${started.id}/vod`, { ladder: 'passthrough' });
    await waitFor('the VOD', async () => (await api(host, 'GET', `/api/v1/recordings/${started.id}`)).json.vod.state === 'ready', 60_000);
    const played = await play(host.url, 4, false, `${host.url}/vod/${started.id}/index.m3u8${signedQuery}`);
    console.log(`[encrypted-players] hls.js AES-128 VOD: played ${played.advancedSec.toFixed(1)} s, ${played.keys.length} keys, ${played.refused.length} refused requests`);
    expect(played.errors).toEqual([]);
    expect(played.refused).toEqual([]);
    expect(played.keys.length).toBeGreaterThanOrEqual(1);
    expect(played.advancedSec).toBeGreaterThan(3);

    // Through the edge, with the recording's own signed link (the stream's signature is for /live/paid/,
    // which the edge checks against /vod/<id>/ and refuses): hls.js plays it, the keys from the origin.
    const link = (await api(host, 'GET', `/api/v1/recordings/${started.id}/playback?expiresInSec=600`)).json as { hls: string; edges: { id: string; hls: string }[] };
    expect(link.hls.startsWith(`${host.url}/vod/${started.id}/index.m3u8?exp=`)).toBe(true);
    expect(link.edges.map((e) => e.hls)).toEqual([edge.url + link.hls.slice(host.url.length)]);
    expect((await fetch(`${edge.url}/vod/${started.id}/index.m3u8${signedQuery}`)).status).toBe(403);
    const throughEdge = await play(edge.url, 4, false, link.edges[0]!.hls);
    console.log(`[encrypted-players] hls.js AES-128 VOD through the edge: played ${throughEdge.advancedSec.toFixed(1)} s, ${throughEdge.keys.length} keys, ${throughEdge.refused.length} refused requests`);
    expect(throughEdge.errors).toEqual([]);
    expect(throughEdge.refused).toEqual([]);
    expect(throughEdge.keys.length).toBeGreaterThanOrEqual(1);
    expect(throughEdge.keys.every((k) => k.startsWith(`${edge.url}/vod/${started.id}/keys/`))).toBe(true);
    expect(throughEdge.advancedSec).toBeGreaterThan(3);

    // The stream deleted, its recording stays encrypted: the same playlist, segments by their clear names
    // refused, and its keys go to nobody the stream admitted (it is gone), only to the recording's own link.
    expect((await api(host, 'DELETE', '/api/v1/streams/paid')).status).toBe(200);
    expect((await api(host, 'GET', '/api/v1/streams/paid')).status).toBe(404);
    expect((await api(host, 'GET', `/api/v1/recordings/${started.id}`)).status).toBe(200);
    const media = await (await fetch(`${host.url}/vod/${started.id}/${(await (await fetch(`${host.url}/vod/${started.id}/index.m3u8${signedQuery}`)).text()).match(/^[^#\s][^?\s]*\.m3u8/m)![0]}${signedQuery}`)).text();
    expect(media).toMatch(/#EXT-X-KEY:METHOD=AES-128,URI="keys\/[0-9a-f]{32}/);
    const segment = media.match(/^aes-r\d+-([^?\s]+)/m)![1]!;
    expect((await fetch(`${host.url}/vod/${started.id}/${segment}`)).status).toBe(404);
    const keyUri = media.match(/URI="(keys\/[^"]+)"/)![1]!;
    const refusal = async (): Promise<[number, string, unknown]> => {
      const key = await fetch(`${host.url}/vod/${started.id}/${keyUri}`);
      const body = (await key.json()) as { error: { code: string; details?: { reason?: string } } };
      return [key.status, body.error.code, body.error.details?.reason];
    };
    expect(await refusal()).toEqual([403, 'FORBIDDEN', 'stream_deleted']);
    const own = await fetch(`${edge.url}/vod/${started.id}/${keyUri.split('?')[0]}${new URL(link.hls).search}`);
    expect([own.status, (await own.arrayBuffer()).byteLength]).toEqual([200, 16]);
    // A new public stream given the old one's name: its viewers (here anyone) get none of the old keys.
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'paid', ladder: 'passthrough' })).status).toBe(201);
    expect(await refusal()).toEqual([403, 'FORBIDDEN', 'stream_deleted']);
    expect((await fetch(`${host.url}/vod/${started.id}/${segment}`)).status).toBe(404);
  });
});
