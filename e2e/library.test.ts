// The video library in Chromium against a real host: a 200 MB video uploaded through the dialog in
// parallel tus parts (paused and resumed on the host's offsets), followed to `ready` with its progress
// and ETA, then played with hls.js on the video page and on /watch/<id> (a subtitle track added through
// the subtitles card, seek previews on hover), with dash.js from the MPD, and a private video's watch
// page only through its signed link. Screenshots go to e2e/artifacts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { ffprobe, stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { makeClip, SAMPLE_SRT, tusUpload } from '../test-support/vod-media.js';
import { sleep } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const SIZE = 200 * 1024 * 1024;

/** A real clip grown to `size` with an MP4 `free` box at the end: still a valid file, quick to make. */
async function paddedClip(file: string, size: number): Promise<string> {
  await makeClip(`${file}.clip.mp4`, { seconds: 20, scenes: 4 });
  const clip = fs.readFileSync(`${file}.clip.mp4`);
  const pad = size - clip.length;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(pad, 0);
  header.write('free', 4, 'ascii');
  const out = fs.openSync(file, 'w');
  try {
    fs.writeSync(out, clip);
    fs.writeSync(out, header);
    fs.ftruncateSync(out, size);
  } finally {
    fs.closeSync(out);
  }
  fs.rmSync(`${file}.clip.mp4`);
  return file;
}

const DASH_JS = fs.readFileSync(new URL('../node_modules/dashjs/dist/modern/umd/dash.all.min.js', import.meta.url), 'utf8');

