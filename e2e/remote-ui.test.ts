// Remote desktop as the host and a viewer meet it: the Remote page creates a virtual display and shares
// it (pairing code shown), a viewer opens /remote, enters the code and sees the display (a moving test
// picture played in it), the host sees the viewer and ends the session, and the viewer is told. Then the
// page broadcasts the display into a stream (live, HLS) and stops it (the stream ends).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf } from '../test-support/media.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

// The broadcast test reuses the display (with ffplay's picture in it) that the first test makes.
describe.skipIf(needs('chromium', 'xvfb', 'ffplay'))('Remote page and viewer', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let picture: ChildProcess | undefined;
  let display: { id: string; name: string };

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    browser = await launchChromium();
    page = await studioPage(browser, host);
  });

  afterAll(async () => {
    picture?.kill('SIGTERM');
    if (picture) await exitOf(picture);
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  it('creates a virtual display, shares it, and a viewer pairs with the code and sees it', async () => {
    await page.getByTestId('nav-remote').click();
    await page.getByTestId('display-size').fill('640x360');
    await page.getByTestId('create-display').click();
    display = await expect
      .poll(async () => (await api(host, 'GET', '/api/v1/displays')).json.find((d: { virtual: boolean }) => d.virtual), { timeout: 15_000 })
      .toBeTruthy()
      .then(async () => (await api(host, 'GET', '/api/v1/displays')).json.find((d: { virtual: boolean }) => d.virtual) as { id: string; name: string });
    // Something to look at inside the display: a moving test picture.
    picture = spawn('ffplay', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-noborder', '-left', '0', '-top', '0', '-an'], {
      env: { ...process.env, DISPLAY: display.name, SDL_AUDIODRIVER: 'dummy' },
      stdio: 'ignore',
    });
    await page.getByTestId(`display-${display.id}`).waitFor();
    await page.getByTestId(`share-${display.id}`).click();
    const code = page.getByTestId('pairing-code');
    await expect.poll(() => code.textContent(), { timeout: 10_000 }).toMatch(/^\d{6}$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-page-session.png') });

    const viewer = await browser.newPage({ viewport: { width: 960, height: 540 } });
    await viewer.goto(`${host.url}/remote`);
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'remote-viewer-pairing.png') });
    await viewer.fill('#code', (await code.textContent())!);
    await viewer.click('#connect');
    const state = () => viewer.evaluate(() => (window as unknown as { remote: { phase: string; videoWidth?: number; fps: number } }).remote);
    await expect.poll(async () => (await state()).videoWidth, { timeout: 30_000 }).toBe(640);
    await expect.poll(async () => (await state()).fps, { timeout: 15_000 }).toBeGreaterThan(5);
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'remote-viewer-connected.png') });

    await expect.poll(() => page.getByTestId('remote-sessions').textContent(), { timeout: 10_000 }).toContain('connected');
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-page-viewer.png') });
    await page.getByRole('button', { name: 'End session' }).click();
    await expect.poll(async () => (await state()).phase, { timeout: 5000 }).toBe('ended');
    await expect.poll(() => viewer.locator('#banner').textContent()).toBe('Session ended by the host');
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'remote-viewer-ended.png') });
  });

  it('broadcasts the display into a stream from the page and stops it', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'desktop', ladder: 'passthrough' })).status).toBe(201);
    await page.getByTestId(`broadcast-display-${display.id}`).click();
    await page.getByTestId('broadcast-form').waitFor();
    await expect.poll(() => page.getByTestId('broadcast-stream').inputValue(), { timeout: 5000 }).toBe('desktop');
    // The test picture's window is offered beside the whole display.
    await expect.poll(() => page.getByTestId('broadcast-window').locator('option').count(), { timeout: 5000 }).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-page-broadcast-form.png') });
    await page.getByTestId('broadcast-start').click();
    const state = page.getByTestId('remote-broadcasts').getByTestId('broadcast-state');
    await expect.poll(() => state.getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    await expect.poll(async () => (await fetch(`${host.url}/live/desktop/index.m3u8`)).status, { timeout: 20_000 }).toBe(200);
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-page-broadcast.png'), fullPage: true });
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByTestId('remote-broadcasts').textContent(), { timeout: 5000 }).toContain('No broadcast');
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/streams/desktop')).json.state, { timeout: 5000 }).toBe('ended');
  });
});
