import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rendition } from '../../../src-shared/contract/streams.js';
import { needs } from '../../../test-support/peers.js';
import { silentLogger } from '../../core/logger.js';
import { ViewerAnalytics } from './analytics.js';
import type { LiveSession, LiveStreamEntry } from './catalog.js';
import { parseMediaPlaylist } from './playlist.js';
import { registerLiveRoutes } from './routes.js';
import { UrlSigner } from '../../protocols/signing.js';

// The packager recipe run for real: a live session, a reconnect (second ffmpeg), the end.
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

function packager(dir: string, seconds: number, realtime: boolean): ChildProcess {
  fs.mkdirSync(dir, { recursive: true });
  return spawn(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', ...(realtime ? ['-re'] : []),
    '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), '-filter_complex', '[0:v]split=2[a][b];[b]scale=160:90,setsar=1[b2]',
    '-map', '[a]', '-map', '[b2]', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-g', '60', '-keyint_min', '60', '-sc_threshold', '0', '-b:v:0', '200k', '-b:v:1', '80k', '-c:a', 'aac', '-b:a', '32k',
    '-f', 'dash', '-seg_duration', '2', '-use_template', '1', '-use_timeline', '0', '-hls_playlist', '1', '-streaming', '0',
    '-adaptation_sets', 'id=0,streams=v id=1,streams=a',
    // Named in full, as the packager does: ffmpeg 4.1 (the npm-shipped one) calls fMP4 segments .mp4.
    '-init_seg_name', 'init-stream$RepresentationID$.m4s', '-media_seg_name', 'chunk-stream$RepresentationID$-$Number%05d$.m4s',
    path.join(dir, 'manifest.mpd'),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

const rendition = (id: string): Rendition => ({ id, width: 0, height: 0, videoBitrateKbps: 0, audioBitrateKbps: 0, videoCodec: 'h264', copy: false });

describe.skipIf(process.env.FFMPEG_PATH ? false : needs('ffmpeg'))('playback routes over a real ffmpeg packager', () => {
  let root: string;
  let app: FastifyInstance;
  const children: ChildProcess[] = [];
  const entry: LiveStreamEntry = { state: 'live', private: false, sessions: [] };
  const analytics = new ViewerAnalytics();
  const session = (id: string): LiveSession => ({
    id, dir: path.join(root, id), startedAt: Date.now(), endedAt: null, renditions: [rendition('180p'), rendition('90p')], discontinuityBefore: true,
  });

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-int-'));
    app = Fastify();
    await registerLiveRoutes(app, {
      catalog: { lookup: (name) => (name === 'demo' ? entry : undefined) },
      signer: new UrlSigner({ current: 'integration-key-0123456789' }),
      analytics,
      logger: silentLogger(),
    });
    await app.ready();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await app.close();
    analytics.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const get = (url: string) => app.inject({ method: 'GET', url });

  /** Fetches every URI of a media playlist served at `url` and checks it is media. */
  async function fetchAll(text: string, base: string): Promise<void> {
    const pl = parseMediaPlaylist(text);
    const uris = new Set(pl.segments.flatMap((s) => [s.uri, s.map!.uri]));
    for (const uri of uris) {
      const res = await get(`${base}${uri}`);
      expect({ uri, status: res.statusCode, type: res.headers['content-type'] }).toEqual({ uri, status: 200, type: 'video/mp4' });
      expect(res.rawPayload.length).toBeGreaterThan(100);
    }
  }

  it('serves a live session, stitches the reconnect, and ends the playlists', { timeout: 60_000 }, async () => {
    const a = session('a1');
    entry.sessions.push(a);
    const first = packager(a.dir, 6, true);
    children.push(first);
    // Asked before ffmpeg wrote anything: held until the packager writes it (bounded), not a 503.
    const asked = Date.now();
    let master = await get('/live/demo/index.m3u8');
    console.log(`first master playlist request answered ${master.statusCode} after ${Date.now() - asked} ms`);
    for (let i = 0; i < 100 && master.statusCode !== 200; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      master = await get('/live/demo/index.m3u8');
    }
    expect(master.statusCode).toBe(200);
    const variant = master.body.split('\n').find((l) => l.startsWith('v0.m3u8'))!;
    let live = await get(`/live/demo/${variant}`);
    for (let i = 0; i < 50 && live.statusCode !== 200; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      live = await get(`/live/demo/${variant}`);
    }
    expect(live.statusCode).toBe(200);
    expect(live.body).not.toContain('#EXT-X-ENDLIST');
    await fetchAll(live.body, '/live/demo/');
    const mpd = await get('/live/demo/manifest.mpd');
    expect(mpd.body).toContain('type="dynamic"');
    expect(mpd.body).toContain('minimumUpdatePeriod="PT2S"');

    expect(await exited(first)).toBe(0);
    a.endedAt = Date.now();
    const b = session('b2');
    entry.sessions.push(b);
    const second = packager(b.dir, 4, false);
    children.push(second);
    expect(await exited(second)).toBe(0);
    b.endedAt = Date.now();

    const stitched = await get(`/live/demo/${variant}`);
    const pl = parseMediaPlaylist(stitched.body);
    expect(pl.mediaSequence).toBe(1);
    expect(pl.endList).toBe(false); // the stream is still live between sessions
    expect(pl.segments.map((s) => s.uri.split('?')[0])).toEqual([
      's/a1/chunk-stream0-00001.m4s', 's/a1/chunk-stream0-00002.m4s', 's/a1/chunk-stream0-00003.m4s',
      's/b2/chunk-stream0-00001.m4s', 's/b2/chunk-stream0-00002.m4s',
    ]);
    expect(pl.segments.map((s) => s.discontinuity)).toEqual([false, false, false, true, false]);
    await fetchAll(stitched.body, '/live/demo/');

    entry.state = 'ended';
    const ended = await get(`/live/demo/${variant}`);
    expect(ended.body.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    const staticMpd = await get('/live/demo/manifest.mpd');
    expect(staticMpd.body).toContain('type="static"');
    const init = /initialization="([^"]+)"/.exec(staticMpd.body)![1]!.replace('$RepresentationID$', '0').replace(/&amp;/g, '&');
    expect((await get(`/live/demo/${init}`)).statusCode).toBe(200);
    expect(analytics.snapshot('demo').bytesOut).toBeGreaterThan(0);
  });
});
