// Remote desktop with real peers: the host creates an Xvfb display, xev runs in it, Chromium pairs on
// /remote and decodes the capture; clicks and keys land in that display (seen by xev and xdotool),
// a view-only session's input is refused, a killed viewer's held key is released, and ending the
// session from the host closes the viewer within a second.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { pidsMatching, stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { pairViewer as pair, remoteState, xevEvents } from '../test-support/remote.js';
import { nodeViewer } from '../test-support/webrtc.js';
import { waitFor } from '../test-support/wait.js';

const W = 640;
const H = 360;

describe.skipIf(needs('xvfb', 'chromium', 'xev', 'xdotool'))('remote desktop on a virtual display', () => {
  let host: HostProcess;
  let browser: Browser;
  let xev: ChildProcess | undefined;
  let xevOut = '';
  let display = { id: '', name: '' };

  beforeAll(async () => {
    host = await startHost();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    xev?.kill('SIGTERM');
    await browser?.close();
    await stopHostCleanly(host);
  });

  it('refuses bad display sizes and unknown ids with stable codes', async () => {
    const odd = await api(host, 'POST', '/api/v1/displays', { width: 641, height: 360 });
    expect(odd.status).toBe(400);
    expect(odd.json.error.code).toBe('VALIDATION_FAILED');
    const tiny = await api(host, 'POST', '/api/v1/displays', { width: 10, height: 10 });
    expect(tiny.status).toBe(400);
    const gone = await api(host, 'DELETE', '/api/v1/displays/vd-999');
    expect(gone.status).toBe(404);
    const noDisplay = await api(host, 'POST', '/api/v1/remote/sessions', { displayId: 'vd-999', permission: 'control' });
    expect(noDisplay.status).toBe(404);
    const badPermission = await api(host, 'POST', '/api/v1/remote/sessions', { displayId: 'vd-1', permission: 'admin' });
    expect(badPermission.status).toBe(400);
    expect((await api(host, 'GET', '/api/v1/remote/sessions')).json).toEqual([]);
  });

  it('creates a virtual display of the chosen size and lists it', async () => {
    const created = await api(host, 'POST', '/api/v1/displays', { width: W, height: H, refreshHz: 30 });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ width: W, height: H, virtual: true, state: 'running' });
    expect(created.json.name).toMatch(/^:\d+$/);
    display = created.json as typeof display;
    const list = await api(host, 'GET', '/api/v1/displays');
    expect(list.json.map((d: { id: string }) => d.id)).toContain(display.id);
    // An X client inside the new display: xev reports every pointer and key event it receives, and its
    // own window's MapNotify (structure events), from which on input reaches it.
    xev = spawn('xev', ['-display', display.name, '-geometry', `${W}x${H}+0+0`, '-event', 'structure', '-event', 'mouse', '-event', 'keyboard'], { stdio: ['ignore', 'pipe', 'pipe'] });
    xev.stdout!.on('data', (d: Buffer) => (xevOut += d.toString()));
    await waitFor('xev to map its window', () => /^MapNotify event/m.test(xevOut), 10_000);
  });

  it('refuses wrong pairing codes and missing tokens', async () => {
    const wrong = await fetch(`${host.url}/remote/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: '000000x' }) });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('PAIRING_CODE_INVALID');
    const noToken = await fetch(`${host.url}/remote/viewers`, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: 'v=0\r\n' });
    expect(noToken.status).toBe(401);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('REMOTE_TOKEN_INVALID');
    const audit = await api(host, 'GET', '/api/v1/audit?action=remote.viewer&limit=5');
    expect(audit.json.entries[0]).toMatchObject({ action: 'remote.viewer', result: 'denied', detail: 'REMOTE_TOKEN_INVALID', ip: expect.stringContaining('127.0.0.1') });
  });

  let control = { id: '', pairingCode: '' };
  let viewer: Page;

  it('pairs a viewer that decodes the display at its size; clicks and keys land in that display', async () => {
    const session = await api(host, 'POST', '/api/v1/remote/sessions', { displayId: display.id, permission: 'control' });
    expect(session.status, session.text).toBe(201);
    expect(session.json.pairingCode).toMatch(/^\d{6}$/);
    control = session.json as typeof control;
    viewer = await pair(browser, host, control.pairingCode);
    const state = await remoteState(viewer);
    expect([state.videoWidth, state.videoHeight]).toEqual([W, H]);

    await viewer.mouse.click(200, 100);
    await waitFor('xev to see the click at 200,100', () => xevEvents(xevOut).includes('ButtonPress:200,100'), 20_000).catch((error: Error) => {
      throw new Error(`${error.message}; xev saw ${xevEvents(xevOut).join(' ')}; ${xevOut.slice(-600)}`);
    });
    const where = spawnSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display.name }, encoding: 'utf8' }).stdout;
    expect(where).toMatch(/x:200 y:100/);

    await viewer.keyboard.press('KeyA');
    await viewer.keyboard.down('Shift');
    await viewer.keyboard.press('KeyB');
    await viewer.keyboard.up('Shift');
    await waitFor('xev to see Shift+B', () => xevEvents(xevOut).includes('KeyRelease:Shift_L'), 10_000);
    const keys = xevEvents(xevOut).filter((e) => e.startsWith('Key'));
    expect(keys).toEqual(['KeyPress:a', 'KeyRelease:a', 'KeyPress:Shift_L', 'KeyPress:B', 'KeyRelease:B', 'KeyRelease:Shift_L']);

    await viewer.fill('#text', 'hi');
    await viewer.click('#send');
    await waitFor('xev to see the typed text', () => xevEvents(xevOut).join(' ').includes('KeyPress:h KeyRelease:h KeyPress:i KeyRelease:i'), 10_000);
    const sessions = await api(host, 'GET', '/api/v1/remote/sessions');
    expect(sessions.json[0].viewers).toHaveLength(1);
    expect(sessions.json[0].viewers[0].connected).toBe(true);
  });

  it('a remote-view JWT for the session pairs without the code (the link /remote?session=&jwt= does it in the page); others are refused', async () => {
    const jwt = async (streams: string[], action = 'remote'): Promise<string> => (await api(host, 'POST', '/api/v1/jwt', { action, streams, expiresInSec: 60 })).json.token;
    const pair = (body: unknown): Promise<Response> => fetch(`${host.url}/remote/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const good = await pair({ jwt: await jwt([control.id]), session: control.id });
    expect(good.status).toBe(200);
    expect(((await good.json()) as any)).toMatchObject({ sessionId: control.id, permission: 'control', token: expect.any(String) });
    const otherSession = await pair({ jwt: await jwt(['someothersession']), session: control.id });
    expect([otherSession.status, ((await otherSession.json()) as any).error.code]).toEqual([401, 'JWT_INVALID']);
    const playJwt = await pair({ jwt: await jwt(['demo'], 'read'), session: 'demo' });
    expect(playJwt.status).toBe(401);
    // The page pairs from its link by itself and plays.
    const page = await browser.newPage();
    try {
      await page.goto(`${host.url}/remote?session=${control.id}&jwt=${await jwt([control.id])}`);
      await page.waitForFunction(() => ((window as any).remote?.frames ?? 0) > 5, undefined, { timeout: 20_000 });
      expect(page.url()).toBe(`${host.url}/remote`);
    } finally {
      await page.close();
    }
  }, 40_000);

  it('sends VP8 (realtime) to a viewer without H.264, beside the H.264 viewer (libwebrtc in Node)', async () => {
    const paired = await fetch(`${host.url}/remote/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: control.pairingCode }) });
    const { token } = (await paired.json()) as { token: string };
    const vp8 = await nodeViewer(`${host.url}/remote/viewers`, { headers: { authorization: `Bearer ${token}` }, dataChannel: true });
    try {
      expect(vp8.status).toBe(201);
      await waitFor('VP8 frames at the display size', () => vp8.frames() > 5 && vp8.width() === W && vp8.height() === H, 20_000);
      expect(pidsMatching('libvpx -deadline').length).toBe(1);
      // The Chromium viewer goes on decoding H.264 meanwhile.
      const before = (await remoteState(viewer)).frames;
      await waitFor('H.264 frames still decoding', async () => (await remoteState(viewer)).frames > before + 10, 10_000);
    } finally {
      vp8.close();
    }
    await waitFor('the VP8 capture to stop with its last viewer', () => pidsMatching('libvpx -deadline').length === 0, 15_000);
  });

  it("refuses a view-only session's input: nothing reaches the display", async () => {
    const session = await api(host, 'POST', '/api/v1/remote/sessions', { displayId: display.id, permission: 'view' });
    const page = await pair(browser, host, session.json.pairingCode);
    const before = xevEvents(xevOut).length;
    // Five messages in order on one channel (the click's move, down and up on the picture, above the
    // button bar; the key's down and up): five refusals.
    await page.mouse.click(400, 150);
    await page.keyboard.press('KeyZ');
    await waitFor('five refusals', async () => (await remoteState(page)).errors.filter((e) => e.startsWith('FORBIDDEN')).length >= 5, 10_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify((await remoteState(page)).errors)}`);
    });
    // A key from the control viewer after them, through the same injection path: once xev sees it,
    // anything the view-only page had got through would have arrived before it.
    await viewer.keyboard.press('KeyM');
    await waitFor('xev to see the control viewer key', () => xevEvents(xevOut).includes('KeyRelease:m'), 10_000);
    expect(xevEvents(xevOut).slice(before)).toEqual(['KeyPress:m', 'KeyRelease:m']);
    await page.close();
    await api(host, 'DELETE', `/api/v1/remote/sessions/${session.json.id as string}`);
  });

  it('releases the keys a killed viewer was holding', async () => {
    await viewer.keyboard.down('Control');
    await waitFor('Control pressed in the display', () => xevEvents(xevOut).at(-1) === 'KeyPress:Control_L', 10_000);
    await viewer.context().close();
    await waitFor('Control released after the viewer vanished', () => xevEvents(xevOut).at(-1) === 'KeyRelease:Control_L', 15_000);
    await waitFor('the viewer to leave the session', async () => (await api(host, 'GET', '/api/v1/remote/sessions')).json[0]?.viewers.length === 0, 10_000);
  });

  it('ends a session from the host: the viewer closes within 1 s', async () => {
    const page = await pair(browser, host, control.pairingCode);
    const asked = Date.now();
    const ended = await api(host, 'DELETE', `/api/v1/remote/sessions/${control.id}`);
    expect(ended.json).toEqual({ id: control.id, ended: true });
    const endedAt = await waitFor('the viewer to close', async () => (await remoteState(page)).endedAt ?? undefined, 5000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await remoteState(page))} ${host.stdout().slice(-3000)}`);
    });
    expect(endedAt - asked).toBeLessThan(1000);
    expect((await api(host, 'GET', '/api/v1/remote/sessions')).json).toEqual([]);
    const reuse = await fetch(`${host.url}/remote/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: control.pairingCode }) });
    expect(reuse.status).toBe(401);
    // The audit log has the viewer that joined and the session's end.
    const audit = (await api(host, 'GET', '/api/v1/audit?action=remote.&limit=50')).json.entries as { action: string; target: string | null; result: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ action: 'remote.ended', target: control.id, result: 'ok' }));
    expect(audit).toContainEqual(expect.objectContaining({ action: 'remote.viewer', target: control.id, result: 'ok' }));
  });

  it('deletes the virtual display and its Xvfb', async () => {
    xev?.kill('SIGTERM');
    const deleted = await api(host, 'DELETE', `/api/v1/displays/${display.id}`);
    expect(deleted.json).toEqual({ id: display.id, deleted: true });
    expect((await api(host, 'GET', '/api/v1/displays')).json.map((d: { id: string }) => d.id)).not.toContain(display.id);
    const check = spawnSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display.name }, encoding: 'utf8' });
    expect(check.status).not.toBe(0);
  });
});
