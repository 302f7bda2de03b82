import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Rendition } from '../../../src-shared/contract/streams.js';
import { silentLogger } from '../../core/logger.js';
import { ViewerAnalytics } from './analytics.js';
import type { LiveCatalog, LiveStreamEntry } from './catalog.js';
import { parseMediaPlaylist } from './playlist.js';
import { registerLiveRoutes } from './routes.js';
import { UrlSigner } from '../../protocols/signing.js';

// Real ffmpeg output (fixtures/capture.sh) copied into two session folders: a publisher that reconnected.
const FIXTURE = fileURLToPath(new URL('./fixtures/session', import.meta.url));
const START_WAIT_MS = 400;
const KEY = 'test-signing-key-0123456789';
const rendition = (id: string, width: number, height: number): Rendition => ({
  id, width, height, videoBitrateKbps: 60, audioBitrateKbps: 32, videoCodec: 'h264', copy: false,
});
const LADDER = [rendition('180p', 320, 180), rendition('90p', 160, 90)];

describe('live playback routes', () => {
  let root: string;
  let app: FastifyInstance;
  let analytics: ViewerAnalytics;
  const streams = new Map<string, LiveStreamEntry>();
  const catalog: LiveCatalog = { lookup: (name) => streams.get(name) };
  const signer = new UrlSigner({ current: KEY });
  const session = (id: string, endedAt: number | null) => ({
    id, dir: path.join(root, id), startedAt: 1, endedAt, renditions: LADDER, discontinuityBefore: true,
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-routes-'));
    for (const id of ['A', 'B']) fs.cpSync(FIXTURE, path.join(root, id), { recursive: true });
    fs.writeFileSync(path.join(root, 'secret.m4s'), 'outside the session folder');
    analytics = new ViewerAnalytics();
    app = Fastify();
    await registerLiveRoutes(app, { catalog, signer, analytics, logger: silentLogger(), startWaitMs: START_WAIT_MS });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    analytics.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    streams.clear();
    streams.set('demo', { state: 'live', private: false, sessions: [session('A', 2), session('B', null)] });
    streams.set('vip', { state: 'live', private: true, sessions: [session('B', null)] });
    streams.set('idle', { state: 'idle', private: false, sessions: [] });
  });

  const get = (url: string, headers: Record<string, string> = {}, remoteAddress?: string) =>
    app.inject({ method: 'GET', url, headers, ...(remoteAddress ? { remoteAddress } : {}) });
  const uris = (text: string): string[] => text.split('\n').filter((l) => l && !l.startsWith('#'));

  it('serves the master with our variant URIs and a fresh viewer id', async () => {
    const res = await get('/live/demo/index.m3u8');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['cache-control']).toBe('private, max-age=1');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const variants = uris(res.body);
    expect(variants).toHaveLength(2);
    expect(variants[0]).toMatch(/^v0\.m3u8\?sid=h[A-Za-z0-9_-]{16}$/);
    expect(res.body).toMatch(/URI="v2\.m3u8\?sid=h/);
    const again = await get('/live/demo/index.m3u8');
    expect(uris(again.body)[0]).not.toBe(variants[0]);
  });

  it('stitches the media playlists of both sessions: DISCONTINUITY, monotonic sequence, live cache', async () => {
    const res = await get('/live/demo/v0.m3u8?sid=h0123456789abcdef');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(res.headers['cache-control']).toBe('public, max-age=1');
    const pl = parseMediaPlaylist(res.body);
    expect(pl.mediaSequence).toBe(1);
    expect(pl.endList).toBe(false);
    expect(pl.segments.map((s) => s.uri)).toEqual([
      ...[1, 2, 3].map((n) => `s/A/chunk-stream0-0000${n}.m4s?sid=h0123456789abcdef`),
      ...[1, 2, 3].map((n) => `s/B/chunk-stream0-0000${n}.m4s?sid=h0123456789abcdef`),
    ]);
    expect(pl.segments.map((s) => s.discontinuity)).toEqual([false, false, false, true, false, false]);
    expect(pl.segments[3]!.map?.uri).toBe('s/B/init-stream0.m4s?sid=h0123456789abcdef');
  });

  it('ends the playlists once the stream is not live, and caches them longer', async () => {
    streams.get('demo')!.state = 'error';
    const res = await get('/live/demo/v0.m3u8');
    expect(res.body.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(res.headers['cache-control']).toBe('public, max-age=10');
    const live = { ...streams.get('demo')!, state: 'live' as const };
    streams.set('demo', live);
    expect((await get('/live/demo/v0.m3u8')).body).not.toContain('#EXT-X-ENDLIST'); // session A's own is dropped
  });

  it('serves segments with type, immutable caching, ETag (304) and Range (206)', async () => {
    const url = '/live/demo/s/B/chunk-stream0-00001.m4s';
    const size = fs.statSync(path.join(FIXTURE, 'chunk-stream0-00001.m4s')).size;
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['cache-control']).toBe('public, max-age=600, immutable');
    expect(Number(res.headers['content-length'])).toBe(size);
    expect(res.rawPayload.length).toBe(size);
    expect(res.headers['access-control-expose-headers']).toMatch(/Content-Length.*Content-Range/);
    const etag = String(res.headers.etag);
    expect(etag).toBeTruthy();
    const cached = await get(url, { 'if-none-match': etag });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    const part = await get(url, { range: 'bytes=0-99' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(part.rawPayload.length).toBe(100);
    const init = await get('/live/demo/s/A/init-stream2.m4s');
    expect([init.statusCode, init.headers['content-type']]).toEqual([200, 'video/mp4']);
    const beyond = await get(url, { range: `bytes=${size + 10}-` });
    expect(beyond.statusCode).toBe(416);
  });

  it('holds the first requests of a stream going live until its packager writes, then (bounded) asks players to retry', async () => {
    fs.mkdirSync(path.join(root, 'C'), { recursive: true });
    streams.set('fresh', { state: 'live', private: false, sessions: [session('C', null)] });
    for (const url of ['/live/fresh/index.m3u8', '/live/fresh/v0.m3u8', '/live/fresh/manifest.mpd']) {
      const started = Date.now();
      const res = await get(url);
      expect({ url, status: res.statusCode, retry: res.headers['retry-after'] }).toEqual({ url, status: 503, retry: '1' });
      expect(res.json().error.code).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeGreaterThanOrEqual(START_WAIT_MS - 20);
    }
    // The packager writes while a viewer waits: the viewer gets the playlist, not a 503.
    const waiting = get('/live/fresh/index.m3u8');
    setTimeout(() => fs.copyFileSync(path.join(FIXTURE, 'master.m3u8'), path.join(root, 'C', 'master.m3u8')), 150);
    const master = await waiting;
    expect(master.statusCode).toBe(200);
    expect(master.body).toContain('#EXT-X-STREAM-INF');
    fs.rmSync(path.join(root, 'C', 'master.m3u8'));
    streams.get('fresh')!.state = 'ended';
    expect((await get('/live/fresh/index.m3u8')).statusCode).toBe(404);
  });

  it('answers CORS preflight', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/live/demo/s/B/chunk-stream0-00001.m4s',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toContain('GET');
    expect(res.headers['access-control-allow-headers']).toBe('range');
  });

  it('answers 404 JSON to traversal attempts, unknown streams, sessions and files', async () => {
    const urls = [
      '/live/demo/s/A/..%2F..%2Fsecret.m4s',
      '/live/demo/s/A/%2e%2e%2fsecret.m4s',
      '/live/demo/s/A/%2e%2e/secret.m4s',
      '/live/demo/s/A/..%5Csecret.m4s',
      '/live/demo/s/A/%2Fetc%2Fpasswd',
      '/live/demo/s/..%2F/secret.m4s',
      '/live/demo/s/A/media_0.m3u8',
      '/live/demo/s/A/manifest.mpd',
      '/live/demo/s/A/chunk-stream0-00009.m4s',
      '/live/demo/s/A/chunk-stream0-00001.m4s.tmp',
      '/live/demo/s/Z/chunk-stream0-00001.m4s',
      '/live/demo/v99.m3u8',
      '/live/demo/media_0.m3u8',
      '/live/nope/index.m3u8',
      '/live/NOT_A_NAME/index.m3u8',
      '/live/idle/index.m3u8',
      '/live/idle/manifest.mpd',
      '/live/demo/s/A/chunk-stream0-00001.m4s/x',
    ];
    for (const url of urls) {
      const res = await get(url);
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect({ url, body: res.json() }).toMatchObject({ url, body: { error: { code: 'NOT_FOUND' } } });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers 404 JSON to dot-dot paths sent as they are (no client-side normalization)', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    for (const rawPath of ['/live/demo/s/A/../../secret.m4s', '/live/demo/s/A/..\\..\\secret.m4s', '/live/demo/../../etc/passwd']) {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path: rawPath }, (r) => {
          let body = '';
          r.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: r.statusCode ?? 0, body }));
        });
        req.on('error', reject).end();
      });
      expect({ rawPath, status: res.status, code: JSON.parse(res.body).error.code }).toEqual({ rawPath, status: 404, code: 'NOT_FOUND' });
    }
  });

  it('serves the current session MPD with templates into its folder', async () => {
    const res = await get('/live/demo/manifest.mpd', { 'user-agent': 'dash-test' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/dash+xml');
    expect(res.body).toMatch(/media="s\/B\/chunk-stream\$RepresentationID\$-\$Number%05d\$\.m4s\?sid=d[A-Za-z0-9_-]{16}"/);
    const sid = /sid=(d[A-Za-z0-9_-]{16})/.exec(res.body)![1]!;
    const refetch = await get('/live/demo/manifest.mpd', { 'user-agent': 'dash-test' });
    expect(refetch.body).toContain(`sid=${sid}`); // stable across MPD refreshes of one client
    expect((await get(`/live/demo/s/B/init-stream0.m4s?sid=${sid}`)).statusCode).toBe(200);
  });

  describe('private streams', () => {
    it('refuses requests without, with a bad, an expired or another address signature', async () => {
      const valid = signer.sign('vip', { expiresInSec: 60 });
      const expired = new UrlSigner({ current: KEY }, () => Date.now() - 3_600_000).sign('vip', { expiresInSec: 60 });
      const bound = signer.sign('vip', { expiresInSec: 60, ip: '10.9.9.9' });
      const cases: [string, string][] = [
        ['/live/vip/index.m3u8', 'missing'],
        [`/live/vip/index.m3u8?exp=${valid.exp}&sig=${valid.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`, 'bad_signature'],
        [`/live/vip/index.m3u8?exp=${expired.exp}&sig=${expired.sig}`, 'expired'],
        [`/live/vip/index.m3u8?exp=${bound.exp}&sig=${bound.sig}&ip=1`, 'wrong_ip'],
        ['/live/vip/v0.m3u8', 'missing'],
        ['/live/vip/manifest.mpd', 'missing'],
        ['/live/vip/s/B/chunk-stream0-00001.m4s', 'missing'],
      ];
      for (const [url, reason] of cases) {
        const res = await get(url);
        expect({ url, status: res.statusCode }).toEqual({ url, status: 403 });
        expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', details: { reason } });
      }
      const fromBoundIp = await get(`/live/vip/index.m3u8?exp=${bound.exp}&sig=${bound.sig}&ip=1`, {}, '10.9.9.9');
      expect(fromBoundIp.statusCode).toBe(200);
    });

    it('accepts a valid signature and propagates it into every URI', async () => {
      const q = signer.sign('vip', { expiresInSec: 60 });
      const sigQuery = `exp=${q.exp}&sig=${q.sig}`;
      const master = await get(`/live/vip/index.m3u8?${sigQuery}`);
      expect(master.statusCode).toBe(200);
      const variant = uris(master.body)[0]!;
      expect(variant).toMatch(new RegExp(`^v0\\.m3u8\\?sid=h[A-Za-z0-9_-]{16}&${sigQuery}$`));
      expect(master.body).toContain(`&${sigQuery}"`); // the audio rendition too
      const media = await get(`/live/vip/${variant}`);
      expect(media.statusCode).toBe(200);
      const pl = parseMediaPlaylist(media.body);
      expect(pl.segments.every((s) => s.uri.endsWith(`&${sigQuery}`) && s.map!.uri.endsWith(`&${sigQuery}`))).toBe(true);
      const segment = await get(`/live/vip/${pl.segments[0]!.uri}`);
      expect(segment.statusCode).toBe(200);
      const mpd = await get(`/live/vip/manifest.mpd?${sigQuery}`);
      expect(mpd.body).toContain(`&amp;exp=${q.exp}&amp;sig=${q.sig}"`);
    });
  });

  it('counts viewers, renditions, switches and bytes from the requests, and takes startup beacons', async () => {
    analytics.forget('demo');
    const sids: string[] = [];
    let bytes = 0;
    for (let i = 0; i < 3; i += 1) {
      const master = await get('/live/demo/index.m3u8');
      bytes += Number(master.headers['content-length']);
      sids.push(/sid=(h[A-Za-z0-9_-]{16})/.exec(master.body)![1]!);
    }
    const fetch = async (sid: string, url: string): Promise<void> => {
      const res = await get(`${url}?sid=${sid}`);
      expect(res.statusCode).toBe(200);
      bytes += Number(res.headers['content-length']);
    };
    await fetch(sids[0]!, '/live/demo/v0.m3u8');
    await fetch(sids[0]!, '/live/demo/s/B/chunk-stream0-00001.m4s');
    await fetch(sids[0]!, '/live/demo/s/B/chunk-stream2-00001.m4s'); // audio keeps the rendition
    await fetch(sids[1]!, '/live/demo/v1.m3u8');
    await fetch(sids[1]!, '/live/demo/s/B/chunk-stream1-00001.m4s');
    await fetch(sids[2]!, '/live/demo/s/B/chunk-stream1-00001.m4s');
    await fetch(sids[2]!, '/live/demo/s/B/chunk-stream0-00002.m4s'); // switches up
    const stats = analytics.snapshot('demo');
    expect(stats).toMatchObject({
      viewers: 3,
      byRendition: { '180p': 2, '90p': 1 },
      byProtocol: { hls: 3 },
      renditionSwitches: 1,
    });
    expect(stats.bytesOut).toBe(bytes);
    const beacon = await app.inject({ method: 'POST', url: '/live/demo/beacon', payload: { sid: sids[0], startupMs: 850 } });
    expect(beacon.statusCode).toBe(204);
    const asText = await app.inject({
      method: 'POST', url: '/live/demo/beacon', headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify({ sid: sids[1], startupMs: 1250 }),
    });
    expect(asText.statusCode).toBe(204);
    expect(analytics.snapshot('demo').startupMsP50).toBe(1050);
    const bad = await app.inject({ method: 'POST', url: '/live/demo/beacon', payload: { sid: 'x', startupMs: -1 } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'BAD_REQUEST']);
    const unknown = await app.inject({ method: 'POST', url: '/live/demo/beacon', payload: { sid: analytics.mintSid(), startupMs: 5 } });
    expect(unknown.statusCode).toBe(404);
    // A WebRTC viewer (the player page over WHEP) reports its latency under its session's sid.
    analytics.record('demo', { sid: 'wAAAAAAAAAAAAAAAA', protocol: 'webrtc' });
    const rtc = await app.inject({ method: 'POST', url: '/live/demo/beacon', payload: { sid: 'wAAAAAAAAAAAAAAAA', latencyMs: 48 } });
    expect(rtc.statusCode).toBe(204);
    const withLatency = await app.inject({ method: 'POST', url: '/live/demo/beacon', payload: { sid: sids[0], latencyMs: 1400 } });
    expect(withLatency.statusCode).toBe(204);
    expect(analytics.snapshot('demo').latencyMsP50).toEqual({ webrtc: 48, hls: 1400 });
  });
});
