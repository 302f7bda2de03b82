// Remote desktop of a wlroots desktop: sway on its headless backend (software rendering), run as an
// unprivileged user with no portal and no PipeWire, and a Wayland client (Chromium in kiosk mode) whose
// page changes colour every frame and records the clicks, keys and wheel turns it gets. The host runs
// with that desktop's environment (runtime dir, Wayland socket), as a host started in the desktop
// would: it lists the output, captures it with wlr-screencopy through the native addon (no x11grab,
// no XWayland: sway here has none) and injects input through the wlroots virtual pointer and the
// virtual keyboard. A viewer in Chromium (outside that desktop) pairs, watches the picture change, and
// clicks, scrolls and types into the client; the compositor killed mid-session shows the viewer why,
// and the picture comes back when it is started again.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, cleanEnv, freePort, startHost, type HostProcess } from '../test-support/host-process.js';
import { ffprobe, stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { connectWaylandClient, expectChangingPicture, pairViewer, remoteState, WAYLAND_CLIENT_PAGE } from '../test-support/remote.js';
import { waitFor } from '../test-support/wait.js';
import { startSwaySession, type SwaySession } from '../test-support/wayland.js';

const ARTIFACTS = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'e2e', 'artifacts');
const W = 1280;
const H = 720;

type Got = { clicks: number[][]; keys: string[]; wheels: number[]; frame: number };
const got = (page: Page): Promise<Got> => page.evaluate(() => (window as unknown as { got: Got }).got);

