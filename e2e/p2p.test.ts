// Viewers who help each other: HLS viewers of one stream on the player page exchange segments over
// WebRTC data channels (p2p-media-loader, the host's tracker), each peer's segment checked against the
// hash the host publishes. What is proven here: the viewers find each other and play on; live segments
// do not yet travel between them in a measurable share (the README says so).
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

interface P2pStats { httpBytes: number; p2pBytes: number; uploadedBytes: number; peers: number; dropped: number; invalid: number }

describe.skipIf(needs('chromium', 'ffmpeg'))('P2P segments between viewers (Chromium, real tracker)', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess | undefined;
  const pages: Page[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    // Peers on one machine reach each other by loopback host candidates, named, not hidden behind mDNS.
    browser = await launchChromium({ args: ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'] });
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'p2p-show', ladder: 'passthrough', latency: 'standard', p2p: { mode: 'on' } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.p2p).toEqual({ mode: 'on', maxPeers: 5, maxUploadKbps: 0, active: true });
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '640x360', extra: ['-b:v', '1500k'] });
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const stats = (page: Page): Promise<P2pStats> => page.evaluate(() => ({ ...(window as unknown as { p2pStats: P2pStats }).p2pStats }));
  const currentTime = (page: Page): Promise<number> => page.locator('#v').evaluate((v) => (v as HTMLVideoElement).currentTime);
  const open = async (setup?: (page: Page) => Promise<void>): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    await setup?.(page);
    page.on('pageerror', (e) => console.log('page error', e.message));
    await page.goto(`${host.url}/play/p2p-show?via=hls`);
    await expect.poll(async () => page.evaluate(() => document.body.dataset.p2p), { timeout: 30_000 }).toBe('on');
    pages.push(page);
    return page;
  };

  it('viewers of one stream find each other through the tracker and play on, with nothing refused by the hash check', async () => {
    for (let i = 0; i < 4; i++) await open();
    // Each viewer is connected to the three others (for the video and the audio swarm alike).
    await expect.poll(async () => (await Promise.all(pages.map(stats))).map((s) => s.peers >= 3), { timeout: 60_000, interval: 1000 }).toEqual([true, true, true, true]);
    for (const page of pages) {
      const t = await currentTime(page);
      await expect.poll(() => currentTime(page), { timeout: 15_000 }).toBeGreaterThan(t + 1);
    }
    const all = await Promise.all(pages.map(stats));
    console.log('p2p viewers:', all.map((s) => `http ${s.httpBytes} p2p ${s.p2pBytes} up ${s.uploadedBytes} peers ${s.peers}`).join('; '));
    expect(all.every((s) => s.invalid === 0 && s.httpBytes > 0)).toBe(true);
    await expect.poll(() => pages[0]!.locator('#p2p').textContent()).toMatch(/^\d+ % · \d+ peers$/);
    await pages[0]!.screenshot({ path: path.join(ARTIFACTS, 'p2p-player.png') });
  }, 120_000);
});
