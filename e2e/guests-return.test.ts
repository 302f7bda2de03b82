// Three guests on one show, each in their own Chromium with a fake microphone of its own tone: the
// studio pulls them into a grid, mixes them, and sends each a return feed of the show's sound without
// their own voice (mix-minus). An FFT in each guest's page hears the other two tones and not its own.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openStudio, studioPage } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { makeStudioFixtures, type StudioFixtures } from '../test-support/studio.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
/** Each guest's tone (Hz): apart, and not each other's harmonics. */
const TONES = [500, 800, 1300];

/** In a guest's page: the return feed's level (dBFS) at each frequency, from an FFT of 8192 points. */
async function levelsAt(page: Page, freqs: number[]): Promise<number[]> {
  return page.evaluate(async (freqs) => {
    const w = window as unknown as { __fft?: AnalyserNode; __ctx?: AudioContext; __of?: MediaStream };
    const video = document.querySelector('[data-testid=guest-return]') as HTMLVideoElement;
    // A new return feed (the show went live) is a new stream: listen to that one.
    if (!w.__fft || w.__of !== video.srcObject) {
      void w.__ctx?.close();
      w.__of = video.srcObject as MediaStream;
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      analyser.smoothingTimeConstant = 0.5;
      ctx.createMediaStreamSource(video.srcObject as MediaStream).connect(analyser);
      w.__fft = analyser;
      w.__ctx = ctx;
      await new Promise((r) => setTimeout(r, 500));
    }
    const analyser = w.__fft;
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    const hz = w.__ctx!.sampleRate / analyser.fftSize;
    return freqs.map((f) => {
      const at = Math.round(f / hz);
      return Math.max(...bins.slice(at - 2, at + 3));
    });
  }, freqs);
}

