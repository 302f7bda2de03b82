// The RDP gateway with real peers: an RDP server on this machine (FreeRDP's shadow server, as the host
// runs it for an RDP access, on a virtual display where xev reports every event), the host's gateway
// signing in to it with xfreerdp in a virtual display of its own, and a Chromium viewer on /remote with
// the gateway's pairing code that sees the remote desktop and clicks and types into it. Then what
// goes wrong: a wrong password, a closed port, a certificate that is not the pinned one.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, freePort, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { pidsMatching } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { pairViewer, remoteState, xevEvents } from '../test-support/remote.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const W = 1280;
const H = 720;

describe.skipIf(needs('xvfb', 'xev', 'chromium', 'rdp-shadow', 'xfreerdp'))('RDP gateway: a browser viewer drives an RDP server through the host', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let server: { id: string; name: string };
  let access: { user: string; password: string; port: number; certificateSha256: string };
  let xev: ChildProcess;
  let xevOut = '';
  let gateway: { id: string; displayId: string; pairingCode: string; certificateSha256: string; sessionId: string };
  let viewer: Page;

  const gateways = async () => (await api(host, 'GET', '/api/v1/remote/gateways')).json as { id: string }[];
  const displayCount = async () => ((await api(host, 'GET', '/api/v1/displays')).json as unknown[]).length;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    // The RDP server: a virtual display with xev in it, let in by an RDP access of the host.
    server = (await api(host, 'POST', '/api/v1/displays', { width: W, height: H })).json as typeof server;
    xev = spawn('xev', ['-display', server.name, '-geometry', `${W}x${H}+0+0`, '-event', 'structure', '-event', 'mouse', '-event', 'keyboard'], { stdio: ['ignore', 'pipe', 'pipe'] });
    xev.stdout!.on('data', (d: Buffer) => (xevOut += d.toString()));
    await waitFor('xev to map its window', () => /^MapNotify event/m.test(xevOut), 10_000);
    const opened = await api(host, 'POST', '/api/v1/remote/rdp', { displayId: server.id });
    if (opened.status !== 201) throw new Error(`RDP access: ${opened.text}`);
    access = opened.json as typeof access;
    browser = await launchChromium();
    page = await studioPage(browser, host);
  }, 60_000);

  afterAll(async () => {
    xev?.kill('SIGTERM');
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
    expect(pidsMatching('xfreerdp /v:127.0.0.1')).toEqual([]);
  });

  it('the Remote page connects to the server; the certificate seen first is pinned', async () => {
    await page.getByTestId('nav-remote').click();
    await page.getByTestId('gateway-host').fill('127.0.0.1');
    await page.getByTestId('gateway-port').fill(String(access.port));
    await page.getByTestId('gateway-user').fill(access.user);
    await page.getByTestId('gateway-password').fill(access.password);
    await page.getByTestId('gateway-connect').click();
    const code = page.getByTestId('gateway-pairing-code');
    await expect.poll(() => code.count(), { timeout: 40_000 }).toBe(1);
    expect(await code.textContent()).toMatch(/^\d{6}$/);
    // The form forgot the password.
    expect(await page.getByTestId('gateway-password').inputValue()).toBe('');
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-gateway-connected.png') });
    const [listed] = (await api(host, 'GET', '/api/v1/remote/gateways')).json as (typeof gateway & { target: string; user: string })[];
    gateway = listed!;
    expect(listed).toMatchObject({ target: `127.0.0.1:${access.port}`, user: access.user, viewers: 0 });
    // What the gateway pinned is the certificate the host's own RDP server shows.
    expect(gateway.certificateSha256).toBe(access.certificateSha256);
    // The password is on no command line of the host's children.
    expect(pidsMatching(access.password)).toEqual([]);
    const session = ((await api(host, 'GET', '/api/v1/remote/sessions')).json as { id: string; displayId: string; permission: string }[]).find((s) => s.id === gateway.sessionId);
    expect(session).toMatchObject({ displayId: gateway.displayId, permission: 'control' });
  });

  it('a viewer with the pairing code sees the remote desktop and its clicks and keys reach the server', async () => {
    viewer = await pairViewer(browser, host, gateway.pairingCode, { width: W, height: H });
    const state = await remoteState(viewer);
    expect([state.videoWidth, state.videoHeight]).toEqual([W, H]);
    await viewer.mouse.click(300, 200);
    await waitFor('xev on the RDP server to see the click', () => xevEvents(xevOut).some((e) => e.startsWith('ButtonPress:')), 15_000).catch((error: Error) => {
      throw new Error(`${error.message}; xev saw ${xevEvents(xevOut).join(' ')}`);
    });
    const press = xevEvents(xevOut).find((e) => e.startsWith('ButtonPress:'))!;
    const [x, y] = press.slice('ButtonPress:'.length).split(',').map(Number);
    // The viewer's page is the display's size: the click lands where it was made (a pixel of rounding).
    expect(Math.abs(x! - 300)).toBeLessThanOrEqual(2);
    expect(Math.abs(y! - 200)).toBeLessThanOrEqual(2);
    await viewer.keyboard.type('rdp');
    await waitFor('xev on the RDP server to see the typed text', () => xevEvents(xevOut).filter((e) => e.startsWith('KeyPress:')).map((e) => e.slice(9)).join('').includes('rdp'), 15_000).catch((error: Error) => {
      throw new Error(`${error.message}; xev saw ${xevEvents(xevOut).join(' ')}`);
    });
    await viewer.screenshot({ path: path.join(ARTIFACTS, 'remote-gateway-viewer.png') });
    await expect.poll(async () => ((await api(host, 'GET', '/api/v1/remote/gateways')).json as { viewers: number }[])[0]?.viewers, { timeout: 10_000 }).toBe(1);
  });

  it('disconnecting ends the viewer\'s session and takes the virtual display and the RDP client away', async () => {
    const displaysBefore = await displayCount();
    expect((await api(host, 'DELETE', `/api/v1/remote/gateways/${gateway.id}`)).status).toBe(200);
    await expect.poll(async () => (await remoteState(viewer)).phase, { timeout: 10_000 }).toBe('ended');
    expect(await gateways()).toEqual([]);
    expect(await displayCount()).toBe(displaysBefore - 1);
    await expect.poll(() => pidsMatching('xfreerdp /v:127.0.0.1'), { timeout: 5000 }).toEqual([]);
    const audit = (await api(host, 'GET', '/api/v1/audit?action=remote.gateway.connect&limit=5')).json.entries;
    expect(audit[0]).toMatchObject({ result: 'ok', target: `127.0.0.1:${access.port}`, detail: `as ${access.user}` });
    await viewer.close();
  });

  it('a wrong password and a closed port are refused with their codes; nothing is left behind', async () => {
    const displaysBefore = await displayCount();
    const wrong = await api(host, 'POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: access.port, user: access.user, password: 'not-it' });
    expect(wrong.status, wrong.text).toBe(422);
    expect(wrong.json.error.code).toBe('RDP_AUTH_FAILED');
    const closed = await api(host, 'POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: await freePort(), user: 'x', password: 'y' });
    expect(closed.status, closed.text).toBe(502);
    expect(closed.json.error.code).toBe('RDP_UNREACHABLE');
    expect(await gateways()).toEqual([]);
    expect(await displayCount()).toBe(displaysBefore);
    expect(pidsMatching('xfreerdp /v:127.0.0.1')).toEqual([]);
    const failed = (await api(host, 'GET', '/api/v1/audit?action=remote.gateway.connect&limit=5')).json.entries.filter((e: { result: string }) => e.result === 'failed');
    expect(failed.map((e: { detail: string }) => e.detail).sort()).toEqual(['RDP_AUTH_FAILED', 'RDP_UNREACHABLE']);
    // Bad input is refused before anything starts.
    for (const body of [
      { host: 'a host', port: 3389, user: 'x', password: 'y' },
      { host: '127.0.0.1', port: 0, user: 'x', password: 'y' },
      { host: '127.0.0.1', user: 'x y', password: 'y' },
    ]) {
      const bad = await api(host, 'POST', '/api/v1/remote/gateways', body);
      expect(bad.status).toBe(400);
      expect(bad.json.error.code).toBe('VALIDATION_FAILED');
    }
    const fingerprint = await api(host, 'POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: access.port, user: access.user, password: access.password, certificateSha256: 'abc' });
    expect(fingerprint.status).toBe(400);
  });

  it('a certificate other than the pinned one is refused, with the one the server shows; pinning the right one gets in', async () => {
    const other = '00'.repeat(32);
    const refused = await api(host, 'POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: access.port, user: access.user, password: access.password, certificateSha256: other });
    expect(refused.status, refused.text).toBe(502);
    expect(refused.json.error.code).toBe('RDP_CERTIFICATE');
    expect(refused.json.error.message).toContain(access.certificateSha256);
    // Without a fingerprint, the wrong pin stays: still refused.
    expect((await api(host, 'POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: access.port, user: access.user, password: access.password })).json.error.code).toBe('RDP_CERTIFICATE');
    const pinned = await api(host, 'POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: access.port, user: access.user, password: access.password, certificateSha256: access.certificateSha256 });
    expect(pinned.status, pinned.text).toBe(201);
    expect(pinned.json.certificateSha256).toBe(access.certificateSha256);
    expect((await api(host, 'DELETE', `/api/v1/remote/gateways/${pinned.json.id}`)).status).toBe(200);
  });
});
