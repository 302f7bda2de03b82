// Viewers of a library video who help each other: two Chromium viewers of one public video's watch
// page (/watch/<id>) exchange segments over WebRTC data channels through the video's own tracker,
// each peer's segment checked against the hash the host publishes beside it; a private video's page
// does not share.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';
import { makeClip, tusUpload } from '../test-support/vod-media.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

interface P2pStats { httpBytes: number; p2pBytes: number; uploadedBytes: number; peers: number; dropped: number; invalid: number }

describe.skipIf(needs('chromium', 'ffmpeg'))('P2P segments between viewers of a library video (Chromium, the watch page)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'p2p-watch-'));
  let host: HostProcess;
  let browser: Browser;
  let videoId = '';

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const clip = await makeClip(path.join(work, 'talk.mp4'), { seconds: 60, scenes: 6, size: '640x360' });
    host = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) });
    // Peers on one machine reach each other by loopback host candidates, named, not hidden behind mDNS.
    browser = await launchChromium({ args: ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'] });
    const uploadId = await tusUpload(host, clip, { filename: 'talk.mp4', title: 'The talk' });
    videoId = (await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json[0].id;
    await waitFor(
      'the video ready',
      async () => {
        const video = (await api(host, 'GET', `/api/v1/videos/${videoId}`)).json;
        if (video.state === 'failed') throw new Error(`processing failed: ${JSON.stringify(video.error)}`);
        return video.state === 'ready' ? video : undefined;
      },
      180_000,
      500,
    );
    expect((await api(host, 'PATCH', `/api/v1/videos/${videoId}`, { visibility: 'public' })).status).toBe(200);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const stats = (page: Page): Promise<P2pStats> => page.evaluate(() => ({ ...(window as unknown as { p2pStats: P2pStats }).p2pStats }));
  const currentTime = (page: Page): Promise<number> => page.locator('#v').evaluate((v) => (v as HTMLVideoElement).currentTime);
  const watch = async (): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
    page.on('pageerror', (e) => console.log('page error', e.message));
    expect((await page.goto(`${host.url}/watch/${videoId}`))?.status()).toBe(200);
    await expect.poll(() => page.evaluate(() => document.body.dataset.p2p), { timeout: 30_000 }).toBe('on');
    await page.locator('#play').click();
    await expect.poll(() => page.evaluate(() => document.body.dataset.state), { timeout: 15_000 }).toBe('playing');
    return page;
  };

  it('the second viewer takes the segments ahead of it from the first, each checked against the published hash', async () => {
    const first = await watch();
    await expect.poll(() => currentTime(first), { timeout: 20_000 }).toBeGreaterThan(3);
    // Alone, the first viewer fetched everything over HTTP, no further ahead than hls.js buffers by itself.
    const alone = await stats(first);
    expect(alone.p2pBytes).toBe(0);
    expect(alone.peers).toBe(0);
    expect(await first.locator('#p2pinfo').isHidden()).toBe(true);
    const second = await watch();
    await expect.poll(async () => [(await stats(first)).peers, (await stats(second)).peers], { timeout: 30_000, interval: 500 }).toEqual([1, 1]);
    // What is due within 10 s comes over HTTP; what is further ahead, the first viewer already holds.
    await expect.poll(async () => (await stats(second)).p2pBytes, { timeout: 40_000, interval: 1000 }).toBeGreaterThan(0);
    for (const page of [first, second]) {
      const t = await currentTime(page);
      await expect.poll(() => currentTime(page), { timeout: 15_000 }).toBeGreaterThan(t + 2);
    }
    const [a, b] = [await stats(first), await stats(second)];
    console.log('watch page viewers:', [a, b].map((s) => `http ${s.httpBytes} p2p ${s.p2pBytes} up ${s.uploadedBytes}`).join('; '));
    expect(a.uploadedBytes).toBeGreaterThan(0);
    // Every segment from a peer matched its hash: none thrown away, no peer dropped.
    expect([a.invalid, a.dropped, b.invalid, b.dropped]).toEqual([0, 0, 0, 0]);
    await expect.poll(() => second.locator('#p2p').textContent()).toMatch(/^\d+ % · 1 peer$/);
    await second.screenshot({ path: path.join(ARTIFACTS, 'p2p-watch-page.png') });
    await first.close();
    await second.close();
  }, 120_000);

  it("a private video's watch page does not share (its swarm's tracker refuses: src-main/vod/library.int.test.ts)", async () => {
    expect((await api(host, 'PATCH', `/api/v1/videos/${videoId}`, { visibility: 'private' })).status).toBe(200);
    const signed = (await api(host, 'GET', `/api/v1/videos/${videoId}/watch-url`)).json as { watch: string };
    const page = await browser.newPage();
    try {
      expect((await page.goto(signed.watch))?.status()).toBe(200);
      await page.locator('#play').click();
      await expect.poll(() => page.evaluate(() => document.body.dataset.state), { timeout: 15_000 }).toBe('playing');
      expect(await page.evaluate(() => document.body.dataset.p2p)).toBeUndefined();
    } finally {
      await page.close();
    }
  });
});
