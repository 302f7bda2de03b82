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
/**
 * Each guest's tone (Hz): apart, and none within 120 Hz of the others' harmonics and intermodulation
 * products up to the third order (500/800/1300 had 1300-500 = 800: a codec's or a limiter's
 * distortion of two guests sounded like the third).
 */
const TONES = [600, 960, 1440];

/**
 * A guest's microphone: their tone in bursts of 0.2 s with 0.2 s between (a smooth half-sine envelope,
 * whose sidebands stay within a few hertz of the tone). A steady sine is what a microphone's noise
 * suppression (on in the guest page) learns as noise and pulls down, to about -60 dBFS in the return
 * feed after half a minute, near the threshold; bursts with pauses, like speech, pass it.
 */
const spoken = (f: number): string => `aevalsrc=0.8*sin(2*PI*${f}*t)*max(0\\,sin(2*PI*2.5*t)):s=48000:d=12`;

/** Frequencies with no tone and no product of two (Hz): the return feed's floor (codec noise) is read there. */
const QUIET = [700, 1100, 1700];

/**
 * What guest `i` hears: the loudest level (dBFS) at each tone and the floor (the loudest at QUIET),
 * when the other two tones stand 30 dB above the floor; throws with the levels otherwise (a timeout names them).
 */
async function hearing(page: Page, i: number): Promise<{ levels: number[]; floor: number; said: string }> {
  const read = await levelsAt(page, [...TONES, ...QUIET]);
  const levels = read.slice(0, TONES.length);
  const floor = Math.max(...read.slice(TONES.length));
  const said = `guest ${TONES[i]} Hz hears ${TONES.map((t, j) => `${t} Hz ${levels[j]!.toFixed(1)} dB`).join(', ')} (floor ${floor.toFixed(1)} dB)`;
  if (TONES.every((_, j) => j === i || levels[j]! > floor + 30)) return { levels, floor, said };
  throw new Error(said);
}

/** Guest `i`'s own tone is at the floor (within 10 dB), 30 dB below the others': a tone that leaked into their mix would sit with the others. */
function expectOwnVoiceAbsent(i: number, { levels, floor }: { levels: number[]; floor: number }): void {
  const others = levels.filter((_, j) => j !== i);
  expect(levels[i]!, `guest ${TONES[i]} hears their own voice`).toBeLessThan(floor + 10);
  expect(levels[i]!, `guest ${TONES[i]} hears their own voice`).toBeLessThan(Math.min(...others) - 30);
}

/**
 * In a guest's page: the return feed's loudest level (dBFS) at each frequency over `forMs`, from an FFT
 * of 8192 points read every 50 ms (the tones come in bursts, each guest's at its own phase).
 */
async function levelsAt(page: Page, freqs: number[], forMs = 2000): Promise<number[]> {
  return page.evaluate(async ({ freqs, forMs }) => {
    const w = window as unknown as { __fft?: AnalyserNode; __ctx?: AudioContext; __of?: MediaStream };
    const video = document.querySelector('[data-testid=guest-return]') as HTMLVideoElement;
    // A new return feed (the show went live) is a new stream: listen to that one.
    if (!w.__fft || w.__of !== video.srcObject) {
      void w.__ctx?.close();
      w.__of = video.srcObject as MediaStream;
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      analyser.smoothingTimeConstant = 0;
      ctx.createMediaStreamSource(video.srcObject as MediaStream).connect(analyser);
      w.__fft = analyser;
      w.__ctx = ctx;
    }
    const analyser = w.__fft;
    const bins = new Float32Array(analyser.frequencyBinCount);
    const hz = w.__ctx!.sampleRate / analyser.fftSize;
    const loudest = freqs.map(() => -Infinity);
    for (const until = performance.now() + forMs; performance.now() < until; await new Promise((r) => setTimeout(r, 50))) {
      analyser.getFloatFrequencyData(bins);
      freqs.forEach((f, i) => {
        const at = Math.round(f / hz);
        loudest[i] = Math.max(loudest[i]!, ...bins.slice(at - 2, at + 3));
      });
    }
    return loudest;
  }, { freqs, forMs });
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
    // Cameras at 5 fps: four browsers and the host share two cores, and three guests each encoding
    // simulcast at 15 fps starved them (every connection failed at once, in one run of three).
    fixtures = makeStudioFixtures({ fps: 5 });
    const wavs = TONES.map((f) => {
      const file = path.join(fixtures.dir, `tone-${f}.wav`);
      const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', spoken(f), '-ac', '1', file]);
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
      const heard = await waitFor(`guest ${TONES[i]} hears the others`, () => hearing(page, i), 30_000);
      console.log(heard.said);
      expectOwnVoiceAbsent(i, heard);
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
    const heard = await waitFor(`guest ${TONES[1]} hears the others beside the picture`, () => hearing(pages[1]!, 1), 20_000);
    console.log(`beside the picture, ${heard.said}`);
    expectOwnVoiceAbsent(1, heard);
    await pages[0]!.screenshot({ path: path.join(ARTIFACTS, 'guest-return-feed.png') });
    await studio.screenshot({ path: path.join(ARTIFACTS, 'guests-grid-live.png') });
    await studio.getByTestId('studio-stop').click();
  }, 120_000);
});
