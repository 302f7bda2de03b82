// The library's UI in Chromium against a real host, with the library's API and files answered from a
// fixture (a real HLS rendition made by ffmpeg, a sprite sheet, subtitles): the grid, the upload
// dialog's rows (a tus endpoint that accepts PATCHes), and the video page's player with seek previews
// and the subtitles menu. Screenshots go to e2e/artifacts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Video } from '../src-shared/contract/index.js';
import { launchChromium } from '../test-support/browser.js';
import { ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';
import { createRequire } from 'node:module';
import { watchPage } from '../src-main/vod/watch-page.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const ID = 'vid_fixture00001';

function fixtureDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'library-ui-'));
  const ff = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { cwd: dir, timeout: 60_000 });
  // Ten seconds of each of two patterns: the sprite's tiles differ along the bar.
  ff('-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=10', '-f', 'lavfi', '-i', 'smptebars=size=640x360:rate=30:duration=10',
    '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-filter_complex', '[0:v][1:v]concat=n=2:v=1[v]', '-map', '[v]', '-map', '2:a',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-c:a', 'aac', '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
    '-hls_segment_filename', 'seg_%03d.ts', 'media_0.m3u8');
  ff('-i', 'media_0.m3u8', '-ss', '3', '-frames:v', '1', '-vf', 'scale=640:360', 'poster.jpg');
  ff('-i', 'media_0.m3u8', '-vf', 'fps=1/2,scale=160:90,tile=5x2', '-frames:v', '1', 'sprite-1.jpg');
  const clock = (s: number) => `00:00:${String(s).padStart(2, '0')}.000`;
  const previews = Array.from({ length: 10 }, (_, i) => `${clock(i * 2)} --> ${clock(i * 2 + 2)}\nsprite-1.jpg#xywh=${(i % 5) * 160},${Math.floor(i / 5) * 90},160,90`);
  fs.writeFileSync(path.join(dir, 'previews.vtt'), `WEBVTT\n\n${previews.join('\n\n')}\n`);
  fs.mkdirSync(path.join(dir, 'subs'));
  fs.writeFileSync(path.join(dir, 'subs', 'en.vtt'), `WEBVTT\n\n00:00:00.500 --> 00:00:19.500\nHello from the subtitle track\n`);
  fs.writeFileSync(path.join(dir, 'subs_en.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:20.0,\nsubs/en.vtt\n#EXT-X-ENDLIST\n');
  fs.writeFileSync(
    path.join(dir, 'master.m3u8'),
    '#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,URI="subs_en.m3u8"\n' +
      '#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=640x360,SUBTITLES="subs"\nmedia_0.m3u8\n',
  );
  return dir;
}

function video(id: string, over: Partial<Video> = {}): Video {
  const base = `/vod/${id}`;
  return {
    id, title: 'Fixture', description: '', visibility: 'public', tags: [], source: 'upload', uploadId: null, recordingId: null,
    fileName: 'fixture.mp4', state: 'ready', preset: 'balanced', normalizeLoudness: false, upload: null, progress: 1, etaSec: null,
    job: null, error: null, durationSec: 20, width: 640, height: 360, sizeBytes: 48_000_000, views: 0, subtitles: [], chapters: [],
    urls: { watch: `/watch/${id}`, hls: `${base}/index.m3u8`, dash: `${base}/manifest.mpd`, mp4: `${base}/video.mp4`, poster: `${base}/poster.jpg`,
      thumbnails: [], sprite: `${base}/previews.vtt`, chapters: `${base}/chapters.vtt` },
    createdAt: Date.now(), updatedAt: Date.now(), readyAt: Date.now(), ...over,
  };
}

const job = { id: 'job', kind: 'process', subject: '', priority: 0, step: null, attempts: 1, maxAttempts: 3, error: null, createdAt: 1, startedAt: null, finishedAt: null };

