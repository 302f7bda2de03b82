// The desktop window's screen and window picker, in Chromium against a real host. In the Electron
// window, the page's getDisplayMedia reaches the main process, which lists the screens and windows
// (desktopCapturer, with thumbnails) and offers them to the page's picker over the preload's
// `window.studioDesktop`; the creator's choice goes back, and Chromium captures it.
//
// Electron's binary cannot run on this machine, so its main process is stood in for (named so in the
// test): an init script gives the page a `window.studioDesktop` that offers five painted sources and
// records the answers, and wraps getDisplayMedia as the main process's handler does: it waits for the
// answer, refuses (NotAllowedError) on a cancel, and otherwise lets Chromium capture (its fake screen
// here). The page, the picker, the studio's screen source and its refusal are the real ones.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisplayChoice } from '../src-shared/contract/index.js';
import { studioPage } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { launchStudioChromium, makeStudioFixtures, type StudioFixtures } from '../test-support/studio.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

/** Runs in the page before its scripts: Electron's main process and preload, stood in for. */
function standInForElectron(): void {
  const sources = [
    { id: 'window:301:0', name: 'Terminal', kind: 'window', hue: 120 },
    { id: 'screen:0:0', name: 'Screen 1', kind: 'screen', hue: 210 },
    { id: 'window:302:0', name: 'Browser: Streams Studio docs', kind: 'window', hue: 30 },
    { id: 'screen:1:0', name: 'Screen 2', kind: 'screen', hue: 280 },
    { id: 'window:303:0', name: 'Slides', kind: 'window', hue: 0 },
  ];
  const paint = (name: string, hue: number, w: number, h: number): string => {
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const g = canvas.getContext('2d')!;
    g.fillStyle = `hsl(${hue} 45% 30%)`;
    g.fillRect(0, 0, w, h);
    g.fillStyle = `hsl(${hue} 60% 70%)`;
    g.fillRect(w * 0.08, h * 0.1, w * 0.84, h * 0.12);
    g.fillStyle = 'white';
    g.font = `bold ${Math.round(h / 7)}px sans-serif`;
    g.fillText(name.split(':')[0]!, w * 0.1, h * 0.6);
    return canvas.toDataURL('image/png');
  };
  let listener: ((offer: unknown) => void) | null = null;
  let next = 1;
  const waiting = new Map<number, (choice: DisplayChoice) => void>();
  const w = window as unknown as { studioDesktop: unknown; __choices: DisplayChoice[]; __offer(): Promise<DisplayChoice> };
  w.__choices = [];
  // The main process's offer, as offerSources builds it (screens first, windows by name).
  const offer = (): Promise<DisplayChoice> => {
    const request = next++;
    const listed = [...sources]
      .sort((a, b) => (a.kind === b.kind ? (a.kind === 'screen' ? 0 : a.name.localeCompare(b.name)) : a.kind === 'screen' ? -1 : 1))
      .map((s) => ({ id: s.id, name: s.name, kind: s.kind, thumbnail: paint(s.name, s.hue, 320, 180), icon: s.kind === 'window' ? paint('', s.hue, 16, 16) : null }));
    return new Promise((resolve) => {
      waiting.set(request, resolve);
      listener?.({ request, sources: listed, audio: true });
    });
  };
  w.__offer = offer;
  w.studioDesktop = {
    onDisplayOffer(l: (offer: unknown) => void) {
      listener = l;
      return () => (listener = null);
    },
    chooseDisplay(choice: DisplayChoice) {
      w.__choices.push(choice);
      waiting.get(choice.request)?.(choice);
      waiting.delete(choice.request);
    },
  };
  // setDisplayMediaRequestHandler: no answer but a source is a refusal; a source is captured.
  const original = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getDisplayMedia = async (constraints?: DisplayMediaStreamOptions) => {
    const choice = await offer();
    if (choice.sourceId === null) throw new DOMException('Permission denied', 'NotAllowedError');
    return original(constraints);
  };
}