describe.skipIf(needs('chromium', 'ffmpeg'))('the video library in Chromium against a real host', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'library-e2e-'));
  let host: HostProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let source = '';
  let tour = '';
  /** The 200 MB upload's video, and the one whose slow job keeps the first waiting in the queue. */
  let seaId = '';
  let tourId = '';

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    [source, tour, host] = await Promise.all([
      paddedClip(path.join(work, 'sea-trip.mp4'), SIZE),
      makeClip(path.join(work, 'studio-tour.mp4'), { seconds: 20, size: '1280x720', scenes: 2 }),
      // One job at a time whatever the cores: the queue has a waiting video to show.
      startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast', STREAMS_LIBRARY_CONCURRENCY: '1' }) }),
    ]);
    browser = await launchChromium();
    page = await studioPage(browser, host);
  });

  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
    fs.rmSync(work, { recursive: true, force: true });
  });

  const state = async (id: string) => (await api(host!, 'GET', `/api/v1/videos/${id}`)).json;

  /** The answers a page gets from now on: those of 400 or more, and the URLs of those matching `wanted` (with their method). */
  const answersOf = (p: Page, wanted: RegExp): { refused: string[]; matched: string[] } => {
    const seen = { refused: [] as string[], matched: [] as string[] };
    p.on('response', (r) => {
      if (r.status() >= 400) seen.refused.push(`${r.status()} ${r.url()}`);
      else if (wanted.test(r.url())) seen.matched.push(`${r.request().method()} ${r.url()}`);
    });
    return seen;
  };

  /** `mpd` in dash.js with its defaults on a blank page of the host, until it has played 2 s (20 s at most) or failed. */
  const playDash = async (p: Page, mpd: string): Promise<{ time: number; errors: string[]; text: string[] }> => {
    await p.route(`${host!.url}/__dash`, (route) => route.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
    await p.goto(`${host!.url}/__dash`);
    await p.addScriptTag({ content: DASH_JS });
    return p.evaluate(async (url) => {
      const w = window as unknown as { dashjs: { MediaPlayer(): { create(): any } } };
      const video = document.getElementById('v') as HTMLVideoElement;
      const player = w.dashjs.MediaPlayer().create();
      const errors: string[] = [];
      player.on('error', (e: { error?: { message?: string } }) => errors.push(e.error?.message ?? 'error'));
      player.initialize(video, url, true);
      const t0 = Date.now();
      while (video.currentTime < 2 && Date.now() - t0 < 20_000 && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
      return { time: video.currentTime, errors, text: player.getTracksFor('text').map((t: { lang: string }) => t.lang) };
    }, mpd);
  };

  it('uploads 200 MB through the dialog in parallel parts, paused and resumed, and follows it through the queue to ready', async () => {
    const h = host!;
    // Another video processing with the slow preset first: the upload's video waits behind it.
    const tourUpload = await tusUpload(h, tour, { filename: 'studio-tour.mp4', title: 'Studio tour', preset: 'balanced' });
    tourId = (await api(h, 'GET', `/api/v1/videos?uploadId=${tourUpload}`)).json[0].id;
    await expect.poll(async () => (await state(tourId)).state, { timeout: 20_000 }).toBe('processing');

    const t0 = Date.now();
    // Each PATCH: its part (upload URL), the offset it starts at, and whether it was sent after the resume.
    const patches: { part: string; offset: number; resumed: boolean }[] = [];
    let resumed = false;
    page.on('request', (req) => {
      const offset = req.headers()['upload-offset'];
      if (req.method() === 'PATCH' && req.url().includes('/api/v1/uploads/') && offset) patches.push({ part: req.url(), offset: Number(offset), resumed });
    });
    // Loopback takes 200 MB in about 3 s: a link of 40 MB/s (Chromium's own throttling) leaves time to see it and pause it.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 40 * 1024 * 1024 });
    await page.getByTestId('nav-library').click();
    await page.getByTestId('library-upload').click();
    await page.getByTestId('upload-input').setInputFiles(source);
    const row = page.getByTestId('upload-row-sea-trip.mp4');
    const percent = async () => Number((await row.getByTestId('upload-percent').textContent())?.replace(/\D/g, ''));
    await expect.poll(percent, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(10);
    expect(await row.getByTestId('upload-status').textContent()).toMatch(/^[\d.]+ MiB of 200 MiB · 4 parts at once · /);
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-upload-dialog.png') });
    await row.getByTestId('upload-pause').click();
    expect(await row.getAttribute('data-phase')).toBe('paused');
    const pausedAt = await percent();
    expect(pausedAt).toBeLessThan(100);
    // Paused: the host holds each part's offset; Resume asks for them (HEAD) and goes on from there.
    await sleep(300);
    resumed = true;
    await row.getByTestId('upload-resume').click();
    await expect.poll(() => row.getAttribute('data-phase'), { timeout: 60_000 }).toBe('done');
    const uploadSec = (Date.now() - t0) / 1000;
    await cdp.detach();
    // Four partial uploads PATCHed side by side, then one final upload made of them (the concatenation extension).
    const parts = [...new Set(patches.map((p) => p.part))];
    expect(parts).toHaveLength(4);
    // The resume lost at most the chunk in flight: no part starts again below the offset of its last PATCH before the pause.
    for (const part of parts) {
      const before = patches.filter((p) => p.part === part && !p.resumed).map((p) => p.offset);
      const after = patches.filter((p) => p.part === part && p.resumed).map((p) => p.offset);
      if (before.length > 0 && after.length > 0) expect(Math.min(...after), part).toBeGreaterThanOrEqual(Math.max(...before));
    }
    expect(patches.some((p) => p.resumed && p.offset > 0)).toBe(true);

    // What happens next, as video.changed tells it: waiting behind the tour, then processing with progress and time left.
    const next = row.getByTestId('upload-next');
    const nextText = next.locator('.upload-next-text');
    await expect.poll(() => nextText.textContent(), { timeout: 10_000 }).toMatch(/^Queued · next in line · ready in (about .*|less than a minute)$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-upload-queued.png') });
    seaId = /vid_[a-z0-9]{12}/.exec((await row.getByTestId('upload-open').getAttribute('href')) ?? '')![0];
    expect(await page.getByTestId(`video-next-${seaId}`).textContent()).toMatch(/^Queued · next in line/);
    const tourProgress = (await state(tourId)).progress as number;
    expect((await api(h, 'POST', `/api/v1/videos/${tourId}/cancel`)).status).toBe(200);
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const text = (await nextText.textContent()) ?? '';
          seen.add(text);
          return text;
        },
        { timeout: 60_000, interval: 100 },
      )
      .toBe('Ready');
    expect([...seen].some((t) => /^Processing \(\w+\) · \d+ % · (about .*|less than a minute) left/.test(t)), [...seen].join('\n')).toBe(true);
    console.log(`upload ${uploadSec} s (paused at ${pausedAt} %), ready after ${(Date.now() - t0) / 1000} s; the tour was ${Math.round(tourProgress * 100)} % done when cancelled`);

    const video = await state(seaId);
    expect(video).toMatchObject({ state: 'ready', title: 'sea trip', fileName: 'sea-trip.mp4', sizeBytes: SIZE });
    expect((await state(tourId)).job).toMatchObject({ state: 'cancelled' });
    // A quick look only (library.int.test.ts checks the outputs): each of HLS, DASH, MP4 opens with audio and video.
    for (const url of [video.urls.hls, video.urls.dash, video.urls.mp4]) {
      expect(ffprobe(`${h.url}${url}`).streams.map((s) => s.codec_type).sort(), url).toEqual(['audio', 'video']);
    }
    await page.getByRole('button', { name: 'Close', exact: true }).first().click();
  }, 120_000);

  it('plays on the video page with hls.js: a subtitle track added through the subtitles card, seek previews on hover', async () => {
    await page.getByTestId(`video-card-${seaId}`).click();
    await page.getByTestId(`video-page-${seaId}`).waitFor();
    await page.getByTestId('subtitle-file').setInputFiles({ name: 'sea-trip.en.srt', mimeType: 'application/x-subrip', buffer: Buffer.from(SAMPLE_SRT) });
    await page.getByTestId('subtitle-language').fill('en');
    await page.getByTestId('subtitle-add').click();
    await page.getByTestId('subtitle-en').waitFor();

    const el = page.getByTestId('video-player-video');
    await page.getByTestId('video-player-play').click();
    await expect.poll(() => el.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 30_000 }).toBeGreaterThan(0.5);
    await expect.poll(() => page.getByTestId('video-player-subtitles').locator('option').allTextContents(), { timeout: 10_000 }).toEqual(['Subtitles off', 'English']);
    await page.getByTestId('video-player-subtitles').selectOption({ label: 'English' });
    await el.evaluate((v) => ((v as HTMLVideoElement).currentTime = 5.2));
    await expect
      .poll(() => el.evaluate((v) => Array.from((v as HTMLVideoElement).textTracks).filter((t) => t.mode === 'showing').map((t) => [t.label, Array.from(t.activeCues ?? []).map((c) => (c as VTTCue).text)])), { timeout: 15_000 })
      .toEqual([['English', ['Second line, with a comma']]]);
    await el.evaluate((v) => (v as HTMLVideoElement).pause());

    const seek = page.getByTestId('video-player-seek');
    const box = (await seek.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    const preview = page.getByTestId('video-player-preview');
    await expect.poll(() => preview.getAttribute('data-has-tile')).toBe('yes');
    await expect.poll(() => page.evaluate(() => performance.getEntriesByType('resource').some((e) => /\/sprite-\d+\.jpg/.test(e.name)))).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-video-page.png') });
  });

  it('dash.js plays the MPD in Chromium, its text track listed', async () => {
    const p = await browser!.newPage();
    try {
      const played = await playDash(p, `/vod/${seaId}/manifest.mpd`);
      expect(played.errors).toEqual([]);
      expect(played.time).toBeGreaterThan(2);
      expect(played.text).toEqual(['en']);
    } finally {
      await p.close();
    }
  });

  it('serves the watch page: hls.js, the subtitles menu, seek previews and chapters', async () => {
    const p = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      const res = await p.goto(`${host!.url}/watch/${seaId}`);
      expect(res?.status()).toBe(200);
      await expect.poll(() => p.locator('#subs option').allTextContents(), { timeout: 15_000 }).toEqual(['Off', 'English']);
      expect(await p.locator('#chapters li').count()).toBeGreaterThanOrEqual(2);
      await p.locator('#play').click();
      await expect.poll(() => p.evaluate(() => document.body.dataset.state), { timeout: 15_000 }).toBe('playing');
      await p.locator('#subs').selectOption({ label: 'English' });
      await p.evaluate(() => ((document.getElementById('v') as HTMLVideoElement).currentTime = 1.2));
      await expect
        .poll(() => p.evaluate(() => Array.from((document.getElementById('v') as HTMLVideoElement).textTracks).filter((t) => t.mode === 'showing').map((t) => Array.from(t.activeCues ?? []).map((c) => (c as VTTCue).text))), { timeout: 15_000 })
        .toEqual([['Hello from the studio']]);
      await p.evaluate(() => (document.getElementById('v') as HTMLVideoElement).pause());
      const box = (await p.locator('#seek').boundingBox())!;
      await p.mouse.move(box.x + box.width * 0.35, box.y + box.height / 2);
      await expect.poll(() => p.evaluate(() => document.body.dataset.preview)).toBe('tile');
      // The tile's sprite sheet was loaded with the cues: it shows (decoded, with a size) on the first hover.
      await expect
        .poll(() => p.evaluate(() => performance.getEntriesByType('resource').some((e) => /sprite-\d+\.jpg/.test(e.name) && (e as PerformanceResourceTiming).responseStatus === 200)), { timeout: 10_000 })
        .toBe(true);
      await p.screenshot({ path: path.join(ARTIFACTS, 'library-watch-page.png') });
    } finally {
      await p.close();
    }
  });

  it('processes the cancelled video again from its page; a file that is not media fails with the reason; the grid shows posters, searches and filters', async () => {
    await page.getByTestId('video-back').click();
    await page.getByTestId(`video-card-${tourId}`).click();
    await page.getByTestId(`video-page-${tourId}`).waitFor();
    await page.getByTestId('video-preset').selectOption('fast');
    await page.getByTestId('video-process').click();
    await expect.poll(() => page.getByTestId('video-state').getAttribute('data-state'), { timeout: 60_000 }).toBe('ready');
    await page.getByTestId('video-back').click();
    await page.getByTestId('library-upload').click();
    // Dropped on the dialog, as from a file manager.
    const dropped = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['these are my notes, not a video\n'.repeat(2000)], 'notes.mp4', { type: 'video/mp4' }));
      return transfer;
    });
    await page.getByTestId('upload-dropzone').dispatchEvent('drop', { dataTransfer: dropped });
    const failed = page.getByTestId('upload-row-notes.mp4').getByTestId('upload-next');
    await expect.poll(() => failed.getAttribute('data-state'), { timeout: 30_000 }).toBe('failed');
    const reason = (await failed.locator('.upload-next-text').textContent()) ?? '';
    expect(reason).toMatch(/^Failed: .{5,}/);
    expect(reason).not.toContain(host!.home);
    await page.getByRole('button', { name: 'Close', exact: true }).first().click();
    await page.getByTestId('library-grid').waitFor();
    const posters = page.locator('img.video-poster');
    await expect.poll(() => posters.evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth > 0)), { timeout: 10_000 }).toEqual([true, true]);
    expect(await page.locator('.video-card').count()).toBe(3);
    expect(await page.getByTestId(`video-card-${seaId}`).locator('.video-duration').textContent()).toBe('0:20');
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-grid.png') });
    await page.getByTestId('library-search').fill('tour');
    expect(await page.locator('.video-card').count()).toBe(1);
    await page.getByTestId('library-search').fill('');
    await page.getByTestId('library-filter-state').selectOption('failed');
    expect(await page.locator('.video-card').count()).toBe(1);
    expect(await page.locator('.video-card-failed').textContent()).toMatch(/^Failed: /);
    await page.getByTestId('library-filter-state').selectOption('');
  });

  it("plays a private video in the studio from signed URLs, and answers its watch page only through the signed link", async () => {
    await page.getByTestId(`video-card-${tourId}`).click();
    await page.getByTestId('video-visibility-private').click();
    await page.getByTestId('video-save').click();
    await expect.poll(async () => (await state(tourId)).visibility).toBe('private');
    expect((await fetch(`${host!.url}/vod/${tourId}/index.m3u8`)).status).toBe(403);
    // The studio's own player and poster ask for a signature (videos.watchUrl) and play on.
    const el = page.getByTestId('video-player-video');
    await expect.poll(() => el.evaluate((v) => (v as HTMLVideoElement).poster), { timeout: 10_000 }).toMatch(/poster\.jpg\?exp=\d+&sig=/);
    await page.getByTestId('video-player-play').click();
    await expect.poll(() => el.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
    await el.evaluate((v) => (v as HTMLVideoElement).pause());
    const p = await browser!.newPage();
    try {
      expect((await p.goto(`${host!.url}/watch/${tourId}`))?.status()).toBe(403);
      await page.getByTestId('video-sign').click();
      const signed = (await page.getByTestId('video-watch-url').textContent())!;
      expect(signed).toMatch(new RegExp(`/watch/${tourId}\\?exp=\\d+&sig=`));
      const refused: string[] = [];
      p.on('response', (r) => r.status() >= 400 && refused.push(`${r.status()} ${r.url()}`));
      expect((await p.goto(signed))?.status()).toBe(200);
      await p.locator('#play').click();
      await expect.poll(() => p.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
      const box = (await p.locator('#seek').boundingBox())!;
      await p.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      await expect.poll(() => p.evaluate(() => document.body.dataset.preview)).toBe('tile');
      await expect.poll(() => p.evaluate(() => performance.getEntriesByType('resource').some((e) => /\/sprite-\d+\.jpg\?exp=/.test(e.name)))).toBe(true);
      expect(refused).toEqual([]);
      // The link's signature is what opens it: the same address altered is refused.
      expect((await fetch(signed.replace(/sig=[\w-]+/, `sig=${'A'.repeat(43)}`))).status).toBe(403);
    } finally {
      await p.close();
    }
    await page.getByTestId('video-back').click();
    const poster = page.getByTestId(`video-card-${tourId}`).locator('img.video-poster');
    await expect.poll(() => poster.evaluate((i) => (i as HTMLImageElement).naturalWidth > 0 && (i as HTMLImageElement).src), { timeout: 10_000 }).toMatch(/\?exp=\d+&sig=/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-grid-private.png') });
  });

  it('encrypts the private video: its watch link plays in hls.js (AES-128) and its MPD in dash.js (cbcs, ClearKey) with keys for the signed link only; no MP4, no clear segment', async () => {
    await page.getByTestId(`video-card-${tourId}`).click();
    await page.getByTestId('video-encryption').selectOption('aes-128');
    await page.getByTestId('video-save').click();
    await expect.poll(async () => (await state(tourId)).encryption).toBe('aes-128');
    expect((await state(tourId)).urls).toMatchObject({ dash: expect.stringContaining('/manifest.mpd'), mp4: null });
    // The studio's own player, opened afresh, plays it on (hls.js, the keys under its signed query).
    const studioKeys: string[] = [];
    const onKey = (r: { url(): string; status(): number }): void => {
      if (/\/keys\/[0-9a-f]{32}/.test(r.url())) studioKeys.push(`${r.status()} ${r.url()}`);
    };
    page.on('response', onKey);
    await page.getByTestId('video-back').click();
    await page.getByTestId(`video-card-${tourId}`).click();
    const el = page.getByTestId('video-player-video');
    await page.getByTestId('video-player-play').click();
    await expect.poll(() => el.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 15_000 }).toBeGreaterThan(1);
    await el.evaluate((v) => (v as HTMLVideoElement).pause());
    page.off('response', onKey);
    expect(studioKeys.length).toBeGreaterThanOrEqual(1);
    expect(studioKeys.every((k) => /^200 .*\?exp=\d+&sig=/.test(k)), studioKeys.join('\n')).toBe(true);
    await page.getByTestId('video-sign').click();
    const signed = (await page.getByTestId('video-watch-url').textContent())!;
    const query = new URL(signed).search;
    await page.getByTestId('video-form').screenshot({ path: path.join(ARTIFACTS, 'library-video-encrypted.png') });
    // What a player or a copier meets without hls.js: the same refusals as an encrypted recording's.
    const mp4 = await fetch(`${host!.url}/vod/${tourId}/video.mp4${query}`);
    expect([mp4.status, ((await mp4.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);
    const master = await (await fetch(`${host!.url}/vod/${tourId}/index.m3u8${query}`)).text();
    const mediaName = master.match(/^media_\d+\.m3u8/m)![0];
    const media = await (await fetch(`${host!.url}/vod/${tourId}/${mediaName}${query}`)).text();
    expect(media).toMatch(/#EXT-X-KEY:METHOD=AES-128,URI="keys\/[0-9a-f]{32}\?exp=\d+&sig=[^"]+",IV=0x[0-9a-f]{32}/);
    const segment = media.match(/^aes-r\d+-([^?\s]+)/m)![1]!;
    expect((await fetch(`${host!.url}/vod/${tourId}/${segment}${query}`)).status).toBe(404);
    const keyUri = media.match(/URI="(keys\/[0-9a-f]{32})\?/)![1]!;
    expect((await fetch(`${host!.url}/vod/${tourId}/${keyUri}`)).status).toBe(403);
    const key = await fetch(`${host!.url}/vod/${tourId}/${keyUri}${query}`);
    expect([key.status, key.headers.get('cache-control'), (await key.arrayBuffer()).byteLength]).toEqual([200, 'no-store, private', 16]);

    const p = await browser!.newPage();
    try {
      const { refused, matched: asked } = answersOf(p, /\/keys\/[0-9a-f]{32}/);
      expect((await p.goto(signed))?.status()).toBe(200);
      await p.locator('#play').click();
      await expect.poll(() => p.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime), { timeout: 15_000 }).toBeGreaterThan(2);
      expect(refused).toEqual([]);
      expect(asked.length).toBeGreaterThanOrEqual(1);
      expect(asked.every((u) => /\?exp=\d+&sig=/.test(u))).toBe(true);
    } finally {
      await p.close();
    }
    // Its MPD in dash.js with its defaults: Common Encryption, the licence asked with the signed link's query.
    const d = await browser!.newPage();
    try {
      const { refused, matched: licences } = answersOf(d, /\/licence/);
      const played = await playDash(d, `/vod/${tourId}/manifest.mpd${query}`);
      expect(played.errors).toEqual([]);
      expect(refused).toEqual([]);
      expect(played.time).toBeGreaterThan(2);
      expect(licences).toHaveLength(1);
      expect(licences[0]).toMatch(new RegExp(`^POST ${host!.url}/vod/${tourId}/licence\\?exp=\\d+&sig=`));
    } finally {
      await d.close();
    }
    // Back to clear: the MP4 is served again.
    await page.getByTestId('video-encryption').selectOption('none');
    await page.getByTestId('video-save').click();
    await expect.poll(async () => (await state(tourId)).encryption).toBe('none');
    expect((await fetch(`${host!.url}/vod/${tourId}/video.mp4${query}`)).status).toBe(200);
    await page.getByTestId('video-back').click();
  });
});