describe.skipIf(needs('chromium', 'sway', 'root'))('remote desktop of a wlroots desktop (sway: screencopy, virtual pointer and keyboard)', () => {
  let desktop: SwaySession;
  let client: Browser;
  let clientPage: Page;
  let host: HostProcess;
  let viewers: Browser;
  let viewer: Page;
  let displayId = '';

  beforeAll(async () => {
    desktop = await startSwaySession({ width: W, height: H, clientUrl: WAYLAND_CLIENT_PAGE, cdpPort: await freePort() });
    ({ client, page: clientPage } = await connectWaylandClient(desktop.cdpUrl!));
    // The host's environment is the desktop's (a host started there has it); no X display, no session bus.
    const env: NodeJS.ProcessEnv = { ...cleanEnv(), XDG_RUNTIME_DIR: desktop.env.XDG_RUNTIME_DIR, WAYLAND_DISPLAY: desktop.env.WAYLAND_DISPLAY };
    delete env.DISPLAY;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    host = await startHost({ env });
    viewers = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await viewers?.close();
    await client?.close().catch(() => undefined);
    if (host) await stopHostCleanly(host);
    await desktop?.stop();
  });

  it("lists sway's output as a Wayland display", async () => {
    const list = await api(host, 'GET', '/api/v1/displays');
    expect(list.status, list.text).toBe(200);
    const wayland = (list.json as { id: string; name: string; kind: string }[]).filter((d) => d.kind === 'wayland');
    expect(wayland, `displays: ${list.text}; host log: ${host.stdout().slice(-1500)}`).toHaveLength(1);
    expect(wayland[0]).toMatchObject({ name: 'wayland-1/HEADLESS-1', width: W, height: H, refreshHz: 60, virtual: false, state: 'running' });
    expect(wayland[0]!.id).toBe('wl-wayland-1-HEADLESS-1');
    displayId = wayland[0]!.id;
    const info = await api(host, 'GET', '/api/v1/system');
    expect((info.json.capture as { native: { features: string[] }; wayland: string | null }).native.features).toContain('wlroots');
    expect((info.json.capture as { wayland: string | null }).wayland).toBeNull();
  });

  it('a viewer sees the client change every frame, and clicks, scrolls and types into it', async () => {
    const session = await api(host, 'POST', '/api/v1/remote/sessions', { displayId, permission: 'control' });
    expect(session.status, session.text).toBe(201);
    viewer = await pairViewer(viewers, host, session.json.pairingCode);
    const state = await remoteState(viewer);
    expect([state.videoWidth, state.videoHeight]).toEqual([W, H]);
    await expectChangingPicture(viewer);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'remote-sway-viewer.png') });

    // The viewer's window is 640x360 and shows the 1280x720 output: (200, 100) is (400, 200) there.
    await viewer.mouse.click(200, 100);
    await waitFor('the client to get the click', async () => (await got(clientPage)).clicks.length > 0, 10_000).catch(async (e: Error) => {
      throw new Error(e.message + JSON.stringify(await got(clientPage)) + host.stdout().slice(-1500));
    });
    const clicks = (await got(clientPage)).clicks;
    expect(clicks[0]![0]).toBeCloseTo(400, -1);
    expect(clicks[0]![1]).toBeCloseTo(200, -1);
    expect(clicks[0]![2]).toBe(0);
    await viewer.mouse.click(300, 150, { button: 'right' });
    await waitFor('the right click', async () => (await got(clientPage)).clicks.length > 1, 10_000);
    expect((await got(clientPage)).clicks[1]![2]).toBe(2);
    expect((await got(clientPage)).clicks[1]![0]).toBeCloseTo(600, -1);

    await viewer.mouse.wheel(0, 120);
    await waitFor('the wheel turn', async () => (await got(clientPage)).wheels.length > 0, 10_000);
    expect((await got(clientPage)).wheels[0]).toBe(1);

    await viewer.keyboard.press('KeyA');
    await viewer.keyboard.down('Shift');
    await viewer.keyboard.press('KeyB');
    await viewer.keyboard.up('Shift');
    // Typed text goes by symbol, found in the virtual keyboard's US keymap ('!' is Shift+1 there); 'é'
    // is not in it and is skipped, the rest still goes.
    await viewer.fill('#text', 'hié!');
    await viewer.click('#send');
    await waitFor('the client to get the keys and the text', async () => (await got(clientPage)).keys.join(' ').includes('!'), 10_000).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify((await got(clientPage)).keys)}; host log: ${host.stdout().slice(-2000)}`);
    });
    expect((await got(clientPage)).keys.filter((k) => k !== 'Shift')).toEqual(['a', 'B', 'h', 'i', '!']);
  });

  it('broadcasts a region of the output into a stream (the pointer in the picture); a window is refused clearly', async () => {
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'sway-desk', ladder: 'passthrough' })).status).toBe(201);
    const window = await api(host, 'POST', '/api/v1/broadcasts', { displayId, stream: 'sway-desk', windowId: 5 });
    expect([window.status, window.json.error?.code], window.text).toEqual([501, 'NOT_IMPLEMENTED_ON_OS']);
    const created = await api(host, 'POST', '/api/v1/broadcasts', { displayId, stream: 'sway-desk', region: { x: 320, y: 180, width: 640, height: 360 }, fps: 15 });
    expect(created.status, created.text).toBe(201);
    await waitFor('the broadcast to go live', async () => ((await api(host, 'GET', '/api/v1/broadcasts')).json as { id: string; state: string }[]).some((b) => b.id === created.json.id && b.state === 'live'), 20_000);
    await waitFor('two HLS segments', async () => (await (await fetch(`${host.url}/live/sway-desk/v0.m3u8`)).text()).split('#EXTINF').length > 2, 30_000);
    const probe = ffprobe(`${host.url}/live/sway-desk/index.m3u8`);
    expect(probe.error).toBeUndefined();
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect((await api(host, 'DELETE', `/api/v1/broadcasts/${created.json.id as string}`)).status).toBe(200);
  });

  it('the compositor gone mid-session: the viewer is told why, and the picture comes back with it', async () => {
    desktop.stopCompositor();
    await waitFor('the viewer to hear the capture was lost', async () => (await remoteState(viewer)).capture === 'lost', 15_000);
    const lost = await remoteState(viewer);
    expect(lost.errors.some((e) => e.startsWith('CAPTURE_FAILED: ')), lost.errors.join('; ')).toBe(true);
    expect(await viewer.textContent('#banner')).toContain('The host stopped capturing this display');
    desktop.startCompositor();
    await waitFor('the capture to come back', async () => (await remoteState(viewer)).capture === 'running', 30_000);
    const before = (await remoteState(viewer)).frames;
    await waitFor('new frames at the viewer', async () => (await remoteState(viewer)).frames > before + 20, 20_000);
    expect(await viewer.isVisible('#banner')).toBe(false);
  });
});