describe.skipIf(needs('ffmpeg', 'chromium'))('three guests with return feeds (mix-minus, FFT)', () => {
  let host: HostProcess;
  let fixtures: StudioFixtures;
  const browsers: Browser[] = [];
  let studio: Page;
  const pages: Page[] = [];
  const ids: string[] = [];

  beforeAll(async () => {
    host = await startHost();
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'trio' })).status).toBe(201);
    fixtures = makeStudioFixtures();
    const wavs = TONES.map((f) => {
      const file = path.join(fixtures.dir, `tone-${f}.wav`);
      const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=${f}:sample_rate=48000`, '-t', '12', '-af', 'volume=0.8', '-ac', '1', file]);
      expect(r.status).toBe(0);
      return file;
    });
    const studioBrowser = await launchChromium();
    browsers.push(studioBrowser);
    for (const wav of wavs) {
      browsers.push(await launchChromium({ args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${fixtures.y4m}`, `--use-file-for-fake-audio-capture=${wav}`] }));
    }
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { stream: 'trio' })).status).toBe(200);
    studio = await studioPage(studioBrowser, host);
    await openStudio(studio, host);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    await stopHostCleanly(host);
    if (fixtures) fs.rmSync(fixtures.dir, { recursive: true, force: true });
  });

  it('three guests join by link, are admitted into a grid, and each hears the others and not themselves', async () => {
    for (const [i, tone] of TONES.entries()) {
      const invited = (await api(host, 'POST', '/api/v1/streams/trio/guests', { name: `Guest ${tone}` })).json as { id: string; url: string };
      ids.push(invited.id);
      const page = await browsers[i + 1]!.newPage();
      pages.push(page);
      await page.goto(invited.url);
      await page.getByTestId('guest-join').waitFor();
      await waitFor('devices open', () => page.getByTestId('guest-join').isEnabled(), 15_000);
      await page.getByTestId('guest-join').click();
    }
    // All three in the green room, then let in.
    await waitFor('three in the green room', async () => {
      const list = (await api(host, 'GET', '/api/v1/streams/trio/guests')).json as { state: string }[];
      return list.filter((g) => g.state === 'waiting').length === 3;
    }, 15_000);
    for (const id of ids) expect((await api(host, 'POST', `/api/v1/streams/trio/guests/${id}/admit`)).json.state).toBe('admitted');
    await waitFor('three sending', async () => {
      const list = (await api(host, 'GET', '/api/v1/streams/trio/guests')).json as { live: boolean }[];
      return list.filter((g) => g.live).length === 3;
    }, 30_000);

    // The studio takes them in: a source each, in a grid scene on program.
    const sources: string[] = [];
    for (const [i, id] of ids.entries()) {
      const res = await api(host, 'POST', '/api/v1/scenes/sources', { name: `Guest ${TONES[i]}`, settings: { kind: 'guest', guestId: id } });
      expect(res.status, res.text).toBe(201);
      sources.push(res.json.id as string);
    }
    const scene = (await api(host, 'POST', '/api/v1/scenes', { name: 'Panel', layout: 'grid', items: sources.map((sourceId) => ({ sourceId, x: 0, y: 0, width: 640, height: 360 })) })).json as { id: string };
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { programSceneId: scene.id, previewSceneId: scene.id })).status).toBe(200);
    for (const tone of TONES) await waitFor(`Guest ${tone} live in the studio`, async () => (await studio.getByTestId(`source-Guest ${tone}`).getAttribute('data-status')) === 'live', 30_000);
    await studio.screenshot({ path: path.join(ARTIFACTS, 'guests-grid-studio.png') });

    // Each guest's return feed: the two other tones well above the floor, their own far below them.
    for (const [i, page] of pages.entries()) {
      await waitFor(`guest ${TONES[i]}'s return feed`, () => page.evaluate(() => ((document.querySelector('[data-testid=guest-return]') as HTMLVideoElement | null)?.srcObject as MediaStream | null)?.getAudioTracks().length ?? 0), 30_000);
      const levels = await waitFor(`guest ${TONES[i]} hears the others`, async () => {
        const l = await levelsAt(page, TONES);
        return TONES.every((_, j) => j === i || l[j]! > -65) ? l : undefined;
      }, 30_000);
      const others = levels.filter((_, j) => j !== i);
      console.log(`guest ${TONES[i]} Hz hears ${TONES.map((t, j) => `${t} Hz ${levels[j]!.toFixed(1)} dB`).join(', ')}`);
      // Their own tone is at the FFT's noise floor (runs: -93 to -125 dB), the others' well above it
      // (-41 to -60 dB): a tone that leaked into the mix would sit with them.
      expect(levels[i]!, `guest ${TONES[i]} hears their own voice`).toBeLessThan(-80);
      expect(levels[i]!, `guest ${TONES[i]} hears their own voice`).toBeLessThan(Math.min(...others) - 20);
    }
  }, 180_000);

  it("the show goes live: each guest's return feed gains the program's picture (the grid of the three)", async () => {
    await studio.getByTestId('studio-go-live').click();
    await waitFor('the show live', async () => (await api(host, 'GET', '/api/v1/streams/trio')).json.state === 'live', 30_000);
    for (const [i, page] of pages.entries()) {
      await waitFor(`guest ${TONES[i]} sees the show`, () => page.evaluate(() => {
        const video = document.querySelector('[data-testid=guest-return]') as HTMLVideoElement | null;
        return (video?.videoWidth ?? 0) > 0 && video!.currentTime > 0.5;
      }), 40_000);
    }
    // Still each hears the others and not themselves, now beside the picture.
    const levels = await waitFor('guest 800 hears the others beside the picture', async () => {
      const l = await levelsAt(pages[1]!, TONES);
      return l[0]! > -65 && l[2]! > -65 ? l : undefined;
    }, 20_000);
    expect(levels[1]!).toBeLessThan(-80);
    expect(levels[1]!).toBeLessThan(Math.min(levels[0]!, levels[2]!) - 20);
    await pages[0]!.screenshot({ path: path.join(ARTIFACTS, 'guest-return-feed.png') });
    await studio.screenshot({ path: path.join(ARTIFACTS, 'guests-grid-live.png') });
    await studio.getByTestId('studio-stop').click();
  }, 120_000);
});
