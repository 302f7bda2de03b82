// The Podcasts page in Chromium against a real host: a show created through the form (a bad e-mail
// refused first, next to its field), its artwork uploaded, an episode added from a library video
// (a clip with sound made by ffmpeg), followed to ready, published and played in the page; its
// download counted and charted; a private show's subscriber feed added and revoked. Screenshots go
// to e2e/artifacts/podcasts-*.png.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { makeClip, tusUpload } from '../test-support/vod-media.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
/** Listeners' podcast apps: their downloads count (the page's own HeadlessChrome is a bot by the rules). */
const APP_UAS = [
  'Overcast/3.0 (+http://overcast.fm/; iOS podcast app)',
  'AntennaPod/3.4.0',
  'PocketCasts/1.0 (Pocket Casts Android, Android 14)',
];

/** A square PNG of `size` px, a Mandelbrot picture, as a creator's artwork. */
function makePng(file: string, size: number): string {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `mandelbrot=size=${size}x${size}:rate=1`, '-frames:v', '1', file], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ffmpeg could not make the artwork: ${r.stderr}`);
  return file;
}

/** A screenshot without the toasts that happen to be up; `tall` grows the window to hold the whole page (it scrolls inside). */
async function shoot(page: Page, name: string, what?: Locator, tall = 0): Promise<void> {
  // A toast may go by itself while it is clicked: a short timeout, not the 30 s default, for each.
  for (const close of await page.locator('[data-testid="toast"] button[aria-label="Dismiss"]').all()) await close.click({ timeout: 500 }).catch(() => undefined);
  const size = page.viewportSize()!;
  if (tall) await page.setViewportSize({ width: size.width, height: tall });
  await (what ?? page).screenshot({ path: path.join(ARTIFACTS, `podcasts-${name}.png`) });
  if (tall) await page.setViewportSize(size);
}

describe.skipIf(needs('chromium', 'ffmpeg'))('the Podcasts page in Chromium against a real host', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'podcasts-e2e-'));
  let host: HostProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let videoId = '';
  let showId = '';
  let episodeId = '';
  /** Every answer of 400 or more the page got from the API, for the failure message. */
  const refused: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const [clip, h] = await Promise.all([
      // 12 s with a 330 Hz tone: short enough that one whole download counts.
      makeClip(path.join(work, 'studio-tour.mp4'), { seconds: 12, scenes: 2 }),
      startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) }),
    ]);
    host = h;
    const uploadId = await tusUpload(h, clip, { filename: 'studio-tour.mp4', title: 'Studio tour' });
    videoId = (await waitFor('the upload as a video', async () => (await api(h, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json[0]?.id as string | undefined, 20_000)) ?? '';
    await waitFor('the library video ready', async () => {
      const v = (await api(h, 'GET', `/api/v1/videos/${videoId}`)).json;
      if (v.state === 'failed') throw new Error(`the library video failed: ${JSON.stringify(v.error)}`);
      return v.state === 'ready';
    }, 120_000, 500);
    browser = await launchChromium();
    page = await studioPage(browser, h, { width: 1440, height: 1000 });
    page.on('response', (r) => {
      if (r.status() >= 400 && r.url().includes('/api/')) refused.push(`${r.request().method()} ${r.url()} -> ${r.status()}`);
    });
  }, 180_000);

  // A failure says what the page was told: its toasts, the API's refusals and the host's last words.
  beforeEach(() => {
    onTestFailed(async () => {
      const toasts = page ? await page.getByTestId('toast').allTextContents().catch(() => []) : [];
      console.log(`toasts: ${JSON.stringify(toasts)}\nrefused: ${JSON.stringify(refused)}\nhost stderr: ${host?.stderr().slice(-3000)}\nhost stdout: ${host?.stdout().slice(-3000)}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('creates a show through the form: a bad e-mail is refused next to its field first; then its artwork', async () => {
    const h = host!;
    await page.getByTestId('nav-podcasts').click();
    await page.getByTestId('shows-empty').waitFor();
    const form = page.getByTestId('new-show');
    await form.getByTestId('new-show-title').fill('The Studio Hour');
    await form.getByTestId('new-show-author').fill('Sam Rivera');
    await form.getByTestId('new-show-email').fill('sam-at-example');
    await form.getByTestId('new-show-category').selectOption('Technology');
    await form.getByTestId('new-show-description').fill('Behind the scenes of a streaming studio, every week.');
    await form.getByTestId('new-show-submit').click();
    // The host's VALIDATION_FAILED details, shown where the e-mail was typed.
    const emailError = form.getByTestId('new-show-error-ownerEmail');
    await emailError.waitFor({ timeout: 10_000 });
    expect(await emailError.textContent()).toMatch(/^An e-mail address/);
    expect(refused.some((r) => /POST .*\/api\/v1\/shows -> 400$/.test(r))).toBe(true);
    expect(await form.getByTestId('new-show-email').getAttribute('aria-invalid')).toBe('true');
    await shoot(page, 'new-show-error', form);
    expect((await api(h, 'GET', '/api/v1/shows')).json).toEqual([]);

    await form.getByTestId('new-show-email').fill('sam@example.com');
    expect(await emailError.count()).toBe(0);
    await form.getByTestId('new-show-submit').click();
    await expect.poll(() => page.evaluate(() => window.location.hash), { timeout: 10_000 }).toMatch(/^#\/podcasts\/show_[a-z0-9]{12}$/);
    showId = (await page.evaluate(() => window.location.hash)).split('/').pop()!;
    await page.getByTestId(`show-page-${showId}`).waitFor();
    const show = (await api(h, 'GET', `/api/v1/shows/${showId}`)).json;
    expect(show).toMatchObject({ title: 'The Studio Hour', author: 'Sam Rivera', ownerEmail: 'sam@example.com', category: 'Technology', private: false, artwork: null });

    // The public feed's absolute URL, as listeners paste it.
    const feedUrl = await page.getByTestId('show-feed-url').textContent();
    expect(feedUrl).toBe(`${h.url}${show.feed}`);
    const feed = await fetch(feedUrl!);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('<title>The Studio Hour</title>');

    // The artwork, a 1400 px PNG, through the upload button (PUT /api/v1/shows/:id/artwork).
    await page.getByTestId('artwork-none').waitFor();
    const png = makePng(path.join(work, 'artwork.png'), 1400);
    await page.getByTestId('artwork-input').setInputFiles(png);
    const preview = page.getByTestId('artwork-preview');
    await expect.poll(() => preview.getAttribute('data-saved'), { timeout: 30_000 }).toBe('yes');
    const withArt = (await api(h, 'GET', `/api/v1/shows/${showId}`)).json;
    expect(withArt.artwork, `the show after the upload: ${JSON.stringify(withArt)}; refused: ${refused.join(', ')}`).toEqual(expect.any(String));
    expect(await preview.getAttribute('src')).toContain(withArt.artwork);
    await expect.poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThanOrEqual(1400);
    await expect.poll(() => page.getByTestId('show-head-artwork').evaluate((img) => (img as HTMLImageElement).naturalWidth ?? 0), { timeout: 10_000 }).toBeGreaterThan(0);
  }, 90_000);

  it('adds an episode from a library video, follows its encoding, publishes it and plays its M4A', async () => {
    const h = host!;
    await page.getByTestId('episode-add').click();
    const dialog = page.getByTestId('episode-dialog');
    await expect.poll(() => dialog.getByTestId('episode-source').locator(`option[value="video:${videoId}"]`).count(), { timeout: 10_000 }).toBe(1);
    await dialog.getByTestId('episode-source').selectOption(`video:${videoId}`);
    // The video's title as a start.
    expect(await dialog.getByTestId('episode-title').inputValue()).toBe('Studio tour');
    await dialog.getByTestId('episode-title').fill('Pilot: a tour of the studio');
    await dialog.getByTestId('episode-season').fill('1');
    await dialog.getByTestId('episode-number').fill('1');
    await dialog.getByTestId('episode-description').fill('Where the show is made, and how.');
    await dialog.getByTestId('episode-publish-draft').click();
    await shoot(page, 'add-episode', dialog);
    await dialog.getByTestId('episode-submit').click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });

    const row = page.locator('[data-testid^="episode-row-"]');
    await row.waitFor({ timeout: 10_000 });
    episodeId = (await row.getAttribute('data-testid'))!.replace('episode-row-', '');
    expect(await page.getByTestId(`episode-status-${episodeId}`).getAttribute('data-status')).toBe('draft');
    // The page polls while the audio is made: queued or encoding, then ready, without a reload.
    const states = new Set<string>();
    await expect
      .poll(async () => {
        const state = (await row.getAttribute('data-state')) ?? '';
        states.add(state);
        if (state === 'failed') throw new Error(`encoding failed: ${await page.getByTestId(`episode-error-${episodeId}`).textContent()}`);
        return state;
      }, { timeout: 120_000, interval: 250 })
      .toBe('ready');
    console.log(`episode audio states seen in the page: ${[...states].join(' -> ')}`);
    const ready = (await api(h, 'GET', `/api/v1/shows/${showId}/episodes`)).json[0];
    expect(ready).toMatchObject({ id: episodeId, state: 'ready', status: 'draft', season: 1, episode: 1, live: false });
    expect(await row.locator('[data-field="duration"]').textContent()).toMatch(/^0:1[12]$/);
    expect(await page.getByTestId(`episode-m4a-${episodeId}`).getAttribute('href')).toBe(`${h.url}${ready.audio.m4a.path}`);
    expect(await page.getByTestId(`episode-mp3-${episodeId}`).getAttribute('href')).toBe(`${h.url}${ready.audio.mp3.path}`);

    await page.getByTestId(`episode-publish-${episodeId}`).click();
    await expect.poll(() => page.getByTestId(`episode-status-${episodeId}`).getAttribute('data-status'), { timeout: 10_000 }).toBe('published');
    const published = (await api(h, 'GET', `/api/v1/shows/${showId}/episodes`)).json[0];
    expect(published).toMatchObject({ status: 'published', live: true });
    const feed = await (await fetch(`${h.url}/podcasts/${(await api(h, 'GET', `/api/v1/shows/${showId}`)).json.slug}/feed.xml`)).text();
    expect(feed).toContain('Pilot: a tour of the studio');

    // The small player: the M4A plays in the page's <audio>.
    await page.getByTestId(`episode-listen-${episodeId}`).click();
    const audio = page.getByTestId(`episode-player-${episodeId}`);
    await audio.waitFor();
    expect(await audio.getAttribute('src')).toBe(`${h.url}${ready.audio.m4a.path}`);
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).currentTime), { timeout: 20_000 }).toBeGreaterThan(1);
    expect(await audio.evaluate((a) => (a as HTMLAudioElement).error)).toBeNull();
    await audio.evaluate((a) => (a as HTMLAudioElement).pause());
  }, 180_000);

  it('charts the downloads per day and episode, with what the rules left out', async () => {
    const h = host!;
    // A second episode (a bonus, published at once), so that the day's column stacks two.
    const bonus = await api(h, 'POST', `/api/v1/shows/${showId}/episodes`, { title: 'Bonus: questions from listeners', videoId, episodeType: 'bonus', status: 'published' });
    expect(bonus.status, bonus.text).toBeLessThan(300);
    await waitFor('the bonus episode ready', async () => (await api(h, 'GET', `/api/v1/shows/${showId}/episodes`)).json.find((e: { id: string }) => e.id === bonus.json.id)?.state === 'ready', 60_000, 250);
    const episodes = (await api(h, 'GET', `/api/v1/shows/${showId}/episodes`)).json as { id: string; audio: { mp3: { path: string; bytes: number } } }[];
    const pilot = episodes.find((e) => e.id === episodeId)!;
    const extra = episodes.find((e) => e.id === bonus.json.id)!;
    // Listeners' apps download the MP3s whole: three listeners of the pilot, two of the bonus (a listener: an address and an app).
    // The page's own plays came from a bot (HeadlessChrome): left out, and said so.
    const listen = async (ep: typeof pilot, app: string) => {
      const mp3 = await fetch(`${h.url}${ep.audio.mp3.path}`, { headers: { 'user-agent': app } });
      expect(mp3.status).toBe(200);
      expect((await mp3.arrayBuffer()).byteLength).toBe(ep.audio.mp3.bytes);
    };
    for (const app of APP_UAS) await listen(pilot, app);
    for (const app of APP_UAS.slice(0, 2)) await listen(extra, app);
    const report = await waitFor('the downloads counted', async () => {
      const r = (await api(h, 'GET', `/api/v1/shows/${showId}/downloads`)).json;
      return r.totals?.reduce((n: number, t: { downloads: number }) => n + t.downloads, 0) === 5 ? r : null;
    }, 20_000, 500);
    expect(report.totals).toEqual(expect.arrayContaining([{ episode: episodeId, downloads: 3 }, { episode: extra.id, downloads: 2 }]));

    const card = page.getByTestId('show-downloads');
    await card.getByTestId('downloads-refresh').click();
    await card.getByTestId('downloads-chart').waitFor({ timeout: 10_000 });
    expect(await card.getByTestId('downloads-total').textContent()).toBe('5');
    expect(await card.locator(`tr[data-episode="${episodeId}"]`).textContent()).toBe('Pilot: a tour of the studio3');
    // The bonus was added by another client: named once the page has asked for the episodes again.
    await expect.poll(() => card.locator(`tr[data-episode="${extra.id}"]`).textContent(), { timeout: 10_000 }).toBe('Bonus: questions from listeners2');
    // Today's column: the pilot's 3 at the bottom, the bonus's 2 on top.
    expect(await card.locator('rect[data-value]').evaluateAll((rects) => rects.map((r) => [r.getAttribute('data-day'), r.getAttribute('data-value')]))).toEqual([
      [report.to, '3'],
      [report.to, '2'],
    ]);
    const excluded = (await card.getByTestId('downloads-excluded').textContent())!;
    expect(excluded).toMatch(report.excluded.bots > 0 ? /^Left out: \d+ bots?/ : /^Nothing left out/);
    await shoot(page, 'downloads', card);
    // The whole show page: both episodes (the bonus listed since the chart named it), the player, the chart, feed, artwork, settings.
    await expect.poll(() => page.locator('[data-testid^="episode-row-"]').count(), { timeout: 10_000 }).toBe(2);
    await shoot(page, 'show', undefined, 1900);

    // The bonus edited to come out tomorrow at 9:00 (the dialog's default schedule): scheduled, out of the feed until then.
    await page.getByTestId(`episode-edit-${extra.id}`).click();
    const dialog = page.getByTestId('episode-dialog');
    expect(await dialog.getByTestId('episode-title').inputValue()).toBe('Bonus: questions from listeners');
    await dialog.getByTestId('episode-publish-schedule').click();
    await dialog.getByTestId('episode-publish-at').waitFor();
    await dialog.getByTestId('episode-submit').click();
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    await expect.poll(() => page.getByTestId(`episode-status-${extra.id}`).getAttribute('data-status'), { timeout: 10_000 }).toBe('scheduled');
    const scheduled = (await api(h, 'GET', `/api/v1/shows/${showId}/episodes`)).json.find((e: { id: string }) => e.id === extra.id);
    expect(scheduled).toMatchObject({ status: 'published', live: false, title: 'Bonus: questions from listeners', episodeType: 'bonus' });
    expect(scheduled.publishAt).toBeGreaterThan(Date.now());
    // Then deleted, after a confirmation.
    await page.getByTestId(`episode-delete-${extra.id}`).click();
    await page.getByTestId('confirm-yes').click();
    await expect.poll(() => page.getByTestId(`episode-row-${extra.id}`).count(), { timeout: 10_000 }).toBe(0);
    expect((await api(h, 'GET', `/api/v1/shows/${showId}/episodes`)).json.map((e: { id: string }) => e.id)).toEqual([episodeId]);

    // The list of shows: artwork, title and episode count.
    await page.getByTestId('show-back').click();
    const listRow = page.getByTestId(`show-row-${showId}`);
    await listRow.waitFor();
    expect(await listRow.getByTestId('show-episodes').textContent()).toBe('1 episode');
    await expect.poll(() => listRow.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
  }, 60_000);

  it("gives a private show's subscribers their own feed URLs, and revokes one", async () => {
    const h = host!;
    const made = await api(h, 'POST', '/api/v1/shows', { title: 'Patrons only', author: 'Sam Rivera', ownerEmail: 'sam@example.com', category: 'Arts > Design', private: true });
    expect(made.status, made.text).toBeLessThan(300);
    // Made by another client: the list shows it when it is opened again (podcasts send no events).
    await page.getByTestId('nav-dashboard').click();
    await page.getByTestId('nav-podcasts').click();
    const listRow = page.getByTestId(`show-row-${made.json.id}`);
    await listRow.waitFor({ timeout: 10_000 });
    expect(await listRow.getByTestId('show-private').count()).toBe(1);
    await shoot(page, 'shows');

    await listRow.click();
    const card = page.getByTestId('show-subscribers');
    await card.getByTestId('subscribers-empty').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('show-feed').count()).toBe(0);
    await card.getByTestId('subscriber-name').fill('Alex');
    await card.getByTestId('subscriber-add').click();
    const sub = card.locator('[data-testid^="subscriber-sub_"]');
    await sub.waitFor({ timeout: 10_000 });
    const subId = (await sub.getAttribute('data-testid'))!.replace('subscriber-', '');
    const url = (await card.getByTestId(`subscriber-feed-${subId}`).textContent())!;
    expect(url.startsWith(`${h.url}/podcasts/`)).toBe(true);
    expect((await fetch(url)).status).toBe(200);
    await shoot(page, 'subscribers', card);

    await card.getByTestId(`subscriber-revoke-${subId}`).click();
    await page.getByTestId('confirm-yes').click();
    await card.getByTestId('subscribers-empty').waitFor({ timeout: 10_000 });
    expect((await fetch(url)).status).toBe(404);
  }, 60_000);
});
