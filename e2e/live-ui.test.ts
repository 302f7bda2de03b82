// The live server as a creator and a viewer meet it: create a stream on the Streams page, publish a
// test pattern over RTMP with ffmpeg, watch it in the preview with hls.js and dash.js in Chromium,
// switch renditions, and see the dashboard show it live.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import type { ChildProcess } from 'node:child_process';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'ffmpeg'))('live streaming through the UI in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let publisher: ChildProcess | undefined;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    browser = await launchChromium();
    page = await studioPage(browser, host);
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const videoTime = (): Promise<number> => page.getByTestId('player-video').evaluate((v) => (v as HTMLVideoElement).currentTime);
  const videoHeight = (): Promise<number> => page.getByTestId('player-video').evaluate((v) => (v as HTMLVideoElement).videoHeight);

  it('creates a stream, shows its key once with the OBS settings, and refuses a bad name at the field', async () => {
    await page.getByTestId('nav-streams').click();
    await page.getByTestId('page-streams').waitFor();
    await page.getByTestId('new-stream-name').fill('Not Valid');
    await page.getByTestId('new-stream-submit').click();
    await expect.poll(() => page.getByTestId('field-error-name').textContent()).toMatch(/lowercase/);
    await page.getByTestId('new-stream-name').fill('e2e-live');
    await page.getByTestId('new-stream-ladder').selectOption('standard');
    await page.getByTestId('new-stream-submit').click();
    const key = (await page.getByTestId('stream-key').textContent())?.trim() ?? '';
    expect(key).toMatch(/^sk_/);
    expect(await page.getByTestId('stream-obs-server').textContent()).toContain(`rtmp://127.0.0.1:${host.rtmpPort}/live`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'stream-created.png') });
    await page.getByTestId('stream-key-done').click();
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${key}`);
    await expect.poll(() => page.getByTestId('stream-state-e2e-live').textContent(), { timeout: 10_000 }).toMatch(/live/i);
    // Where viewers go: the player page and an embed snippet for other sites.
    expect(await page.getByTestId('player-page-url').textContent()).toBe(`${host.url}/play/e2e-live`);
    expect(await page.getByTestId('embed-snippet').textContent()).toBe(
      `<iframe src="${host.url}/embed/e2e-live" width="960" height="540" style="border:0;max-width:100%" allow="autoplay; fullscreen" allowfullscreen title="e2e-live (live)"></iframe>`,
    );
    await page.getByTestId('stream-playback-urls').screenshot({ path: path.join(ARTIFACTS, 'stream-viewer-links.png') });
  });

  it('plays the stream with hls.js, switches rendition, and reports viewers', async () => {
    await page.getByTestId('stream-row-e2e-live').click();
    await page.getByTestId('player-protocol-hls').click();
    await page.getByTestId('player-video').waitFor();
    await expect.poll(videoTime, { timeout: 40_000 }).toBeGreaterThan(1);
    const t0 = await videoTime();
    await expect.poll(videoTime, { timeout: 10_000 }).toBeGreaterThan(t0 + 1);
    const options = await page.getByTestId('player-rendition').locator('option').allTextContents();
    const lowest = options.find((o) => /360/.test(o));
    expect(lowest).toBeDefined();
    await page.getByTestId('player-rendition').selectOption({ label: lowest! });
    // The label follows hls.js's level switch, which on a loaded machine came over 10 s after the picture's.
    await expect.poll(() => page.getByTestId('player-current-rendition').textContent(), { timeout: 30_000 }).toMatch(/360/);
    await expect.poll(videoHeight, { timeout: 30_000 }).toBe(360);
    // After the switch's flush a loaded machine left the player more than 2 s behind the live point for
    // over 10 s (it counts as rewound then, and shows no latency) while hls.js caught up at 1.1x.
    await expect.poll(() => page.getByTestId('player-latency').textContent(), { timeout: 30_000 }).toMatch(/\d/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'stream-playing-hls.png') });
    const viewers = (await api(host, 'GET', '/api/v1/streams/e2e-live/viewers')).json;
    expect(viewers.viewers).toBeGreaterThanOrEqual(1);
    expect(viewers.byProtocol.hls).toBeGreaterThanOrEqual(1);
    expect(viewers.byRendition).toBeTypeOf('object');
  });

  it('plays the same stream with dash.js and switches rendition', async () => {
    await page.getByTestId('player-protocol-dash').click();
    await expect.poll(videoTime, { timeout: 40_000 }).toBeGreaterThan(1);
    const t0 = await videoTime();
    await expect.poll(videoTime, { timeout: 10_000 }).toBeGreaterThan(t0 + 1);
    const options = await page.getByTestId('player-rendition').locator('option').allTextContents();
    const lowest = options.find((o) => /360/.test(o));
    await page.getByTestId('player-rendition').selectOption({ label: lowest! });
    await expect.poll(videoHeight, { timeout: 30_000 }).toBe(360);
    await page.screenshot({ path: path.join(ARTIFACTS, 'stream-playing-dash.png') });
  });

  it('shows the stream live on the dashboard, then ended when the publisher drops', async () => {
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('live-stream-e2e-live').waitFor();
    publisher?.kill('SIGKILL');
    await exitOf(publisher!);
    publisher = undefined;
    await page.getByTestId('nav-streams').click();
    await expect.poll(() => page.getByTestId('stream-state-e2e-live').textContent(), { timeout: 5000 }).toMatch(/ended/i);
  });
});
