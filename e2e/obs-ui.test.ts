// The OBS page in Chromium against a real host and a real OBS 29 under xvfb-run: connect (a wrong
// password first), build a scene from a template, switch scenes from the thumbnail grid, hide a source,
// send OBS to the studio in one click and watch it with hls.js on the Streams page, with screenshots.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { startObs, type TestObs } from '../test-support/obs.js';
import { sleep } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'obs', 'xvfb'))('the OBS page in Chromium', () => {
  let host: HostProcess;
  let obs: TestObs;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    [host, obs] = await Promise.all([startHost(), startObs()]);
    browser = await launchChromium();
    page = await studioPage(browser, host, { width: 1360, height: 1000 });
  });

  afterAll(async () => {
    await browser?.close();
    await obs?.stop();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  it('says a wrong password in words, then connects and shows the scene grid', async () => {
    await page.getByTestId('nav-obs').click();
    await page.getByTestId('page-obs').waitFor();
    await page.getByTestId('obs-connections-empty').waitFor();
    await page.getByTestId('obs-port').fill(String(obs.port));
    await page.getByTestId('obs-password').fill('not-the-password');
    await page.getByTestId('obs-connect').click();
    await expect.poll(() => page.getByTestId('obs-connect-error').textContent()).toMatch(/refused the password/);
    await page.getByTestId('obs-password').fill(obs.password);
    await page.getByTestId('obs-connect').click();
    await expect.poll(() => page.getByTestId('obs-connection-state').textContent(), { timeout: 15_000 }).toMatch(/connected · \d+ ms/);
    await page.getByTestId('obs-scene-grid').waitFor();
    await expect.poll(() => page.locator('[data-testid="obs-scene-grid"] .obs-scene').count()).toBeGreaterThanOrEqual(1);
  });

  it('builds a scene from a template and switches to it from its thumbnail', async () => {
    await page.getByTestId('obs-template').selectOption('gaming');
    await page.getByTestId('obs-template-scene').fill('Game');
    await page.getByTestId('obs-template-title').fill('Speedrun night');
    await page.getByTestId('obs-template-apply').click();
    const game = page.getByTestId('obs-scene-Game');
    await game.waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('obs-sources').textContent()).toContain('Game - Camera');
    await game.locator('.obs-scene-thumb').click();
    await expect.poll(() => game.getAttribute('class'), { timeout: 10_000 }).toContain('is-program');
    expect((await api(host, 'GET', `/api/v1/obs/connections/${await connectionId()}/scenes`)).json.programScene).toBe('Game');
    await page.getByTestId('obs-new-scene').fill('Be right back');
    await page.getByTestId('obs-new-scene-submit').click();
    await page.getByTestId('obs-scene-Be right back').waitFor();
    // Thumbnails are screenshots of each scene: wait for the Game one to be drawn.
    await expect.poll(() => game.locator('img').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('obs-scenes').screenshot({ path: path.join(ARTIFACTS, 'obs-scene-grid.png') });
  });

  it('sets the duration of a fade from the page; a cut shows none', async () => {
    const current = async () => (await api(host, 'GET', `/api/v1/obs/connections/${await connectionId()}/transitions`)).json;
    await page.getByTestId('obs-transition').selectOption('Fade');
    const box = page.getByTestId('obs-transition-duration');
    await expect.poll(() => box.inputValue(), { timeout: 10_000 }).toBe(String((await current()).durationMs));
    await box.fill('750');
    await box.press('Enter');
    await expect.poll(async () => (await current()).durationMs, { timeout: 10_000 }).toBe(750);
    // Out of range: not sent, the box goes back to OBS's duration.
    await box.fill('10');
    await box.press('Enter');
    await expect.poll(() => box.inputValue()).toBe('750');
    await sleep(500);
    expect((await current()).durationMs).toBe(750);
    await page.getByTestId('obs-transition').selectOption('Cut');
    await page.getByTestId('obs-transition-fixed').waitFor();
    expect(await box.count()).toBe(0);
    expect((await current()).current).toBe('Cut');
  });

  it('previews a scene in studio mode and takes it to program with the transition', async () => {
    await page.getByTestId('obs-transition').selectOption('Cut');
    await page.getByTestId('obs-transition-bar').locator('label.switch').click();
    await expect.poll(() => page.getByTestId('obs-studio-mode').isChecked(), { timeout: 10_000 }).toBe(true);
    const brb = page.getByTestId('obs-scene-Be right back');
    await brb.locator('.obs-scene-thumb').click();
    await expect.poll(() => brb.getAttribute('class'), { timeout: 10_000 }).toContain('is-preview');
    await page.getByTestId('obs-scenes').screenshot({ path: path.join(ARTIFACTS, 'obs-studio-mode.png') });
    await page.getByTestId('obs-transition-go').click();
    await expect.poll(() => brb.getAttribute('class'), { timeout: 10_000 }).toContain('is-program');
    await page.getByTestId('obs-transition-bar').locator('label.switch').click();
    await expect.poll(() => page.getByTestId('obs-studio-mode').isChecked(), { timeout: 10_000 }).toBe(false);
    await page.getByTestId('obs-scene-Game').locator('.obs-scene-thumb').click();
    await expect.poll(() => page.getByTestId('obs-scene-Game').getAttribute('class'), { timeout: 10_000 }).toContain('is-program');
  });

  // ffmpeg writes the tone OBS plays.
  it.skipIf(needs('ffmpeg'))('shows a live audio meter for a playing media source', async () => {
    const tone = path.join(obs.home, 'tone.wav');
    expect(spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=5', '-af', 'volume=0.5', tone]).status).toBe(0);
    const id = await connectionId();
    expect((await api(host, 'POST', `/api/v1/obs/connections/${id}/inputs`, { scene: 'Game', name: 'Tone', kind: 'media', settings: { local_file: tone, looping: true } })).status).toBe(201);
    const fill = page.getByTestId('obs-meter-Tone').locator('.obs-meter-fill');
    const width = async (): Promise<number> => Number(/width: (\d+)%/.exec((await fill.getAttribute('style')) ?? '')?.[1] ?? 0);
    await expect.poll(width, { timeout: 15_000 }).toBeGreaterThan(20);
    await page.getByTestId('obs-sources').screenshot({ path: path.join(ARTIFACTS, 'obs-sources-meters.png') });
  });

  it('hides a source and gives it a chroma key filter, then turns the filter off', async () => {
    const title = page.getByTestId('obs-item-Game - Title');
    expect(await title.getByTestId('obs-item-visible').isChecked()).toBe(true);
    // The switch is controlled: it flips once OBS has answered.
    await title.locator('label.switch').click();
    await expect.poll(() => title.getByTestId('obs-item-visible').isChecked(), { timeout: 10_000 }).toBe(false);
    const id = await connectionId();
    await expect
      .poll(async () => ((await api(host, 'GET', `/api/v1/obs/connections/${id}/scenes/Game/items`)).json as { sourceName: string; enabled: boolean }[]).find((i) => i.sourceName === 'Game - Title')?.enabled)
      .toBe(false);
    await title.getByTestId('obs-item-filters').click();
    await page.getByTestId('obs-filter-kind').selectOption('chroma_key');
    await page.getByTestId('obs-filter-add').click();
    const filter = page.getByTestId('obs-filter-Chroma key');
    await filter.waitFor({ timeout: 10_000 });
    await filter.locator('label.switch').click();
    await expect.poll(() => filter.getByTestId('obs-filter-enabled').isChecked(), { timeout: 10_000 }).toBe(false);
    const filters = (await api(host, 'GET', `/api/v1/obs/connections/${id}/sources/${encodeURIComponent('Game - Title')}/filters`)).json as { name: string; kind: string; enabled: boolean }[];
    expect(filters).toEqual([expect.objectContaining({ name: 'Chroma key', kind: 'chroma_key_filter_v2', enabled: false })]);
    await page.getByTestId('obs-sources').screenshot({ path: path.join(ARTIFACTS, 'obs-sources-filters.png') });
  });

  it('sends OBS to the studio in one click; hls.js plays it on the Streams page', async () => {
    await page.getByTestId('obs-studio-stream').fill('obs-e2e');
    await page.getByTestId('obs-stream-to-studio').click();
    await expect.poll(() => page.getByTestId('obs-output-stream').getAttribute('data-active'), { timeout: 15_000 }).toBe('true');
    await expect.poll(() => page.getByTestId('obs-stats-bitrate').textContent(), { timeout: 20_000 }).toMatch(/[1-9]\d* (kb|Mb)\/s/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'obs-page-streaming.png'), fullPage: true });

    await page.getByTestId('nav-streams').click();
    await expect.poll(() => page.getByTestId('stream-state-obs-e2e').textContent(), { timeout: 20_000 }).toMatch(/live/i);
    await page.getByTestId('stream-row-obs-e2e').click();
    await page.getByTestId('player-protocol-hls').click();
    const videoTime = (): Promise<number> => page.getByTestId('player-video').evaluate((v) => (v as HTMLVideoElement).currentTime);
    await expect.poll(videoTime, { timeout: 40_000 }).toBeGreaterThan(1);
    const t0 = await videoTime();
    await expect.poll(videoTime, { timeout: 10_000 }).toBeGreaterThan(t0 + 1);
    const size = await page.getByTestId('player-video').evaluate((v) => [(v as HTMLVideoElement).videoWidth, (v as HTMLVideoElement).videoHeight]);
    expect(size[0]).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'obs-stream-playing-hls.png') });

    await page.getByTestId('nav-obs').click();
    await page.getByTestId('obs-output-stream').click();
    await expect.poll(() => page.getByTestId('obs-output-stream').getAttribute('data-active'), { timeout: 15_000 }).toBe('false');
  });

  async function connectionId(): Promise<string> {
    return ((await api(host, 'GET', '/api/v1/obs/connections')).json as { id: string }[])[0]!.id;
  }
});