const LIBRARY: Video[] = [
  video(ID, { title: 'Launch keynote', tags: ['talk', 'launch'], views: 1284, subtitles: [{ id: 'en', language: 'en', label: 'English', url: `/vod/${ID}/subs/en.vtt` }],
    chapters: [{ startSec: 0, title: 'Welcome' }, { startSec: 10, title: 'The colour bars' }, { startSec: 16.5, title: 'Questions' }] }),
  video('vid_processing01', { title: 'Studio tour (4K master)', state: 'processing', progress: 0.42, urls: null, durationSec: null, etaSec: 95,
    job: { ...job, state: 'running', progress: 0.42, step: 'encode', etaSec: 95, queuePosition: null } }),
  video('vid_queued000001', { title: 'Behind the scenes', state: 'queued', progress: 0, urls: null, etaSec: 310, job: { ...job, state: 'queued', progress: 0, etaSec: 310, queuePosition: 2 } }),
  video('vid_failed000001', { title: 'notes.txt', state: 'failed', urls: null, durationSec: null, error: { code: 'MEDIA_INVALID', message: 'ffprobe: Invalid data found when processing input' } }),
  video('vid_private00001', { title: 'Team retrospective', visibility: 'private', views: 3, tags: ['internal'] }),
];

describe.skipIf(needs('chromium', 'ffmpeg'))('library UI in Chromium (fixture API and files)', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let dir = '';
  const patches: number[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    dir = fixtureDir();
    host = await startHost();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const json = (route: Route, body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    await page.route(/\/api\/v1\/videos(\?.*)?$/, (route) =>
      // The finished upload's video, found by the last part of its URL: what the dialog shows next.
      json(route, route.request().url().includes('uploadId=up1') ? [{ ...LIBRARY[2]!, uploadId: 'up1', title: 'holiday 2025' }] : LIBRARY),
    );
    await page.route(/\/api\/v1\/videos\/vid_[a-z0-9]+(\/watch-url.*)?$/, (route) => {
      const id = /vid_[a-z0-9]+/.exec(route.request().url())![0];
      return json(route, route.request().url().includes('watch-url') ? { watch: `/watch/${id}?exp=1&sig=x`, hls: `/vod/${id}/index.m3u8?exp=1&sig=x`, dash: '', mp4: '', expiresAt: Date.now() + 3600_000 } : LIBRARY.find((v) => v.id === id));
    });
    // A tus endpoint enough for the dialog: creation, then PATCHes that move the offset (slowly: the bar is seen moving).
    let offset = 0;
    await page.route(/\/api\/v1\/uploads(\/.*)?$/, async (route) => {
      const req = route.request();
      const headers = { 'Tus-Resumable': '1.0.0', 'Access-Control-Expose-Headers': 'Location, Upload-Offset' };
      if (req.method() === 'POST') return route.fulfill({ status: 201, headers: { ...headers, Location: '/api/v1/uploads/up1' } });
      if (req.method() === 'HEAD') return route.fulfill({ status: 200, headers: { ...headers, 'Upload-Offset': String(offset), 'Upload-Length': String(12 << 20) } });
      offset += req.postDataBuffer()?.length ?? 0;
      patches.push(offset);
      await new Promise((r) => setTimeout(r, 400));
      return route.fulfill({ status: 204, headers: { ...headers, 'Upload-Offset': String(offset) } });
    });
    await page.route(/\/vod\/vid_[a-z0-9]+\/.*/, (route) => {
      const file = new URL(route.request().url()).pathname.replace(/^\/vod\/[^/]+\//, '').replace(/^index\.m3u8$/, 'master.m3u8');
      const full = path.join(dir, file);
      if (!fs.existsSync(full)) return route.fulfill({ status: 404 });
      return route.fulfill({ status: 200, path: full });
    });
    await page.goto(host.loginUrl);
    await page.getByTestId('page-dashboard').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    if (host) expect(await host.stop('SIGTERM')).toBe(0);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the library as a grid with states, search and filters', async () => {
    await page.getByTestId('nav-library').click();
    await page.getByTestId(`video-card-${ID}`).waitFor();
    await expect.poll(() => page.locator('img.video-poster').first().evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await page.getByTestId('video-next-vid_processing01').textContent()).toBe('Processing (encode) · 42 % · about 2 min left');
    expect(await page.getByTestId('video-next-vid_queued000001').textContent()).toBe('Queued · 2nd in line · ready in about 6 min');
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-grid.png') });
    await page.getByTestId('library-search').fill('keynote');
    expect(await page.locator('.video-card').count()).toBe(1);
    await page.getByTestId('library-search').fill('');
    await page.getByTestId('library-filter-visibility').selectOption('private');
    expect(await page.locator('.video-card').count()).toBe(1);
    await page.getByTestId('library-filter-visibility').selectOption('');
  });

  it('uploads a file through the dialog with a progress bar, pause and resume', async () => {
    await page.getByTestId('library-upload').click();
    await page.getByTestId('upload-input').setInputFiles({ name: 'holiday-2025.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(12 << 20, 7) });
    const row = page.getByTestId('upload-row-holiday-2025.mp4');
    await expect.poll(() => patches.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await row.getByTestId('upload-pause').click();
    expect(await row.getAttribute('data-phase')).toBe('paused');
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-upload-paused.png') });
    await row.getByTestId('upload-resume').click();
    await expect.poll(() => row.getAttribute('data-phase'), { timeout: 20_000 }).toBe('done');
    expect(patches.at(-1)).toBe(12 << 20);
    await expect.poll(() => row.getByTestId('upload-next').textContent()).toContain('2nd in line');
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-upload-next.png') });
    await page.getByRole('button', { name: 'Close', exact: true }).first().click();
  });

  it('plays the video with seek previews and a selectable subtitle track', async () => {
    await page.getByTestId(`video-card-${ID}`).click();
    await page.getByTestId(`video-page-${ID}`).waitFor();
    const el = page.getByTestId('video-player-video');
    await page.getByTestId('video-player-play').click();
    await expect.poll(() => el.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 30_000 }).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('video-player-subtitles').locator('option').count(), { timeout: 10_000 }).toBe(2);
    await page.getByTestId('video-player-subtitles').selectOption({ label: 'English' });
    await expect
      .poll(() => el.evaluate((v) => Array.from((v as HTMLVideoElement).textTracks).filter((t) => t.mode === 'showing').map((t) => t.label)), { timeout: 10_000 })
      .toEqual(['English']);
    const seek = page.getByTestId('video-player-seek');
    const box = (await seek.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
    const preview = page.getByTestId('video-player-preview');
    await expect.poll(() => preview.getAttribute('data-has-tile')).toBe('yes');
    expect(await preview.textContent()).toContain('The colour bars');
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-video-page.png') });
  });

  it('serves the watch page: hls.js, seek previews, subtitles menu and chapters', async () => {
    const v = LIBRARY[0]!;
    const hlsJs = createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
    await page.route(/\/watch\/assets\/hls\.min\.js$/, (route) => route.fulfill({ path: hlsJs, contentType: 'text/javascript' }));
    const html = watchPage({ id: v.id, title: v.title, description: 'Our launch, with questions at the end.', hls: v.urls!.hls, poster: v.urls!.poster, previews: v.urls!.sprite, chapters: v.chapters, durationSec: 20 }, '/watch/assets/hls.min.js');
    await page.route(/\/watch\/vid_[a-z0-9]+$/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    await page.goto(`${host.url}/watch/${v.id}`);
    await expect.poll(() => page.locator('#subs option').count(), { timeout: 15_000 }).toBe(2);
    await page.locator('#play').click();
    await expect.poll(() => page.evaluate(() => document.body.dataset.state), { timeout: 15_000 }).toBe('playing');
    await page.locator('#subs').selectOption({ label: 'English' });
    const box = (await page.locator('#seek').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await expect.poll(() => page.evaluate(() => document.body.dataset.preview)).toBe('tile');
    await page.screenshot({ path: path.join(ARTIFACTS, 'library-watch-page.png') });
  });
});
