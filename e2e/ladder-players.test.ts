// The main job as a viewer sees it: a real host packages an RTMP publish with the `standard` ladder,
// and the players a viewer's browser runs (hls.js, dash.js in Chromium) play every rendition of it:
// each one is chosen in turn and must reach the screen at its own size. The bundled-ffmpeg stage runs
// this file again with the npm-shipped ffmpeg as the host's.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';

const require = createRequire(import.meta.url);
const HLS_JS = fs.readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
// dashjs's package exports no subpath for its UMD build: read it from the package folder.
const DASH_JS = fs.readFileSync(new URL('../node_modules/dashjs/dist/modern/umd/dash.all.min.js', import.meta.url), 'utf8');

const SHOWN_AT = `window.shownAt = async (video, height) => {
  const t0 = Date.now();
  let from = -1;
  while (Date.now() - t0 < 25000) {
    if (video.videoHeight === height && from < 0) from = video.currentTime;
    if (from >= 0 && video.currentTime - from > 1.5) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ranges = Array.from({ length: video.buffered.length }, (_, i) => video.buffered.start(i).toFixed(2) + '-' + video.buffered.end(i).toFixed(2)).join(' ');
  return { height, videoHeight: video.videoHeight, advancedSec: from < 0 ? 0 : video.currentTime - from, ms: Date.now() - t0, state: 'at ' + video.currentTime.toFixed(2) + ' buffered ' + ranges + ' readyState ' + video.readyState + ' paused ' + video.paused };
};`;

interface Played {
  renditions: { height: number; bitrate: number }[];
  shown: { height: number; videoHeight: number; advancedSec: number; ms: number; state?: string }[];
  frames: number;
  errors: string[];
  /** What the player met on the way, fatal or not (errors with status and URL, level loads): said when a rendition does not show. */
  notes?: string[];
}