describe.skipIf(needs('chromium'))('the desktop window\'s screen picker (Electron\'s main process stood in for: no Electron binary here)', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let fx: StudioFixtures;
  const choices = () => page.evaluate(() => (window as unknown as { __choices: DisplayChoice[] }).__choices);
  const status = () => page.getByTestId('source-Screen').getAttribute('data-status');
  const programFrames = () => page.evaluate(() => (window as unknown as { __studio: { programFrames: number } }).__studio.programFrames);

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fx = makeStudioFixtures({ fps: 5, seconds: 2 });
    host = await startHost();
    browser = await launchStudioChromium(fx);
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { width: 640, height: 360 })).status).toBe(200);
    const screen = (await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Screen', settings: { kind: 'screen', surface: 'monitor', audio: false, frameRate: 5 } })).json;
    const scene = (await api(host, 'GET', '/api/v1/scenes')).json.scenes[0];
    expect((await api(host, 'PATCH', `/api/v1/scenes/${scene.id}`, { items: [{ sourceId: screen.id, x: 0, y: 0, width: 640, height: 360 }] })).status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    await context.addInitScript(standInForElectron);
    page = await studioPage(context, host);
    await page.goto(`${host.url}/studio`);
    await page.getByTestId('page-studio').waitFor();
    await page.getByTestId('capture-Screen').waitFor({ timeout: 15_000 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
    if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
  });

  it('a cancel (the button or Escape) refuses the capture: the source says so and the show goes on', async () => {
    for (const how of ['button', 'Escape'] as const) {
      await page.getByTestId('capture-Screen').click();
      await page.getByTestId('display-picker').waitFor();
      if (how === 'button') await page.getByTestId('display-cancel').click();
      else await page.keyboard.press('Escape');
      await page.getByTestId('display-picker').waitFor({ state: 'detached' });
      expect((await choices()).at(-1)).toMatchObject({ sourceId: null, audio: false });
      await waitFor(`refused by ${how}`, async () => (await status()) === 'error', 10_000);
      expect(await page.getByTestId('source-reason-Screen').textContent()).toMatch(/The screen capture was refused/);
    }
    const frames = await programFrames();
    await page.waitForTimeout(1000);
    expect(await programFrames()).toBeGreaterThan(frames + 5);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-display-picker-refused.png') });
  });

  it('offers screens first with thumbnails, then windows by name; the chosen one is captured into the scene', async () => {
    await page.getByTestId('capture-Screen').click();
    const picker = page.getByTestId('display-picker');
    await picker.waitFor();
    // Opens on the screens, the first chosen; the thumbnails are drawn.
    expect(await picker.getByTestId('display-tab-screen').getAttribute('aria-selected')).toBe('true');
    expect(await picker.getByTestId('display-tab-screen').textContent()).toBe('Screens (2)');
    expect(await picker.getByTestId('display-tab-window').textContent()).toBe('Windows (3)');
    expect(await picker.getByTestId('display-source').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual(['screen:0:0', 'screen:1:0']);
    expect(await picker.getByTestId('display-source').first().getAttribute('aria-selected')).toBe('true');
    await waitFor('the thumbnails are drawn', () => picker.locator('img.display-thumb').evaluateAll((imgs) => imgs.length === 2 && imgs.every((i) => (i as HTMLImageElement).naturalWidth === 320)), 5000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-display-picker.png') });

    await picker.getByTestId('display-tab-window').click();
    const windows = picker.getByTestId('display-source');
    expect(await windows.evaluateAll((els) => els.map((e) => e.textContent))).toEqual(['Browser: Streams Studio docs', 'Slides', 'Terminal']);
    expect(await windows.first().getAttribute('aria-selected')).toBe('true');
    await windows.nth(1).click();
    expect(await windows.nth(1).getAttribute('aria-selected')).toBe('true');
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-display-picker-windows.png') });
    await picker.getByTestId('display-share').click();
    await picker.waitFor({ state: 'detached' });
    expect((await choices()).at(-1)).toMatchObject({ sourceId: 'window:303:0', audio: false });
    await waitFor('the screen source is live', async () => (await status()) === 'live', 15_000);
    expect(await page.getByTestId('source-reason-Screen').count()).toBe(0);
  });

  it('Capture again while live, then cancel: the running capture goes on; a double-click shares at once, with sound when ticked', async () => {
    // Every status the source's row shows from the click on: never anything but live.
    await page.getByTestId('source-Screen').evaluate((row) => {
      const seen: string[] = [];
      (window as unknown as { __seen: string[] }).__seen = seen;
      new MutationObserver(() => seen.push(row.getAttribute('data-status') ?? '')).observe(row, { attributes: true, attributeFilter: ['data-status'] });
    });
    await page.getByTestId('capture-Screen').click();
    await page.getByTestId('display-picker').waitFor();
    await page.waitForTimeout(500);
    await page.getByTestId('display-cancel').click();
    await page.getByTestId('display-picker').waitFor({ state: 'detached' });
    const frames = await programFrames();
    await page.waitForTimeout(1000);
    expect(await status()).toBe('live');
    expect(await page.evaluate(() => (window as unknown as { __seen: string[] }).__seen)).toEqual([]);
    expect(await page.getByTestId('source-reason-Screen').count()).toBe(0);
    expect(await programFrames()).toBeGreaterThan(frames + 5);

    await page.getByTestId('capture-Screen').click();
    await page.getByTestId('display-audio').check();
    await page.getByTestId('display-source').nth(1).dblclick();
    await page.getByTestId('display-picker').waitFor({ state: 'detached' });
    expect((await choices()).at(-1)).toMatchObject({ sourceId: 'screen:1:0', audio: true });
    await waitFor('live on the new choice', async () => (await status()) === 'live', 15_000);
  });

  it('a second request while the picker is open cancels the first, and only the open one is answered', async () => {
    const before = (await choices()).length;
    const first = page.evaluate(() => (window as unknown as { __offer(): Promise<DisplayChoice> }).__offer());
    await page.getByTestId('display-picker').waitFor();
    const second = page.evaluate(() => (window as unknown as { __offer(): Promise<DisplayChoice> }).__offer());
    await waitFor('the first is cancelled', async () => (await choices()).length === before + 1, 5000);
    expect((await first).sourceId).toBeNull();
    await page.getByTestId('display-share').click();
    expect((await second).sourceId).toBe('screen:0:0');
    expect((await choices()).slice(before).map((c) => c.sourceId)).toEqual([null, 'screen:0:0']);
    expect(await page.getByTestId('display-picker').count()).toBe(0);
  });
});
