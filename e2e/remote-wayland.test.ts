// Remote desktop of a Wayland desktop: GNOME's mutter (headless, a virtual monitor, software
// rendering), PipeWire and WirePlumber in one session of an unprivileged user, and a Wayland client
// (Chromium in kiosk mode) whose page changes colour every frame and records the clicks and keys it
// gets. The host runs with that desktop's environment (session bus, runtime dir, Wayland socket), as a
// host started in the desktop would: it lists the monitor, captures it through mutter's screen cast and
// the native PipeWire addon (no x11grab, no XWayland), and injects input through mutter's remote-desktop
// interface. A viewer in Chromium (outside that desktop) pairs, watches the picture change, and clicks
// and types into the client; PipeWire killed mid-session shows the viewer why, and the picture comes back.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, freePort, startHost, type HostProcess } from '../test-support/host-process.js';
import { ffprobe, stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { connectWaylandClient, expectChangingPicture, pairViewer, remoteState, WAYLAND_CLIENT_PAGE as CLIENT_PAGE } from '../test-support/remote.js';
import { waitFor } from '../test-support/wait.js';
import { startMutterSession, type MutterSession } from '../test-support/wayland.js';

const ARTIFACTS = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'e2e', 'artifacts');
const W = 1280;
const H = 720;

