// The DVR window as a viewer uses it: a low-latency stream live for five minutes with a three-minute
// window; hls.js rewinds two minutes, plays there from the host's disk, and returns to live, while a
// second viewer stays at the live edge undisturbed. Ages come from the stream's program date-time.
// The stream is started when the e2e stage begins (e2e/dvr-soak.setup.ts) and this file runs last, so
// its five minutes pass while the other files run.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { sleep, waitFor } from '../test-support/wait.js';

const require = createRequire(import.meta.url);
const HLS_JS = fs.readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
const LIVE_FOR_MS = 5 * 60_000;

describe.skipIf(needs('chromium'))('a three-minute DVR window after five minutes live', () => {
  const soak = inject('dvrSoak');
  const host = soak!;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    if (!soak) throw new Error('the DVR stream was not started: e2e/dvr-soak.setup.ts must run as the e2e project\'s global setup');
    browser = await launchChromium();
    for (let i = 0; i < 2; i += 1) {
      const page = await browser.newPage();
      await page.route(`${host.url}/__player`, (route) => route.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
      await page.goto(`${host.url}/__player`);
      await page.addScriptTag({ content: HLS_JS });
      pages.push(page);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Starts hls.js at the live edge on a page; `window.hls` is the player. */
  const startPlayer = (page: Page): Promise<void> =>
    page.evaluate(async (src) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const Hls = (window as any).Hls;
      const hls = new Hls({ lowLatencyMode: true });
      (window as any).hls = hls;
      (window as any).errors = [];
      hls.on(Hls.Events.ERROR, (_e: unknown, d: any) => d.fatal && (window as any).errors.push(`${d.type}/${d.details}`));
      hls.loadSource(src);
      hls.attachMedia(video);
      await video.play();
      const t0 = Date.now();
      while (video.currentTime < 1 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 100));
    }, `${host.url}/live/dvr/index.m3u8`);

  /** How far behind the wall clock the frame on screen is (seconds), where the player is, and its window. */
  const position = (page: Page) =>
    page.evaluate(() => {
      const hls = (window as any).hls;
      const video = document.getElementById('v') as HTMLVideoElement;
      const date: Date | null = hls.playingDate;
      const ranges = video.seekable;
      return {
        ageSec: date ? (Date.now() - date.getTime()) / 1000 : NaN,
        currentTime: video.currentTime,
        paused: video.paused,
        window: ranges.length ? { start: ranges.start(0), end: ranges.end(ranges.length - 1) } : null,
        errors: (window as any).errors as string[],
      };
    });

  it('rewinds two minutes, plays from disk, and returns to live; the live viewer is not disturbed', { timeout: LIVE_FOR_MS + 180_000 }, async () => {
    await sleep(Math.max(0, LIVE_FOR_MS - (Date.now() - host.startedAt)));
    const [rewinder, live] = pages as [Page, Page];
    await startPlayer(live);
    await startPlayer(rewinder);

    // The playlist holds the window, not the whole five minutes; the DVR files on disk match it.
    const playlist = await (await fetch(`${host.url}/live/dvr/v0.m3u8`)).text();
    const dates = [...playlist.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m) => Date.parse(m[1]!));
    const spanSec = (Date.now() - dates[0]!) / 1000;
    expect(spanSec).toBeGreaterThan(170);
    expect(spanSec).toBeLessThan(200);
    const sessionDir = fs.readdirSync(path.join(host.home, 'live', 'dvr')).map((d) => path.join(host.home, 'live', 'dvr', d)).at(-1)!;
    const files = fs.readdirSync(sessionDir).filter((f) => f.startsWith('seg-0-'));
    expect(files.length).toBeGreaterThan(80);
    expect(files.length).toBeLessThan(100);

    const before = await position(live);
    const atLive = await position(rewinder);
    expect(atLive.ageSec).toBeLessThan(4);
    expect(atLive.window!.end - atLive.window!.start).toBeGreaterThan(170);

    // Two minutes back: the frame on screen is two minutes old and playback goes on from there.
    await rewinder.evaluate(() => {
      const video = document.getElementById('v') as HTMLVideoElement;
      video.currentTime = video.currentTime - 120;
    });
    const back = await waitFor('playing two minutes back', async () => {
      const p = await position(rewinder);
      return Math.abs(p.ageSec - 121) < 6 && !p.paused ? p : undefined;
    }, 20_000, 250);
    await sleep(5000);
    const later = await position(rewinder);
    expect(later.currentTime - back.currentTime).toBeGreaterThan(4);
    expect(Math.abs(later.ageSec - back.ageSec)).toBeLessThan(2); // playing at normal speed, still behind

    // The other viewer stayed at the live edge meanwhile.
    const liveNow = await position(live);
    expect(liveNow.ageSec).toBeLessThan(4);
    // At least 5.25 s of wall time went by (the rewind, then 5 s): it played on (a loaded run showed 4.9 s).
    expect(liveNow.currentTime - before.currentTime).toBeGreaterThan(4);

    // Back to live.
    await rewinder.evaluate(() => {
      const hls = (window as any).hls;
      (document.getElementById('v') as HTMLVideoElement).currentTime = hls.liveSyncPosition;
    });
    const returned = await waitFor('back at live', async () => {
      const p = await position(rewinder);
      return p.ageSec < 4 && !p.paused ? p : undefined;
    }, 20_000, 250);
    console.log(`[ll-dvr] window ${spanSec.toFixed(0)} s, ${files.length} video segments on disk; rewound to ${back.ageSec.toFixed(1)} s behind, back to ${returned.ageSec.toFixed(1)} s; live viewer ${liveNow.ageSec.toFixed(1)} s`);
    expect([...returned.errors, ...liveNow.errors]).toEqual([]);
  });
});
