// The web UI end to end: a real `streams host`, Debian Chromium through Playwright, signing in with
// the URL the host printed, watching live stats, editing a setting and being refused a bad one.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledFfmpegPath } from '../src-main/encoder/locate.js';
import { launchChromium } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium'))('host UI in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  it('shows the sign-in screen without a session', async () => {
    await page.goto(host.url);
    await page.getByTestId('login-screen').waitFor();
    await page.getByTestId('login-code').fill('NOTACODE12');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/expired|used|unknown/i);
  });

  it('signs in through the printed URL and shows live system stats', async () => {
    await page.goto(host.loginUrl);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.getByTestId('page-dashboard').waitFor();
    await page.getByTestId('connection-status').waitFor();
    const tiles = async (): Promise<string> =>
      (await page.locator('[data-testid^="stat-"]').allTextContents()).join(' | ');
    const points = async (): Promise<number> => Number(await page.getByTestId('chart-cpu').getAttribute('data-points'));
    await expect.poll(points, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => (await page.getByTestId('stat-cpu-value').textContent()) ?? '').toMatch(/\d/);
    // Two real samples apart: the chart grows and the tiles (uptime at least) show new numbers.
    const firstPoints = await points();
    const first = await tiles();
    await expect.poll(points, { timeout: 10_000 }).toBeGreaterThan(firstPoints);
    await expect.poll(tiles, { timeout: 5_000 }).not.toBe(first);
    await expect.poll(() => page.locator('[data-testid="chart-cpu"] canvas').count()).toBeGreaterThan(0);
    await page.getByTestId('ffmpeg-card').waitFor();
    await expect.poll(() => page.getByTestId('ffmpeg-source').textContent(), { timeout: 20_000 }).toBeTruthy();
    await expect.poll(() => page.getByTestId('ffmpeg-encoder-libx264').textContent(), { timeout: 20_000 }).toMatch(/yes|usable|✓/i);
    // What this ffmpeg can do for the creator: the main job at least.
    await expect.poll(() => page.getByTestId('ffmpeg-ability-ladder').getAttribute('data-ok'), { timeout: 20_000 }).toBe('true');
    expect(await page.getByTestId('ffmpeg-ability-record').getAttribute('data-ok')).toBe('true');
    // Which path feeds WebRTC viewers, and the addon's parts, as the system info has them.
    const info = (await api(host, 'GET', '/api/v1/system')).json as { webrtc: { fanout: { path: string; reason: string | null } }; capture: { native: { features: string[] } } };
    const fanout = (await page.getByTestId('webrtc-fanout').textContent()) ?? '';
    expect(fanout).toContain(info.webrtc.fanout.path === 'native' ? 'native fan-out' : `JavaScript ${info.webrtc.fanout.reason}`);
    expect(await page.getByTestId('native-features').locator('.chip').count()).toBe(info.capture.native.features.length);
    await page.getByTestId('native-card').screenshot({ path: path.join(ARTIFACTS, 'dashboard-native-card.png') });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  it('edits a setting through the Settings page and the change reaches the host and the header', async () => {
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('page-settings').waitFor();
    await page.getByTestId('field-studio.name').fill('E2E Show');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('toast').first().textContent()).toMatch(/saved/i);
    const view = await api(host, 'GET', '/api/v1/config');
    expect(view.json.config.studio.name).toBe('E2E Show');
    expect(fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8')).toContain('name: E2E Show');
    await expect.poll(() => page.getByTestId('studio-name').textContent()).toBe('E2E Show');
  });

  it('rejects a bad value at the field and changes nothing', async () => {
    const before = fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8');
    await page.getByTestId('field-http.port').fill('70000');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('field-error-http.port').textContent()).toMatch(/65535/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings-invalid.png'), fullPage: true });
    expect(fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8')).toBe(before);
    expect((await api(host, 'GET', '/api/v1/config')).json.config.http.port).toBe(7070);
  });

  it('takes a secret setting in a password field, shows only its last 4 characters after, and removes it', async () => {
    await page.reload();
    await page.getByTestId('page-settings').waitFor();
    const field = page.getByTestId('field-live.keyProviderToken');
    expect(await field.getAttribute('type')).toBe('password');
    expect(await field.getAttribute('placeholder')).toBe('Not set');
    await field.fill('settings-token-77aa');
    await page.getByTestId('settings-save').click();
    await expect.poll(() => page.getByTestId('toast').last().textContent()).toMatch(/saved/i);
    expect(fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8')).toContain('keyProviderToken: "settings-token-77aa"');
    expect((await api(host, 'GET', '/api/v1/config')).json.config.live.keyProviderToken).toBe('…77aa');
    await expect.poll(() => field.getAttribute('placeholder')).toBe('Set (…77aa): type to replace');
    expect(await field.inputValue()).toBe('');
    expect(await page.content()).not.toContain('settings-token-77aa');
    for (const dismiss of await page.getByTestId('toast').getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click();
    await page.getByTestId('field-row-live.keyProviderToken').screenshot({ path: path.join(ARTIFACTS, 'settings-secret.png') });
    // Saving another change leaves it as it is.
    await page.getByTestId('field-studio.name').fill('E2E Show 2');
    await page.getByTestId('settings-save').click();
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/config')).json.config.studio.name).toBe('E2E Show 2');
    expect(fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8')).toContain('keyProviderToken: "settings-token-77aa"');
    await page.getByTestId('field-remove-live.keyProviderToken').click();
    expect(await field.getAttribute('placeholder')).toBe('Removed when you save');
    await page.getByTestId('settings-save').click();
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/config')).json.config.live.keyProviderToken).toBe('');
    expect(fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8')).toContain('keyProviderToken: ""');
  });

  it('with the npm-shipped ffmpeg, the ffmpeg card says what it can and cannot do and how to get a newer one', async () => {
    const bundled = bundledFfmpegPath()!;
    const old = await startHost({ env: cleanEnv({ FFMPEG_PATH: bundled }) });
    const oldPage = await browser.newPage({ viewport: { width: 1360, height: 1800 } });
    try {
      await oldPage.goto(old.loginUrl);
      await oldPage.getByTestId('ffmpeg-card').waitFor();
      await expect.poll(() => oldPage.getByTestId('ffmpeg-path').textContent(), { timeout: 20_000 }).toBe(bundled);
      await expect.poll(() => oldPage.getByTestId('ffmpeg-ability-ladder').getAttribute('data-ok'), { timeout: 30_000 }).toBe('true');
      expect(await oldPage.getByTestId('ffmpeg-ability-record').getAttribute('data-ok')).toBe('true');
      expect(await oldPage.getByTestId('ffmpeg-ability-webrtc').getAttribute('data-ok')).toBe('true');
      expect(await oldPage.getByTestId('ffmpeg-ability-srt').getAttribute('data-ok')).toBe('false');
      expect(await oldPage.getByTestId('ffmpeg-ability-srt').textContent()).toMatch(/no srt protocol/);
      // Low latency runs on it too: our segmenter needs fragmented MP4 only (the bundled stage plays LL on it).
      expect(await oldPage.getByTestId('ffmpeg-ability-lowLatency').getAttribute('data-ok')).toBe('true');
      const advice = (await oldPage.getByTestId('ffmpeg-newer').textContent()) ?? '';
      expect(advice).toMatch(/apt install ffmpeg/);
      expect(advice).toMatch(/restart the studio without FFMPEG_PATH/);
      await oldPage.getByTestId('ffmpeg-card').screenshot({ path: path.join(ARTIFACTS, 'ffmpeg-card-bundled.png') });
    } finally {
      await oldPage.close();
      expect(await old.stop('SIGTERM')).toBe(0);
    }
  });

  it('logged no errors in the browser console', () => {
    expect(consoleErrors.filter((e) => !/401|Unauthorized/i.test(e))).toEqual([]);
  });
});