describe.skipIf(needs('chromium', 'mutter', 'root'))('remote desktop of a Wayland desktop (mutter, PipeWire, native capture)', () => {
  let desktop: MutterSession;
  let client: Browser;
  let clientPage: Page;
  let host: HostProcess;
  let viewers: Browser;
  let viewer: Page;
  let displayId = '';

  beforeAll(async () => {
    desktop = await startMutterSession({ width: W, height: H, clientUrl: CLIENT_PAGE, cdpPort: await freePort() });
    ({ client, page: clientPage } = await connectWaylandClient(desktop.cdpUrl!));
    // The host's environment is the desktop's (a host started there has it); no X display.
    const env: NodeJS.ProcessEnv = { ...cleanEnv(), ...desktop.env };
    delete env.DISPLAY;
    host = await startHost({ env });
    viewers = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await viewers?.close();
    await client?.close().catch(() => undefined);
    if (host) await stopHostCleanly(host);
    await desktop?.stop();
  });

  it("lists the desktop's monitor as a Wayland display", async () => {
    const list = await api(host, 'GET', '/api/v1/displays');
    expect(list.status, list.text).toBe(200);
    const wayland = (list.json as { id: string; name: string; kind: string; width: number; height: number; virtual: boolean }[]).filter((d) => d.kind === 'wayland');
    expect(wayland, `displays: ${list.text}; host log: ${host.stdout().slice(-1500)}`).toHaveLength(1);
    expect(wayland[0]).toMatchObject({ name: 'wayland-0/Meta-0', width: W, height: H, virtual: false, state: 'running' });
    expect(wayland[0]!.id).toBe('wl-wayland-0-Meta-0');
    displayId = wayland[0]!.id;
  });

  it("the Remote page lists the monitor as a Wayland monitor and shares it", async () => {
    const ui = await studioPage(viewers, host);
    await ui.getByTestId('nav-remote').click();
    const row = ui.getByTestId(`display-${displayId}`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Wayland monitor');
    expect(await row.textContent()).toContain('1280×720 @ 60 Hz');
    await ui.getByTestId(`share-${displayId}`).click();
    await expect.poll(() => ui.getByTestId('pairing-code').textContent(), { timeout: 10_000 }).toMatch(/^\d{6}$/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await ui.screenshot({ path: path.join(ARTIFACTS, 'remote-page-wayland.png') });
    // That session is not the one the next tests use: end it.
    for (const s of (await api(host, 'GET', '/api/v1/remote/sessions')).json as { id: string }[]) await api(host, 'DELETE', `/api/v1/remote/sessions/${s.id}`);
    await ui.close();
  });

  it('a viewer sees the client change every frame and clicks and types into it', async () => {
    const session = await api(host, 'POST', '/api/v1/remote/sessions', { displayId, permission: 'control' });
    expect(session.status, session.text).toBe(201);
    viewer = await pairViewer(viewers, host, session.json.pairingCode);
    const state = await remoteState(viewer);
    expect([state.videoWidth, state.videoHeight]).toEqual([W, H]);
    await expectChangingPicture(viewer);

    // The viewer's window is 640x360 and shows the 1280x720 monitor: (200, 100) is (400, 200) there.
    await viewer.mouse.click(200, 100);
    await waitFor('the client to get the click', async () => (await clientPage.evaluate(() => (window as unknown as { got: { clicks: number[][] } }).got.clicks.length)) > 0, 10_000).catch(async (e: Error) => {
      throw new Error(e.message + JSON.stringify(await clientPage.evaluate(() => (window as unknown as { got: unknown }).got)));
    });
    const clicks = await clientPage.evaluate(() => (window as unknown as { got: { clicks: number[][] } }).got.clicks);
    expect(clicks[0]![0]).toBeCloseTo(400, -1);
    expect(clicks[0]![1]).toBeCloseTo(200, -1);
    expect(clicks[0]![2]).toBe(0);
    await viewer.mouse.click(300, 150, { button: 'right' });
    await waitFor('the right click', async () => (await clientPage.evaluate(() => (window as unknown as { got: { clicks: number[][] } }).got.clicks.length)) > 1, 10_000);
    expect((await clientPage.evaluate(() => (window as unknown as { got: { clicks: number[][] } }).got.clicks))[1]![2]).toBe(2);

    await viewer.keyboard.press('KeyA');
    await viewer.keyboard.down('Shift');
    await viewer.keyboard.press('KeyB');
    await viewer.keyboard.up('Shift');
    // Typed text goes by symbol; mutter 43 types only symbols of the desktop's keyboard layout (US here).
    await viewer.fill('#text', 'hi!');
    await viewer.click('#send');
    await waitFor('the client to get the keys and the text', async () => (await clientPage.evaluate(() => (window as unknown as { got: { keys: string[] } }).got.keys.join(' '))).includes('!'), 10_000);
    const keys = (await clientPage.evaluate(() => (window as unknown as { got: { keys: string[] } }).got.keys)).filter((k) => k !== 'Shift');
    expect(keys).toEqual(['a', 'B', 'h', 'i', '!']);
  });

  it("draws the desktop's pointer from the screen cast's metadata: at the host's position for a view-only viewer, as the own pointer's image for a control viewer", async () => {
    // The last click left the pointer at (600, 300) of the monitor.
    const session = await api(host, 'POST', '/api/v1/remote/sessions', { displayId, permission: 'view' });
    expect(session.status, session.text).toBe(201);
    const watcher = await pairViewer(viewers, host, session.json.pairingCode);
    await waitFor('the pointer image and position at the view-only viewer', async () => {
      const s = (await remoteState(watcher)) as unknown as { cursor: { x: number } | null; cursorShape: object | null };
      return s.cursor !== null && s.cursorShape !== null;
    }, 30_000);
    const s = (await remoteState(watcher)) as unknown as { cursor: { visible: boolean; x: number; y: number }; cursorShape: { width: number; height: number; hotX: number; hotY: number } };
    expect(s.cursor.visible).toBe(true);
    expect(s.cursor.x).toBeCloseTo(600 / W, 2);
    expect(s.cursor.y).toBeCloseTo(300 / H, 2);
    expect(s.cursorShape.width).toBeGreaterThan(8);
    // Drawn where the host's pointer is: the 640x360 window shows the monitor at half size.
    await waitFor('the pointer image to load', () => watcher.evaluate(() => (document.getElementById('cursor') as HTMLImageElement).naturalWidth > 0), 5000);
    const drawn = await watcher.evaluate(() => {
      const el = document.getElementById('cursor') as HTMLImageElement;
      return { display: el.style.display, left: parseFloat(el.style.left), top: parseFloat(el.style.top), loaded: el.naturalWidth };
    });
    expect(drawn.display).toBe('block');
    expect(drawn.left + s.cursorShape.hotX).toBeCloseTo(300, -1);
    expect(drawn.top + s.cursorShape.hotY).toBeCloseTo(150, -1);
    expect(drawn.loaded).toBe(s.cursorShape.width);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await watcher.screenshot({ path: path.join(ARTIFACTS, 'remote-wayland-view-only.png') });
    // The control viewer's own pointer wears the host's image.
    expect(await viewer.evaluate(() => (document.getElementById('video') as HTMLVideoElement).style.cursor)).toMatch(/^url\("?data:image\/png/);
    // The pointer moved by the control viewer moves at the watcher.
    await viewer.mouse.move(100, 50);
    await waitFor('the watcher to see the pointer move', async () => {
      const c = ((await remoteState(watcher)) as unknown as { cursor: { x: number } }).cursor;
      return Math.abs(c.x - 200 / W) < 0.01;
    }, 30_000);
    await watcher.close();
  });

  it('broadcasts a region of the monitor into a stream (its own screen cast, the pointer in the picture); a window is refused clearly', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'wayland-desk', ladder: 'passthrough' })).status).toBe(201);
    const window = await api(host, 'POST', '/api/v1/broadcasts', { displayId, stream: 'wayland-desk', windowId: 5 });
    expect([window.status, window.json.error?.code], window.text).toEqual([501, 'NOT_IMPLEMENTED_ON_OS']);
    const created = await api(host, 'POST', '/api/v1/broadcasts', { displayId, stream: 'wayland-desk', region: { x: 320, y: 180, width: 640, height: 360 }, fps: 15 });
    expect(created.status, created.text).toBe(201);
    await waitFor('the broadcast to go live', async () => ((await api(host, 'GET', '/api/v1/broadcasts')).json as { id: string; state: string }[]).some((b) => b.id === created.json.id && b.state === 'live'), 20_000);
    await waitFor('two HLS segments', async () => (await (await fetch(`${host.url}/live/wayland-desk/v0.m3u8`)).text()).split('#EXTINF').length > 2, 30_000);
    const probe = ffprobe(`${host.url}/live/wayland-desk/index.m3u8`);
    expect(probe.error).toBeUndefined();
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect((await api(host, 'GET', '/api/v1/streams/wayland-desk')).json.live.publisher).toMatchObject({ protocol: 'capture', remoteAddress: 'display wayland-0/Meta-0' });
    const stopped = await api(host, 'DELETE', `/api/v1/broadcasts/${created.json.id as string}`);
    expect(stopped.status).toBe(200);
  });

  it('PipeWire gone mid-session: the viewer is told why, and the picture comes back with it', async () => {
    desktop.stopPipewire();
    await waitFor('the viewer to hear the capture was lost', async () => (await remoteState(viewer)).capture === 'lost', 15_000);
    const lost = await remoteState(viewer);
    expect(lost.errors.some((e) => e.startsWith('CAPTURE_FAILED: ')), lost.errors.join('; ')).toBe(true);
    expect(await viewer.textContent('#banner')).toContain('The host stopped capturing this display');
    desktop.startPipewire();
    await waitFor('the capture to come back', async () => (await remoteState(viewer)).capture === 'running', 30_000);
    const before = (await remoteState(viewer)).frames;
    await waitFor('new frames at the viewer', async () => (await remoteState(viewer)).frames > before + 20, 20_000);
    expect(await viewer.isVisible('#banner')).toBe(false);
  });
});

