// Rewinding a live stream as a viewer and a creator meet it: the player page /play/<name> over HLS and
// the studio's preview, on a standard-latency stream whose 60 s playlist window is a small DVR window.
// The seek bar and the arrows move playback back, "Live" brings it back to the live edge.
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'ffmpeg'))('DVR: seek bar and Live button in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess | undefined;
  let studio: Page | undefined;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // 30 segments of 2 s: a standard playlist keeps a minute a viewer can seek in.
    host = await startHost({ env: cleanEnv({ STREAMS_LIVE_WINDOW_SEGMENTS: '30' }) });
    browser = await launchChromium();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'dvr-show', ladder: 'passthrough', latency: 'standard', dvrMinutes: 30 });
    expect(created.status).toBe(201);
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '960x540' });
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const data = (page: Page) => page.evaluate(() => ({ ...document.body.dataset }));
  const behind = async (page: Page) => Number((await data(page)).behindSec);
  const currentTime = (page: Page) => page.locator('#v').evaluate((v) => (v as HTMLVideoElement).currentTime);

  it('seeks back on the player page with the arrows and the bar, and "Live" returns', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`${host.url}/play/dvr-show?via=hls`);
    await expect.poll(async () => (await data(page)).mode, { timeout: 20_000 }).toBe('hls');
    // A public stream's viewers share segments by default (P2P), and this one joined in the stream's
    // first seconds: its hold-back must stay put while the playlist grows, or there is no window to seek in.
    await expect.poll(async () => (await data(page)).p2p, { timeout: 20_000 }).toBe('on');
    // The window grows with the stream: a seek bar appears once 10 s can be sought.
    await expect.poll(async () => (await data(page)).dvr, { timeout: 60_000 }).toBe('yes');
    await expect.poll(async () => (await data(page)).live, { timeout: 20_000 }).toBe('yes');
    await expect.poll(() => page.locator('#lat').textContent(), { timeout: 20_000 }).toMatch(/\d/);
    await page.waitForTimeout(12_000); // let the window grow past 20 s
    await page.screenshot({ path: path.join(ARTIFACTS, 'dvr-player-live.png') });

    // Ten seconds back from where it plays. hls.js may play ahead of its own live sync point (what the bar
    // calls live) by a few seconds, more so on a loaded machine: then it lands less than ten behind it.
    const before = await currentTime(page);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => currentTime(page), { timeout: 10_000 }).toBeLessThan(before - 6);
    await expect.poll(() => behind(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(5);
    expect((await data(page)).live).toBe('no');
    expect(await page.locator('#pos').textContent()).toMatch(/^-0:\d\d$/);

    // A click a fifth of the way along the bar: far back in the window, and playback goes on from there.
    const box = (await page.locator('#bar').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.2, box.y + box.height / 2);
    await expect.poll(() => behind(page), { timeout: 10_000 }).toBeGreaterThanOrEqual(15);
    const t0 = await currentTime(page);
    await expect.poll(() => currentTime(page), { timeout: 15_000 }).toBeGreaterThan(t0 + 2);
    expect(await behind(page)).toBeGreaterThanOrEqual(12);
    await page.locator('#bar').hover({ position: { x: box.width * 0.5, y: box.height / 2 } });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dvr-player-rewound.png') });

    await page.locator('#live').click();
    await expect.poll(async () => (await data(page)).live, { timeout: 15_000 }).toBe('yes');
    expect(await behind(page)).toBeLessThanOrEqual(3);
    await page.close();
  });

  it('gets the same seek bar and Live button in the studio preview, and shows the stream latency facts', async () => {
    // The sign-in link works once: this page stays signed in for the next test.
    const page = (studio = await studioPage(browser, host, { width: 1360, height: 1000 }));
    await page.getByTestId('nav-streams').click();
    await page.getByTestId('stream-row-dvr-show').click();
    await page.getByTestId('player-protocol-hls').click();
    await expect.poll(() => page.getByTestId('player-dvr').getAttribute('data-live'), { timeout: 40_000 }).toBe('yes');
    await expect.poll(() => page.getByTestId('player-dvr').getAttribute('data-dvr'), { timeout: 40_000 }).toBe('yes');
    expect(await page.getByTestId('stream-latency-mode').textContent()).toMatch(/standard/i);
    // A standard stream seeks in its playlist window; the DVR minutes are Low's.
    expect(await page.getByTestId('stream-dvr-window').textContent()).toBe('live window only');
    await expect.poll(() => page.getByTestId('stream-latency-measured').textContent()).toMatch(/HLS \d+\.\d s|not measured yet/);

    await page.getByTestId('player-stage').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('player-dvr').getAttribute('data-live'), { timeout: 10_000 }).toBe('no');
    await expect.poll(() => page.getByTestId('player-dvr-position').textContent(), { timeout: 5000 }).toMatch(/^-0:[12]\d$/);
    await page.getByTestId('stream-preview').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dvr-stream-page.png') });
    await page.getByTestId('player-live').click();
    await expect.poll(() => page.getByTestId('player-dvr').getAttribute('data-live'), { timeout: 15_000 }).toBe('yes');
    await page.getByTestId('stream-latency-change').click();
    await page.getByTestId('stream-latency').scrollIntoViewIfNeeded();
    await page.getByTestId('stream-latency').screenshot({ path: path.join(ARTIFACTS, 'dvr-stream-latency-card.png') });
  });

  it('offers the latency mode and the DVR window in the new-stream form, and creates the stream with them', async () => {
    const page = studio!;
    await page.getByTestId('nav-streams').click();
    await page.getByTestId('new-stream-name').fill('dvr-low');
    await page.getByTestId('new-stream-latency-low').click();
    await page.getByTestId('new-stream-latency-dvr').fill('300');
    await expect.poll(() => page.getByTestId('new-stream-latency-dvr-error').textContent()).toMatch(/between 0 and 240/);
    await page.getByTestId('new-stream-latency-dvr').fill('90');
    expect(await page.getByTestId('new-stream-latency-explain').textContent()).toMatch(/1–2 s/);
    await page.getByTestId('new-stream').screenshot({ path: path.join(ARTIFACTS, 'dvr-new-stream-form.png') });
    await page.getByTestId('new-stream-submit').click();
    await page.getByTestId('stream-key-done').click();
    const stream = (await api(host, 'GET', '/api/v1/streams/dvr-low')).json;
    expect([stream.latency, stream.dvrMinutes]).toEqual(['low', 90]);
    await expect.poll(() => page.getByTestId('stream-dvr-window').textContent()).toBe('1 h 30 min');
    // Changed on the stream page, from the next publish.
    await page.getByTestId('stream-latency-change').click();
    await page.getByTestId('stream-latency-edit-standard').click();
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/streams/dvr-low')).json.latency).toBe('standard');
  });
});
