// RDP into the host, as a user at a Windows machine would meet it, with a real client (xfreerdp in an
// Xvfb of its own) against the real server the host runs (FreeRDP's shadow server): the Remote page
// opens an RDP access on a virtual display and shows the password once; the client signs in, sees what
// an X application paints there and clicks into it; a wrong password and an unknown user are refused
// and audited; closing the access disconnects the client and the password stops working.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, pidsMatching } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
const PAINTER = path.join(ROOT, 'bench', 'lib', 'x-painter.mjs');
const W = 1280;
const H = 720;
// The painter's layout on the host's display: a gray window, the clock strip, a click target.
const LAYOUT = {
  width: W,
  height: H,
  strip: { x: 56, y: 244, w: 1160, h: 232 },
  barcode: { bits: 12, x0: 64, y0: 252, blockW: 96, blockH: 216 },
  target: { x: 1100, y: 560, w: 120, h: 120 },
  periodMs: 20,
};
const GRAY = [0x40, 0x48, 0x58];

/** An Xvfb of its own for the RDP client; its display name. */
async function clientScreen(): Promise<{ display: string; xvfb: ChildProcess }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${W}x${H}x24`, '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Xvfb gave no display in 10 s')), 10_000);
    (xvfb.stdio[3] as NodeJS.ReadableStream).once('data', (d: Buffer) => (clearTimeout(timer), resolve(`:${d.toString().trim()}`)));
  });
  return { display, xvfb };
}

/** One frame of an X display as RGB bytes (ffmpeg's x11grab). */
function grab(display: string): Buffer {
  const out = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'x11grab', '-video_size', `${W}x${H}`, '-i', display, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: W * H * 4, timeout: 15_000 });
  return out.stdout;
}

const pixel = (frame: Buffer, x: number, y: number): number[] => [...frame.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)];
const near = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= 24);

function xfreerdp(display: string, port: number, user: string, password: string): ChildProcess & { log: () => string } {
  const child = spawn('xfreerdp', [`/v:127.0.0.1:${port}`, `/u:${user}`, `/p:${password}`, '/cert:ignore', `/size:${W}x${H}`, '-grab-keyboard', '/log-level:WARN'], {
    env: { ...process.env, DISPLAY: display },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  return Object.assign(child, { log: () => log });
}

describe.skipIf(needs('xvfb', 'xdotool', 'ffmpeg', 'chromium', 'rdp-shadow', 'xfreerdp'))('RDP into a virtual display (FreeRDP shadow server, xfreerdp)', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let display: { id: string; name: string };
  let painter: ChildProcess;
  let presses = '';
  let client: { display: string; xvfb: ChildProcess };
  let opened: { user: string; password: string; port: number; address: string };
  const clients: ChildProcess[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    display = (await api(host, 'POST', '/api/v1/displays', { width: W, height: H })).json as { id: string; name: string };
    painter = spawn(process.execPath, [PAINTER, JSON.stringify(LAYOUT)], { env: { ...process.env, DISPLAY: display.name }, stdio: ['pipe', 'pipe', 'pipe'] });
    painter.stdout!.on('data', (d: Buffer) => (presses += d.toString()));
    await waitFor('the painter on the display', () => presses.includes('ready'), 10_000);
    client = await clientScreen();
    browser = await launchChromium();
    page = await studioPage(browser, host);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.kill('SIGKILL');
    await Promise.all(clients.map((c) => exitOf(c)));
    painter?.kill('SIGTERM');
    client?.xvfb.kill('SIGTERM');
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  it('the Remote page opens an RDP access and shows its password once; the host keeps only the hash', async () => {
    await page.getByTestId('nav-remote').click();
    await page.getByTestId(`rdp-open-${display.id}`).click();
    const password = page.getByTestId('rdp-password');
    await password.waitFor({ timeout: 15_000 });
    const text = (await password.locator('code').textContent())!;
    expect(text).toMatch(/^([A-Za-z2-9]{5}-){3}[A-Za-z2-9]{5}$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-rdp-opened.png') });
    const access = (await api(host, 'GET', '/api/v1/remote/rdp')).json[0];
    expect(access).toMatchObject({ displayId: display.id, state: 'running', user: 'owner', connected: 0, signIns: 0, refused: 0 });
    expect(access.password).toBeUndefined();
    expect(access.certificateSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(access.address).toBe(`127.0.0.1:${access.port}`);
    opened = { ...access, password: text };
    // The SAM file: the NT hash, readable by the host's user only; the password in no file of the host.
    const rdpHome = path.join(host.home, 'rdp');
    expect(fs.statSync(rdpHome).mode & 0o777).toBe(0o700);
    const sam = path.join(rdpHome, `${display.id}.sam`);
    expect(fs.statSync(sam).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(sam, 'utf8')).toMatch(/^owner:::[0-9a-f]{32}:::\n$/);
    const grep = spawnSync('grep', ['-rlF', text, host.home]);
    expect(grep.stdout.toString()).toBe('');
    // Hiding it takes it off the page for good.
    await page.getByRole('button', { name: 'Hide' }).click();
    await expect.poll(() => page.getByTestId('rdp-password').count()).toBe(0);
    expect(await page.getByTestId(`rdp-${display.id}`).textContent()).toContain('owner');
  });

  it('xfreerdp signs in, shows what the display shows and clicks into it; the sign-in is counted and audited', async () => {
    const rdp = xfreerdp(client.display, opened.port, opened.user, opened.password);
    clients.push(rdp);
    // The painter's gray on the client's screen: the host's display came through.
    await expect
      .poll(() => near(pixel(grab(client.display), 20, 20), GRAY) || `${pixel(grab(client.display), 20, 20)} ${rdp.log()}`, { timeout: 30_000, interval: 500 })
      .toBe(true);
    spawnSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'x11grab', '-video_size', `${W}x${H}`, '-i', client.display, '-frames:v', '1', path.join(ARTIFACTS, 'remote-rdp-client.png')]);
    // A click on the client's screen reaches the X application on the host's display.
    const before = presses.split('\n').filter((l) => l.startsWith('press')).length;
    spawnSync('xdotool', ['mousemove', String(LAYOUT.target.x + 60), String(LAYOUT.target.y + 60), 'click', '1'], { env: { ...process.env, DISPLAY: client.display } });
    await expect.poll(() => presses.split('\n').filter((l) => l.startsWith('press')).length, { timeout: 10_000 }).toBeGreaterThan(before);
    // ...and its answer (the target turned white) comes back to the client.
    await expect.poll(() => near(pixel(grab(client.display), LAYOUT.target.x + 10, LAYOUT.target.y + 10), [255, 255, 255]), { timeout: 10_000, interval: 300 }).toBe(true);
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/remote/rdp')).json[0], { timeout: 5000 }).toMatchObject({ connected: 1, signIns: 1, refused: 0 });
    const audit = (await api(host, 'GET', '/api/v1/audit?action=remote.rdp.signIn&limit=10')).json.entries;
    expect(audit).toEqual([expect.objectContaining({ actor: 'rdp:owner', target: `display:${display.id}`, result: 'ok' })]);
  });

  it('a wrong password and an unknown user are refused, counted and audited; the signed-in client stays', async () => {
    for (const [user, password] of [
      [opened.user, 'not-the-password'],
      ['mallory', opened.password],
    ] as const) {
      const refused = xfreerdp(client.display, opened.port, user, password);
      clients.push(refused);
      const code = await Promise.race([exitOf(refused), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code, refused.log()).not.toBe(0);
      expect(code).not.toBe('hung');
    }
    // xfreerdp tries each sign-in more than once before it gives up: every try is refused and counted.
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/remote/rdp')).json[0].refused, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect((await api(host, 'GET', '/api/v1/remote/rdp')).json[0]).toMatchObject({ connected: 1, signIns: 1 });
    const denied = (await api(host, 'GET', '/api/v1/audit?action=remote.rdp.signIn&limit=20')).json.entries.filter((e: { result: string }) => e.result === 'denied');
    expect([...new Set(denied.map((e: { detail: string }) => e.detail))].sort()).toEqual(['unknown user name', 'wrong password']);
    expect(denied).toHaveLength((await api(host, 'GET', '/api/v1/remote/rdp')).json[0].refused);
    expect(denied.every((e: { target: string }) => e.target === `display:${display.id}`)).toBe(true);
    await page.reload();
    await expect.poll(() => page.getByTestId('rdp-counts').textContent(), { timeout: 10_000 }).toMatch(/\d+ refused/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'remote-rdp-refused.png') });
  });

  it('bad input: an unknown display, a too short access, closing what is not open; nothing opens', async () => {
    const unknown = await api(host, 'POST', '/api/v1/remote/rdp', { displayId: 'vd-99' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('NOT_FOUND');
    const short = await api(host, 'POST', '/api/v1/remote/rdp', { displayId: display.id, minutes: 1 });
    expect(short.status).toBe(400);
    expect(short.json.error.code).toBe('VALIDATION_FAILED');
    const closing = await api(host, 'DELETE', '/api/v1/remote/rdp/vd-99');
    expect(closing.status).toBe(404);
    expect((await api(host, 'GET', '/api/v1/remote/rdp')).json).toHaveLength(1);
  });

  it('closing the access disconnects the client; its password no longer gets in and its SAM file is gone', async () => {
    const signedIn = clients[0]!;
    expect((await api(host, 'DELETE', `/api/v1/remote/rdp/${display.id}`)).status).toBe(200);
    expect(await Promise.race([exitOf(signedIn).then(() => 'exited'), new Promise((r) => setTimeout(() => r('still connected'), 15_000))])).toBe('exited');
    expect(fs.existsSync(path.join(host.home, 'rdp', `${display.id}.sam`))).toBe(false);
    const again = xfreerdp(client.display, opened.port, opened.user, opened.password);
    clients.push(again);
    expect(await Promise.race([exitOf(again), new Promise((r) => setTimeout(() => r('hung'), 20_000))])).not.toBe(0);
    expect((await api(host, 'GET', '/api/v1/remote/rdp')).json).toEqual([]);
    const closed = (await api(host, 'GET', '/api/v1/audit?action=remote.rdp.close&limit=5')).json.entries;
    expect(closed[0]).toMatchObject({ actor: 'token:api-token (owner)', target: `display:${display.id}`, result: 'ok' });
  });

  it('a server that dies is started again on the same port; the access ends with its display', async () => {
    const reopened = await api(host, 'POST', '/api/v1/remote/rdp', { displayId: display.id, minutes: 5 });
    expect(reopened.status).toBe(201);
    const { port } = reopened.json;
    const [pid] = pidsMatching(`/port:${port} `);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/remote/rdp')).json[0].state, { timeout: 5000 }).not.toBe('running');
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/remote/rdp')).json[0].state, { timeout: 15_000 }).toBe('running');
    expect(pidsMatching(`/port:${port} `)).toHaveLength(1);
    const rdp = xfreerdp(client.display, port, opened.user, reopened.json.password);
    clients.push(rdp);
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/remote/rdp')).json[0].connected, { timeout: 20_000 }).toBe(1);
    expect((await api(host, 'DELETE', `/api/v1/displays/${display.id}`)).status).toBe(200);
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/remote/rdp')).json, { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => pidsMatching(`/port:${port} `), { timeout: 5000 }).toEqual([]);
  });
});
