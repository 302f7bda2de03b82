// The studio's screen source on a Wayland desktop: sway (headless backend), PipeWire and
// xdg-desktop-portal-wlr in one session of an unprivileged user, and the studio page in Chromium on
// Wayland, which captures through the ScreenCast portal and PipeWire (nothing of ours in between).
//
// Where it stops on this machine: Chromium reaches the portal and the portal starts a screen cast,
// then xdg-desktop-portal-wlr 0.7 (Debian 12) gives up with "unable to receive a valid format from
// wlr_screencopy": with screencopy version 3 it requires a DMA-BUF buffer format, which wlroots offers
// only with a GPU renderer, and a machine without a GPU runs sway on the pixman (software) renderer
// (no /dev/dri render node). The portal closes the session, Chromium ends the track after one empty
// frame, and the studio says the capture ended. This test proves the path up to that point and that
// the studio stays clear about it; where the portal delivers frames (a GPU, or xdpw 0.8), it goes on
// to the proof itself: the screen source live, on the program, at a WHEP viewer, moving.
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openStudio } from '../test-support/browser.js';
import { api, freePort, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';
import { startWaylandSession, type WaylandSession } from '../test-support/wayland.js';
import { startWhepViewer } from '../test-support/webrtc.js';

/** xdg-desktop-portal-wlr's words where a software-rendered compositor cannot hand it a DMA-BUF format. */
const NO_DMABUF = 'unable to receive a valid format from wlr_screencopy';

describe.skipIf(needs('chromium', 'wayland', 'root'))('a screen source on Wayland (sway, PipeWire, the ScreenCast portal)', () => {
  let host: HostProcess;
  let session: WaylandSession;
  let browser: Browser;
  let page: Page;
  const logs: string[] = [];

  beforeAll(async () => {
    host = await startHost();
    session = await startWaylandSession({ cdpPort: await freePort() });
    browser = await chromium.connectOverCDP(session.cdpUrl);
    page = await browser.contexts()[0]!.newPage();
    page.on('console', (m) => m.type() === 'error' && logs.push(m.text()));
    await page.goto(host.loginUrl);
    await page.getByTestId('page-dashboard').waitFor();
    await openStudio(page, host);
  }, 90_000);
  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await session?.stop();
    await stopHostCleanly(host);
  });

  it('captures the sway output through the portal, or says exactly where the portal stops', async () => {
    const res = await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Screen', settings: { kind: 'screen', surface: 'monitor', audio: false, frameRate: 30 } });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const scene = (await api(host, 'GET', '/api/v1/scenes')).json.scenes[0];
    expect((await api(host, 'PATCH', `/api/v1/scenes/${scene.id}`, { items: [{ sourceId: res.json.id, x: 0, y: 0, width: 640, height: 360 }] })).status).toBe(200);
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'wayland', ladder: 'passthrough' })).status).toBe(201);
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { stream: 'wayland', width: 640, height: 360, videoBitrateKbps: 1000 })).status).toBe(200);

    await page.getByTestId('capture-Screen').click();
    const outcome = await waitFor('the screen source is live, or says why not', async () => {
      const status = await page.getByTestId('source-Screen').getAttribute('data-status');
      if (status === 'live') {
        // One picture is not a capture: live means frames keep coming (the portal's failure shows one empty frame first).
        await page.waitForTimeout(1500);
        const again = await page.getByTestId('source-Screen').getAttribute('data-status');
        if (again === 'live') return { status: again, reason: '' };
      }
      const reason = (await page.getByTestId('source-reason-Screen').textContent().catch(() => null)) ?? '';
      return reason ? { status: status ?? '', reason } : null;
    }, 30_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: the row says "${await page.getByTestId('source-Screen').textContent()}" (${await page.getByTestId('source-Screen').getAttribute('data-status')}); page log: ${logs.join(' | ')}; xdpw: ${session.log('xdpw').slice(-1500)}`);
    });

    const xdpw = session.log('xdpw');
    // Chromium went to the ScreenCast portal (not an X11 grab), and the portal started a screen cast of sway's output.
    expect(xdpw, 'the portal was asked for a screen cast').toContain('dbus: start method invoked');
    expect(xdpw).toContain('output: HEADLESS-1');

    if (outcome.status !== 'live') {
      const stop = xdpw.split('\n').find((l) => l.includes(NO_DMABUF));
      console.log(`Wayland capture stops at the portal: ${stop?.trim() ?? '(no xdpw message)'}; the studio says: ${outcome.reason}`);
      // The one known stop (no DMA-BUF format without a GPU renderer); anything else fails here.
      expect(stop, `xdpw log:\n${xdpw.slice(-2000)}\nchromium log:\n${session.log('chromium').slice(-2000)}`).toBeDefined();
      expect(outcome.reason).toMatch(/screen capture ended|refused|could not/i);
      // The rest of the studio runs on: the page still composes (the scene is there, the page answers).
      expect(await page.getByTestId('studio-go-live').isEnabled()).toBe(true);
      return;
    }

    // The portal delivers frames: the moving desktop (this very page, whose program animates) goes live and plays.
    await page.getByTestId('studio-go-live').click();
    await waitFor('the stream is live', async () => (await api(host, 'GET', '/api/v1/streams/wayland')).json.state === 'live', 30_000);
    const viewers = await launchChromium();
    try {
      const viewer = await viewers.newPage();
      await viewer.goto(`${host.url}/healthz`);
      expect((await startWhepViewer(viewer, `${host.url}/live/wayland/whep`)).status).toBe(201);
      const hashes = new Set<string>();
      const end = Date.now() + 5000;
      while (Date.now() < end) {
        const h = await viewer.evaluate(() => {
          const v = document.querySelector('video') as HTMLVideoElement;
          if (!v?.videoWidth) return null;
          const c = Object.assign(document.createElement('canvas'), { width: 64, height: 36 });
          const g = c.getContext('2d', { willReadFrequently: true })!;
          g.drawImage(v, 0, 0, 64, 36);
          return Array.from(g.getImageData(0, 0, 64, 36).data.filter((_, i) => i % 16 === 0)).join(',');
        });
        if (h) hashes.add(h);
        await viewer.waitForTimeout(200);
      }
      expect(hashes.size, 'distinct pictures of the Wayland screen at the viewer').toBeGreaterThan(3);
    } finally {
      await viewers.close();
    }
  }, 120_000);
});
