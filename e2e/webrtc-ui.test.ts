// WebRTC as a creator and a viewer meet it: the Streams page preview switched to WebRTC on an RTMP
// stream, the standalone player page /play/<name> (WebRTC first, HLS fallback, latency shown), and
// "Publish from this browser" with Chromium's fake camera, watched on the player page.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { launchMediaChromium } from '../test-support/webrtc.js';
import { studioPage } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import type { ChildProcess } from 'node:child_process';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'ffmpeg'))('WebRTC in the UI and on the player page', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let publisher: ChildProcess | undefined;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    browser = await launchMediaChromium();
    page = await studioPage(browser, host);
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'rtc-live', ladder: 'passthrough' });
    await api(host, 'POST', '/api/v1/streams', { name: 'rtc-cohost', ladder: 'passthrough' });
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { extra: ['-g', '30'] });
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const videoTime = (p: Page, testId: string): Promise<number> => p.getByTestId(testId).evaluate((v) => (v as HTMLVideoElement).currentTime);

  it('switches the preview to WebRTC and shows its measured latency', async () => {
    await page.getByTestId('nav-streams').click();
    await expect.poll(() => page.getByTestId('stream-state-rtc-live').textContent(), { timeout: 30_000 }).toMatch(/live/i);
    await page.getByTestId('stream-row-rtc-live').click();
    await page.getByTestId('player-protocol-webrtc').click();
    await expect.poll(() => page.getByTestId('player-engine').textContent(), { timeout: 30_000 }).toBe('WebRTC');
    await expect.poll(() => videoTime(page, 'player-video'), { timeout: 30_000 }).toBeGreaterThan(1);
    // Timing goals are the benchmark's: here a measured figure is shown (ms below a second, else s).
    await expect.poll(() => page.getByTestId('player-latency').textContent(), { timeout: 20_000 }).toMatch(/^\d+ ms$|^\d+\.\d s$/);
    // The rate the video arrives at, measured (WebRTC has no ladder to read it from): never a 0 kb/s placeholder.
    await expect.poll(() => page.getByTestId('player-current-rendition').textContent(), { timeout: 20_000 }).toMatch(/^source · ([1-9]\d* kb\/s|\d+(\.\d)? Mb\/s)/);
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/streams/rtc-live/viewers')).json.byProtocol.webrtc, { timeout: 20_000 }).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'webrtc-preview.png') });
  });

  it('plays /play/<name> over WebRTC with its latency, and falls back to HLS when WebRTC is refused', async () => {
    const player = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await player.goto(`${host.url}/play/rtc-live`);
    await expect.poll(() => player.evaluate(() => document.body.dataset.mode), { timeout: 20_000 }).toBe('webrtc');
    await expect.poll(() => player.evaluate(() => Number(document.body.dataset.latencyMs ?? 'NaN')), { timeout: 20_000 }).toBeLessThan(5000);
    await expect.poll(() => player.locator('#v').evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
    await player.screenshot({ path: path.join(ARTIFACTS, 'webrtc-player-page.png') });
    // A page without RTCPeerConnection (WebRTC off) gets the HLS fallback.
    const fallback = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await fallback.addInitScript(() => {
      (window as unknown as Record<string, unknown>).RTCPeerConnection = undefined;
    });
    await fallback.goto(`${host.url}/play/rtc-live`);
    await expect.poll(() => fallback.evaluate(() => document.body.dataset.mode), { timeout: 20_000 }).toBe('hls');
    await expect.poll(() => fallback.locator('#v').evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 40_000 }).toBeGreaterThan(1);
    await fallback.screenshot({ path: path.join(ARTIFACTS, 'webrtc-player-hls-fallback.png') });
    await player.close();
    await fallback.close();
  });

  it('publishes the camera from the Streams page (WHIP) and the player page shows it', async () => {
    await page.getByTestId('stream-row-rtc-cohost').click();
    await page.getByTestId('publish-camera').click();
    await page.getByTestId('publish-stop').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('stream-detail-state').textContent(), { timeout: 20_000 }).toMatch(/live/i);
    const viewer = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await viewer.goto(`${host.url}/play/rtc-cohost`);
    await expect.poll(() => viewer.evaluate(() => document.body.dataset.mode), { timeout: 20_000 }).toBe('webrtc');
    await expect.poll(() => viewer.locator('#v').evaluate((v) => (v as HTMLVideoElement).videoWidth), { timeout: 20_000 }).toBeGreaterThan(0);
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'webrtc-cohost-player.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'webrtc-publish-from-browser.png') });
    await page.getByTestId('publish-stop').click();
    await expect.poll(() => page.getByTestId('stream-detail-state').textContent(), { timeout: 30_000 }).not.toMatch(/live/i);
    await viewer.close();
  });
});
