// The studio makes the show, in Chromium against a real host: a scene of the fake camera (a Y4M file
// whose frames carry their own number as a barcode), a screen (an Xvfb display where an X client
// paints the wall clock as a barcode, captured by Chromium's own X11 capturer through
// getDisplayMedia), an uploaded image, a text and a colour is composed in the page (WebGL2), mixed
// (Web Audio), encoded by the browser and published over WHIP; a WHEP viewer and hls.js play it (the
// screen's clock tells how old its picture is at the viewer), and the recording's frame counter
// advances without gaps. The studio's Chromium has a window on that display; the viewers run in
// another, headless Chromium, so that no window of theirs covers the captured screen.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openStudio, studioPage } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { counterGaps, counterIn, countersOfFile, launchStudioChromium, makeStudioFixtures, STUDIO_PERMISSIONS, tapProgram, type StudioFixtures } from '../test-support/studio.js';
import { waitFor } from '../test-support/wait.js';
import { startWhepViewer } from '../test-support/webrtc.js';
import { paintedClockAge, readPaintedClock, startPaintedScreen, type PaintedScreen } from '../test-support/x-screen.js';

const require = createRequire(import.meta.url);
const HLS_JS = fs.readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

/** The screen item's place in the 640x360 program: the bottom left quarter. */
const SCREEN_AT = { x: 0, y: 180, width: 320, height: 180 };

/** In `page`: the painted clock the element (a canvas or a video, 640x360 program) shows in the screen item; null if unreadable. */
async function clockIn(page: Page, selector: string, screen: PaintedScreen): Promise<number | null> {
  const points: [number, number][] = [];
  readPaintedClock(screen, (x, y) => (points.push([Math.round(x), Math.round(y)]), 0), SCREEN_AT.width / screen.width, SCREEN_AT);
  const luma = await page.evaluate(
    ({ selector, points }) => {
      const el = document.querySelector(selector) as HTMLVideoElement | null;
      if (!el?.videoWidth) return null;
      const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      ctx.drawImage(el, 0, 0, 640, 360);
      return points.map(([x, y]) => {
        const d = ctx.getImageData(x, y, 1, 1).data;
        return 0.299 * d[0]! + 0.587 * d[1]! + 0.114 * d[2]!;
      });
    },
    { selector, points },
  );
  if (!luma) return null;
  let i = 0;
  return readPaintedClock(screen, () => luma[i++]!, SCREEN_AT.width / screen.width, SCREEN_AT);
}

/** The painted clock read from `selector` over `ms`: each distinct reading with its age when read (ms). */
async function clocksOver(page: Page, selector: string, screen: PaintedScreen, ms: number): Promise<{ value: number; age: number }[]> {
  const seen: { value: number; age: number }[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await clockIn(page, selector, screen);
    if (value !== null && seen.at(-1)?.value !== value) seen.push({ value, age: paintedClockAge(screen, value) });
    await page.waitForTimeout(50);
  }
  return seen;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Counters read from `selector` over `ms`: the distinct values, in order. */
async function countersOver(page: Page, selector: string, ms: number): Promise<number[]> {
  const seen: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await counterIn(page, selector);
    if (v !== null && seen.at(-1) !== v) seen.push(v);
    await page.waitForTimeout(100);
  }
  return seen;
}

