import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../../test-support/browser.js';
import { needs } from '../../../test-support/peers.js';
import { silentLogger } from '../../core/logger.js';
import { ViewerAnalytics } from './analytics.js';
import type { LiveStreamEntry } from './catalog.js';
import { registerLiveRoutes } from './routes.js';
import { UrlSigner } from '../../protocols/signing.js';

// Real players (hls.js, dash.js in Chromium) against our routes: two packager sessions (a reconnect),
// played across the discontinuity; a private stream played from its signed master URL alone.
const FIXTURE = fileURLToPath(new URL('./fixtures/session', import.meta.url));
const rendition = (id: string) => ({ id, width: 0, height: 0, videoBitrateKbps: 0, audioBitrateKbps: 0, videoCodec: 'h264', copy: false });

describe.skipIf(needs('chromium'))('hls.js and dash.js play what the routes serve', () => {
  let root: string;
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  const signer = new UrlSigner({ current: 'players-test-key-0123456789' });
  const analytics = new ViewerAnalytics();

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hls-players-'));
    for (const id of ['A', 'B']) fs.cpSync(FIXTURE, path.join(root, id), { recursive: true });
    const session = (id: string) => ({
      id, dir: path.join(root, id), startedAt: 1, endedAt: 2, renditions: [rendition('180p'), rendition('90p')], discontinuityBefore: true,
    });
    const streams: Record<string, LiveStreamEntry> = {
      demo: { state: 'ended', private: false, sessions: [session('A'), session('B')] },
      vip: { state: 'ended', private: true, sessions: [session('A'), session('B')] },
    };
    app = Fastify();
    await registerLiveRoutes(app, { catalog: { lookup: (name) => streams[name] }, signer, analytics, logger: silentLogger() });
    const script = (file: string) => fs.readFileSync(fileURLToPath(new URL(`../../../node_modules/${file}`, import.meta.url)));
    app.get('/hls.js', (_req, reply) => reply.type('text/javascript').send(script('hls.js/dist/hls.min.js')));
    app.get('/dash.js', (_req, reply) => reply.type('text/javascript').send(script('dashjs/dist/modern/umd/dash.all.min.js')));
    app.get('/', (_req, reply) => reply.type('text/html').send('<video id=v muted></video><script src=/hls.js></script><script src=/dash.js></script>'));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(base);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    analytics.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const playHls = (url: string) =>
    page.evaluate(async (src) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const Hls = (window as any).Hls;
      const hls = new Hls();
      const errors: string[] = [];
      hls.on(Hls.Events.ERROR, (_e: unknown, d: any) => errors.push(`${d.details}${d.fatal ? ' (fatal)' : ''}`));
      hls.loadSource(src);
      hls.attachMedia(video);
      video.playbackRate = 4;
      await video.play().catch(() => undefined);
      const t0 = Date.now();
      while (Date.now() - t0 < 20_000 && video.currentTime < 9 && !video.ended) await new Promise((r) => setTimeout(r, 200));
      const result = { time: video.currentTime, errors };
      hls.destroy();
      return result;
    }, url);

  it('hls.js plays both sessions across the discontinuity', { timeout: 60_000 }, async () => {
    const result = await playHls('/live/demo/index.m3u8');
    expect(result.errors.filter((e) => e.includes('fatal'))).toEqual([]);
    expect(result.time).toBeGreaterThan(7); // session B starts at 6 s
    expect(analytics.snapshot('demo')).toMatchObject({ byProtocol: { hls: 1 }, byRendition: { '180p': 1 } });
  });

  it('hls.js plays a private stream from its signed master URL alone', { timeout: 60_000 }, async () => {
    const result = await playHls(signer.signPlayback('vip', { expiresInSec: 600 }).hls);
    expect(result.errors.filter((e) => e.includes('fatal'))).toEqual([]);
    expect(result.time).toBeGreaterThan(7);
  });

  it('dash.js plays the current session MPD', { timeout: 60_000 }, async () => {
    const result = await page.evaluate(async (src) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const player = (window as any).dashjs.MediaPlayer().create();
      const errors: string[] = [];
      player.on('error', (e: any) => errors.push(JSON.stringify(e.error ?? e).slice(0, 200)));
      player.initialize(video, src, true);
      const t0 = Date.now();
      while (Date.now() - t0 < 15_000 && video.currentTime < 3) await new Promise((r) => setTimeout(r, 200));
      const out = { time: video.currentTime, errors };
      player.reset();
      return out;
    }, '/live/demo/manifest.mpd');
    expect(result.errors).toEqual([]);
    expect(result.time).toBeGreaterThan(2);
    expect(analytics.snapshot('demo').byProtocol.dash).toBe(1);
  });
});