describe.skipIf(needs('chromium', 'xvfb'))('a Wayland desktop the host cannot capture', () => {
  let host: HostProcess;
  let browser: Browser;

  beforeAll(async () => {
    // A Wayland session whose bus answers nothing: no mutter, no portal.
    const env: NodeJS.ProcessEnv = { ...cleanEnv(), WAYLAND_DISPLAY: 'wayland-7', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    delete env.DISPLAY;
    host = await startHost({ env });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (host) await stopHostCleanly(host);
  });

  it('starts, lists no Wayland display, and says why in the system info and on the Remote page', async () => {
    const list = await api(host, 'GET', '/api/v1/displays');
    expect(list.status, list.text).toBe(200);
    expect((list.json as { kind: string }[]).filter((d) => d.kind === 'wayland')).toEqual([]);
    const info = await api(host, 'GET', '/api/v1/system');
    const capture = info.json.capture as { native: { features: string[]; reason: string | null }; wayland: string | null };
    expect(capture.native.features).toContain('pipewire');
    expect(capture.wayland).toMatch(/session bus|remote-desktop service/);
    const ui = await studioPage(browser, host);
    await ui.getByTestId('nav-remote').click();
    const note = ui.getByTestId('wayland-note');
    await note.waitFor();
    expect(await note.textContent()).toContain('cannot capture');
    // Virtual displays work as usual.
    const created = await api(host, 'POST', '/api/v1/displays', { width: 640, height: 360 });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ kind: 'x11', virtual: true });
  });
});