describe.skipIf(needs('chromium', 'ffmpeg', 'xvfb'))('the studio makes the show', () => {
  let host: HostProcess;
  let browser: Browser;
  /** Where the viewers play (headless: no window over the captured screen). */
  let viewers: Browser;
  let screen: PaintedScreen;
  let page: Page;
  let fx: StudioFixtures;
  const ids: Record<string, string> = {};
  /** The studio page's errors and warnings, shown when a step fails. */
  const logs: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // A camera picture lasts 500 ms: on two cores the page's main thread, sharing them with the
    // studio's window, its X capture, the host and the viewers, is at times held up for 250-500 ms (a
    // loaded test run: up to 600 ms), and a picture shorter than that may never be drawn; the recording
    // then misses it although nothing downstream lost a frame (bench/studio counts frames at 30 fps, against OBS).
    fx = makeStudioFixtures({ fps: 2 });
    host = await startHost();
    // The clock at 30 Hz: a moving picture without keeping the X server and its capturer busier than the show.
    screen = await startPaintedScreen(640, 360, { periodMs: 33 });
    browser = await launchStudioChromium(fx, [], { screen });
    viewers = await launchChromium();
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough', record: true })).status).toBe(201);
    page = await studioPage(browser, host, undefined, STUDIO_PERMISSIONS);
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && !m.text().includes('GL Driver Message') && logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await openStudio(page, host);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await viewers?.close();
    screen?.stop();
    await stopHostCleanly(host);
    if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  it('composes a camera, a screen, an image, a text and a colour into the program', async () => {
    const upload = await fetch(`${host.url}/api/v1/scenes/media`, { method: 'POST', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'image/png' }, body: fs.readFileSync(fx.png) });
    expect(upload.status).toBe(201);
    const { url } = (await upload.json()) as { url: string };
    const add = async (name: string, settings: Record<string, unknown>) => {
      const res = await api(host, 'POST', '/api/v1/scenes/sources', { name, settings });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      ids[name] = res.json.id;
    };
    await add('Backdrop', { kind: 'color', color: '#203040' });
    await add('Camera', { kind: 'camera', deviceId: null, label: '' });
    await add('Screen', { kind: 'screen', surface: 'monitor', audio: false, frameRate: 15 });
    await add('Logo', { kind: 'image', url });
    await add('Title', { kind: 'text', text: 'Streams Studio live', fontSize: 48, outline: { color: '#000000', width: 3 } });
    await add('Microphone', { kind: 'microphone', deviceId: null, label: '' });
    const state = (await api(host, 'GET', '/api/v1/scenes')).json;
    const scene = state.scenes[0];
    const item = (sourceId: string, x: number, y: number, width: number, height: number) => ({ sourceId, x, y, width, height });
    const items = [
      item(ids.Backdrop!, 0, 0, 640, 360),
      item(ids.Camera!, 0, 0, 640, 360),
      // The painted part of the screen: the studio's own window is below it.
      { ...item(ids.Screen!, SCREEN_AT.x, SCREEN_AT.y, SCREEN_AT.width, SCREEN_AT.height), crop: { left: 0, top: 0, right: 0, bottom: 1 - screen.height / screen.screenHeight } },
      item(ids.Logo!, 470, 250, 160, 90),
      item(ids.Title!, 330, 200, 300, 35),
    ];
    expect((await api(host, 'PATCH', `/api/v1/scenes/${scene.id}`, { items })).status).toBe(200);
    // 640x360: on two cores without a GPU the page composes, encodes and serves viewers at once (bench/studio runs 1080p).
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { stream: 'show', width: 640, height: 360, videoBitrateKbps: 1500 })).status).toBe(200);

    await waitFor('the camera is live in the studio', async () => (await page.getByTestId('source-Camera').getAttribute('data-status')) === 'live', 20_000);
    await waitFor('the image has loaded', async () => (await page.getByTestId('source-Logo').getAttribute('data-status')) === 'live', 20_000);
    // A screen starts from a click (the browser's rule); the picker is told to take the entire screen.
    await page.getByTestId('capture-Screen').click();
    await waitFor('the screen is captured', async () => (await page.getByTestId('source-Screen').getAttribute('data-status')) === 'live', 20_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${await page.getByTestId('source-Screen').textContent()}; page log: ${logs.join(' | ')}`);
    });
    await tapProgram(page);
    const program = await countersOver(page, '#program-tap', 3000);
    expect(program.length, `counters on the program: ${program.join(',')}; page log: ${logs.join(' | ')}`).toBeGreaterThan(5);
    // The screen moves on the program: its clock reads, and changes.
    const clocks = await clocksOver(page, '#program-tap', screen, 2000);
    expect(clocks.length, `screen clocks on the program: ${JSON.stringify(clocks)}`).toBeGreaterThan(5);
    // The image sits at the bottom right, over the camera: its orange shows on the program.
    const logo = await page.evaluate(() => {
      const v = document.getElementById('program-tap') as HTMLVideoElement;
      const copy = document.createElement('canvas');
      copy.width = v.videoWidth;
      copy.height = v.videoHeight;
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(v, 0, 0);
      return [...ctx.getImageData(480, 255, 1, 1).data];
    });
    expect(logo[0]).toBeGreaterThan(200);
    expect(logo[2]).toBeLessThan(80);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-editor.png') });
  }, 90_000);

  it('goes live: a WHEP viewer and hls.js play the program, and the mixer meters move', async () => {
    await page.getByTestId('studio-go-live').click();
    await waitFor('the stream is live', async () => {
      if ((await api(host, 'GET', '/api/v1/streams/show')).json.state === 'live') return true;
      const status = await page.getByTestId('studio-status').textContent();
      if (status?.includes('Failed')) throw new Error(`${status}; page log: ${logs.join(' | ')}`);
      return false;
    }, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}; status: ${await page.getByTestId('studio-status').textContent()}; toasts: ${await page.locator('.toast').allTextContents()}; page log: ${logs.join(' | ')}`);
    });
    await waitFor('the status bar says LIVE', async () => (await page.getByTestId('status-state').textContent()) === 'LIVE', 20_000);

    const viewer = await viewers.newPage();
    await viewer.goto(`${host.url}/healthz`);
    expect((await startWhepViewer(viewer, `${host.url}/live/show/whep`)).status).toBe(201);
    const overWhep = await countersOver(viewer, 'video', 4000);
    expect(overWhep.length, `counters over WHEP: ${overWhep.join(',')}`).toBeGreaterThan(fx.fps * 2);
    const screenOverWhep = await clocksOver(viewer, 'video', screen, 3000);
    const ages = screenOverWhep.map((c) => c.age);
    console.log(`screen to WHEP viewer (painted clock to the viewer's read, 50 ms polls): median ${median(ages)} ms of ${ages.length} readings`);
    expect(screenOverWhep.length, `screen clocks over WHEP: ${JSON.stringify(screenOverWhep)}`).toBeGreaterThan(10);
    // Generous: a picture of the screen reaches the viewer in well under two seconds (bench/studio measures it).
    expect(median(ages)).toBeLessThan(2000);

    const hlsPage = await viewers.newPage();
    await hlsPage.goto(`${host.url}/healthz`);
    await hlsPage.addScriptTag({ content: HLS_JS });
    await hlsPage.evaluate((src) => {
      const video = document.createElement('video');
      video.muted = true;
      document.body.append(video);
      const hls = new (window as any).Hls(); // hls.js in its defaults, as a site embeds it
      // What hls.js met on the way, for the failure message: errors and the requests it made.
      const seen: string[] = ((window as any).hlsSeen = []);
      const Hls = (window as any).Hls;
      hls.on(Hls.Events.ERROR, (_e: unknown, d: any) => seen.push(`${d.fatal ? 'FATAL ' : ''}${d.type}/${d.details} ${d.response?.code ?? ''} ${String(d.url ?? d.frag?.url ?? d.part?.url ?? '').split('?')[0]}`));
      hls.on(Hls.Events.LEVEL_LOADED, (_e: unknown, d: any) => seen.push(`level ${d.level}: ${d.details.fragments.length} segments, live ${d.details.live}, parts ${d.details.partList?.length ?? 0}`));
      hls.on(Hls.Events.FRAG_BUFFERED, (_e: unknown, d: any) => seen.push(`buffered ${d.frag.sn}${d.part ? `.${d.part.index}` : ''}`));
      hls.loadSource(src);
      hls.attachMedia(video);
      void video.play().catch(() => undefined);
    }, `${host.url}/live/show/index.m3u8`);
    const hlsStartedAt = Date.now();
    await waitFor('hls.js plays', () => hlsPage.evaluate(() => (document.querySelector('video') as HTMLVideoElement).currentTime > 1), 40_000).catch(async (error: Error) => {
      const state = await hlsPage.evaluate(() => {
        const v = document.querySelector('video') as HTMLVideoElement;
        const ranges = Array.from({ length: v.buffered.length }, (_, i) => `${v.buffered.start(i).toFixed(2)}-${v.buffered.end(i).toFixed(2)}`);
        const seen = (window as any).hlsSeen as string[];
        return `currentTime ${v.currentTime}, readyState ${v.readyState}, paused ${v.paused}, buffered [${ranges.join(' ')}]; hls.js saw (last 30 of ${seen.length}): ${seen.slice(-30).join(' | ')}`;
      });
      const stream = (await api(host, 'GET', '/api/v1/streams/show')).json;
      throw new Error(`${error.message}: ${state}; stream ${stream.state} ${JSON.stringify(stream.tracks ?? stream.media ?? null)}`);
    });
    console.log(`hls.js played the program ${Date.now() - hlsStartedAt} ms after it was given the playlist`);
    const overHls = await countersOver(hlsPage, 'video', 6000);
    expect(overHls.length, `counters over HLS: ${overHls.join(',')}`).toBeGreaterThan(fx.fps * 2);
    const screenOverHls = await clocksOver(hlsPage, 'video', screen, 2000);
    expect(screenOverHls.length, `screen clocks over HLS: ${JSON.stringify(screenOverHls)}`).toBeGreaterThan(5);

    const meter = await waitFor('the microphone moves its meter', async () => {
      const lufs = Number(await page.getByTestId('meter-Microphone').getAttribute('data-lufs'));
      return lufs > -40 ? lufs : null;
    }, 15_000);
    // The fake microphone is a 1 kHz tone at -20 dBFS in one channel.
    expect(meter).toBeGreaterThan(-30);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-live.png') });
    const encoder = await page.evaluate(() => (window as unknown as { __studio: { encoderStats(): Promise<unknown> } }).__studio.encoderStats());
    console.log(`studio while live: ${await page.evaluate(() => document.visibilityState)} ${await page.getByTestId('studio-status').textContent()} ${JSON.stringify(encoder)}`);
    await viewer.close();
    await hlsPage.close();
  }, 120_000);

  it('the recording has the frame counter advancing without gaps', async () => {
    await page.waitForTimeout(4000);
    const timing = await page.evaluate(() => {
      const studio = (window as unknown as { __studio: { timing: unknown; sourceStats(): unknown; encoderStats(): Promise<unknown> } }).__studio;
      return studio.encoderStats().then((encoder) => ({ timing: studio.timing, sources: studio.sourceStats(), encoder }));
    });
    console.log(`studio while recording: ${await page.evaluate(() => document.visibilityState)} ${await page.getByTestId('studio-status').textContent()} ${JSON.stringify(timing)}`);
    await page.waitForTimeout(4000);
    await page.getByTestId('studio-stop').click();
    await waitFor('the stream ends', async () => (await api(host, 'GET', '/api/v1/streams/show')).json.state !== 'live', 30_000);
    const recording = await waitFor('the recording is complete', async () => {
      const list = (await api(host, 'GET', '/api/v1/recordings?stream=show')).json;
      return list.find((r: { state: string }) => r.state !== 'recording') ?? null;
    }, 30_000);
    const res = await fetch(`${host.url}${recording.fileUrl}`, { headers: { authorization: `Bearer ${host.token}` } });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'studio-rec-')), recording.file);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const counters = countersOfFile(file, 640, 360);
    console.log(`recording: ${counters.length} frames, ${new Set(counters).size} distinct camera frames, first ${counters.slice(0, 40).join(',')}`);
    const read = counters.filter((c) => c !== null);
    expect(read.length, 'frames with a readable counter').toBeGreaterThan(counters.length * 0.9);
    // About ten seconds live: at least six seconds of camera frames, each one there.
    expect(new Set(read).size, 'distinct camera frames').toBeGreaterThan(fx.fps * 6);
    // Nothing downstream of the page loses a frame: a camera picture may be missing only where the
    // page itself stalled for about as long as a picture lasts (a busy 2-core machine: the engine
    // lists its stalls), never elsewhere.
    const pictureMs = 1000 / fx.fps;
    const stalls = (await page.evaluate(() => (window as unknown as { __studio: { timing: { stalls: { endedAt: number; ms: number }[] } } }).__studio.timing.stalls))
      .filter((st) => st.ms >= pictureMs - 100 && st.endedAt >= recording.startedAt && st.endedAt <= (recording.endedAt ?? Date.now()));
    const gaps = counterGaps(counters, fx.frames);
    console.log(`recording: gaps ${JSON.stringify(gaps)}; the page's stalls of ${pictureMs - 100} ms or more meanwhile: ${JSON.stringify(stalls)}`);
    const missing = gaps.reduce((n, g) => n + ((g.to - g.from + fx.frames) % fx.frames) - 1, 0);
    const explained = stalls.reduce((n, st) => n + Math.ceil(st.ms / pictureMs), 0);
    expect(gaps.length, `gaps ${JSON.stringify(gaps)} with page stalls ${JSON.stringify(stalls)}`).toBeLessThanOrEqual(stalls.length);
    expect(missing, `pictures missing in ${JSON.stringify(gaps)}, page stalls ${JSON.stringify(stalls)}`).toBeLessThanOrEqual(explained);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }, 120_000);
});