// Both latency modes: low (our segmenter: LL-HLS/LL-DASH, played here by players in their default,
// non-LL modes, as older players would) and standard (ffmpeg's segments).
describe.skipIf(needs('chromium')).each(['low', 'standard'] as const)('the standard ladder in real players (%s latency)', (latency) => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let publisher: ReturnType<typeof publishTestPattern>;
  let playback: { hls: string; dash: string };

  beforeAll(async () => {
    host = await startHost();
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'ladder', ladder: 'standard', latency })).json;
    playback = created.playback;
    publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '1280x720' });
    // Every media playlist the master names has two segments: a player can start on any of them.
    await waitFor('two segments in every media playlist', async () => {
      const res = await fetch(playback.hls);
      if (res.status !== 200) return undefined;
      const names = [...(await res.text()).matchAll(/^(v\d+\.m3u8)|URI="(v\d+\.m3u8)/gm)].map((m) => (m[1] ?? m[2])!);
      if (names.length < 4) return undefined;
      for (const name of names) {
        const text = await (await fetch(`${host.url}/live/ladder/${name}`)).text();
        if (text.split('#EXTINF').length < 3) return undefined;
      }
      return true;
    }, 40_000);
    browser = await launchChromium();
    page = await browser.newPage();
    // A page on the host's own origin, as the studio's player page is.
    await page.route(`${host.url}/__players`, (route) => route.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
    await page.goto(`${host.url}/__players`);
    await page.addScriptTag({ content: HLS_JS });
    await page.addScriptTag({ content: DASH_JS });
    // Waits (25 s at most) until the video shows `height` and plays on for 1.5 s; what it saw.
    await page.addScriptTag({ content: SHOWN_AT });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (publisher) {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const expectEveryRenditionShown = (played: Played) => {
    expect(played.errors).toEqual([]);
    const heights = played.renditions.map((r) => r.height).sort((a, b) => a - b);
    expect(heights.length).toBeGreaterThanOrEqual(3);
    expect(heights).toContain(360);
    expect(heights.at(-1)).toBe(720);
    expect(new Set(played.renditions.map((r) => r.bitrate)).size).toBe(played.renditions.length);
    for (const shown of played.shown) {
      expect(shown.videoHeight, `rendition ${shown.height}p reached the screen`).toBe(shown.height);
      expect(shown.advancedSec, `${shown.height}p kept playing`).toBeGreaterThan(1);
    }
    expect(played.shown.map((s) => s.height).sort((a, b) => a - b)).toEqual(heights);
    expect(played.frames).toBeGreaterThan(60);
  };

  it('hls.js finds at least 3 renditions in the master playlist and plays each one at its size', { timeout: 120_000 }, async () => {
    const played: Played = await page.evaluate(async (src) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const Hls = (window as any).Hls;
      const errors: string[] = [];
      const hls = new Hls({ capLevelToPlayerSize: false, startLevel: 0 });
      const notes: string[] = [];
      const t0 = performance.now();
      const note = (text: string): void => void (notes.length < 400 && notes.push(`+${Math.round(performance.now() - t0)} ms ${text}`));
      hls.on(Hls.Events.ERROR, (_e: unknown, d: any) => {
        if (d.fatal) errors.push(`${d.type}/${d.details}`);
        note(`${d.fatal ? 'fatal' : 'error'} ${d.details} ${d.response?.code ?? ''} ${String(d.url ?? d.frag?.url ?? d.context?.url ?? '').split('?')[0]}`);
      });
      hls.on(Hls.Events.LEVEL_SWITCHING, (_e: unknown, d: any) => note(`switching to level ${d.level}`));
      hls.on(Hls.Events.LEVEL_LOADED, (_e: unknown, d: any) => note(`level ${d.level} loaded (${d.details?.fragments?.length ?? 0} segments)`));
      hls.on(Hls.Events.FRAG_BUFFERED, (_e: unknown, d: any) => note(`level ${d.frag?.level} segment ${d.frag?.sn} buffered`));
      const parsed = new Promise((resolve) => hls.once(Hls.Events.MANIFEST_PARSED, resolve));
      hls.loadSource(src);
      hls.attachMedia(video);
      await parsed;
      // The first rendition is chosen before playing starts: left to its own rate adaptation, hls.js may
      // climb to the top one first, and the test would then wait on a switch down it did not ask about.
      hls.currentLevel = 0;
      await video.play().catch((e: Error) => errors.push(`play: ${e.message}`));
      const levels: { height: number; bitrate: number }[] = hls.levels.map((l: any) => ({ height: l.height, bitrate: l.bitrate }));
      const shown: Played['shown'] = [];
      for (const [index, level] of levels.entries()) {
        if (index > 0) hls.currentLevel = index;
        shown.push(await (window as any).shownAt(video, level.height));
      }
      const frames = video.getVideoPlaybackQuality().totalVideoFrames;
      hls.destroy();
      return { renditions: levels, shown, frames, errors, notes };
    }, playback.hls);
    console.log(`[ladder-players] ${latency}: hls.js: ${played.shown.map((s) => `${s.height}p in ${s.ms} ms (${s.state})`).join(', ')}; ${played.frames} frames`);
    if (played.shown.some((s) => s.videoHeight !== s.height)) console.log(`[ladder-players] ${latency}: hls.js met: ${played.notes?.join('; ')}`);
    expectEveryRenditionShown(played);
  });

  it('dash.js finds the same renditions in the MPD and plays each one at its size', { timeout: 120_000 }, async () => {
    const played: Played = await page.evaluate(async (src) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const dashjs = (window as any).dashjs;
      const player = dashjs.MediaPlayer().create();
      player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
      const errors: string[] = [];
      player.on('error', (e: any) => errors.push(JSON.stringify(e.error ?? e).slice(0, 200)));
      const ready = new Promise((resolve) => player.on('streamInitialized', resolve));
      player.initialize(video, src, true);
      await ready;
      const reps = (player.getRepresentationsByType('video') as any[]).map((r) => ({ id: r.id as string, height: r.height as number, bitrate: r.bandwidth as number }));
      const shown: Played['shown'] = [];
      for (const rep of reps) {
        player.setRepresentationForTypeById('video', rep.id, true);
        shown.push(await (window as any).shownAt(video, rep.height));
      }
      const frames = video.getVideoPlaybackQuality().totalVideoFrames;
      player.reset();
      return { renditions: reps.map(({ height, bitrate }) => ({ height, bitrate })), shown, frames, errors };
    }, playback.dash);
    console.log(`[ladder-players] ${latency}: dash.js: ${played.shown.map((s) => `${s.height}p in ${s.ms} ms`).join(', ')}; ${played.frames} frames`);
    expectEveryRenditionShown(played);
  });
});
