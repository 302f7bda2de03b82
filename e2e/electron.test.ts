// The desktop shell end to end: the built app in the real Electron binary, driven by Playwright, on a
// throwaway studio home. Where the binary or a display is missing the suite is SKIPPED and says why.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallResult, EventEnvelope, StudioBridge } from '../src-shared/contract/index.js';
import { freePort } from '../test-support/host-process.js';
import { needs, recordSkip } from '../test-support/peers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUILT = ['dist/main/electron.cjs', 'dist/preload/preload.cjs', 'dist/renderer/index.html'];

/**
 * Finds the Electron executable without `require('electron')`: with the binary missing, that call
 * tries to download it. STREAMS_ELECTRON_PATH points at any Electron binary (or a packaged app).
 */
function findElectron(): { binary: string } | { reason: string } {
  const explicit = process.env.STREAMS_ELECTRON_PATH;
  if (explicit) return fs.existsSync(explicit) ? { binary: explicit } : { reason: `STREAMS_ELECTRON_PATH=${explicit} does not exist` };
  let pkgDir: string;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const pathTxt = path.join(pkgDir, 'path.txt');
  const relative = fs.existsSync(pathTxt) ? fs.readFileSync(pathTxt, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const binary = override ? path.join(override, relative || 'electron') : relative ? path.join(pkgDir, 'dist', relative) : undefined;
  if (!binary || !fs.existsSync(binary)) {
    return { reason: 'the Electron binary is not installed (node_modules/electron has no downloaded dist; its download is blocked here)' };
  }
  return { binary };
}

/** Linux without a display needs Xvfb (as xvfb-run would provide); other systems always have one. */
const display: 'present' | 'xvfb' = process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? 'present' : 'xvfb';

// Printed and logged for the summary of `npm test`: the one suite CI lets skip (no Electron download there).
const found = findElectron();
const skipReason =
  'reason' in found ? recordSkip(`Electron binary not found: ${found.reason}`) : display === 'xvfb' ? needs('xvfb') || undefined : undefined;

/** Starts Xvfb on a free display number (it picks one and writes it to fd 3). */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('Xvfb did not report a display in 10 s')), 10_000);
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  return { display: `:${number}`, process: child };
}


/** The page's window.studio (the renderer's global type is not in the test build); inlined per evaluate. */
type PageWindow = Window & { studio: StudioBridge; require?: unknown; process?: unknown };

describe.skipIf(skipReason !== undefined)('Electron desktop app (skipped, with the reason printed, where the Electron binary or a display is missing)', () => {
  let home: string;
  let port: number;
  let xvfb: ChildProcess | undefined;
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    const missing = BUILT.filter((file) => !fs.existsSync(path.join(root, file)));
    if (missing.length > 0) throw new Error(`build first (npm run build): missing ${missing.join(', ')}`);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-electron-e2e-'));
    port = await freePort();
    const env: Record<string, string> = { ...(process.env as Record<string, string>), STREAMS_HOME: home };
    if (display === 'xvfb') {
      const started = await startXvfb();
      xvfb = started.process;
      env.DISPLAY = started.display;
    }
    app = await electron.launch({
      executablePath: (found as { binary: string }).binary,
      args: [root, `--home=${home}`, `--port=${port}`],
      cwd: root,
      env,
      timeout: 60_000,
    });
    page = await app.firstWindow();
  }, 90_000);

  afterAll(async () => {
    await app?.close().catch(() => {});
    xvfb?.kill();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('shows the dashboard with live system stats', async () => {
    await page.waitForSelector('[data-testid="stat-cpu"]', { timeout: 30_000 });
    // The host's own page, signed in by a one-time link, so its relative URLs reach the host.
    expect(page.url()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
  });

  it('reaches the host at its own origin with the window\'s sign-in (uploads, media and WHIP are relative URLs)', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/v1/scenes', { credentials: 'same-origin' })).status);
    expect(status).toBe(200);
  });

  it('lets our page use the camera and microphone, and offers screens and windows in our picker', async () => {
    await page.waitForSelector('[data-testid="stat-cpu"]', { timeout: 30_000 });
    const camera = await page.evaluate(async () => (await navigator.permissions.query({ name: 'camera' as PermissionName })).state);
    expect(camera).toBe('granted');
    // getDisplayMedia needs a click (the browser's rule): a button of the test's, clicked.
    await page.evaluate(() => {
      const button = document.createElement('button');
      button.id = 'test-capture';
      button.textContent = 'capture';
      button.style.cssText = 'position:fixed;left:0;top:0;z-index:9999';
      button.onclick = () => {
        (window as unknown as { __captured: Promise<number> }).__captured = navigator.mediaDevices.getDisplayMedia({ video: true }).then((media) => {
          const width = media.getVideoTracks()[0]?.getSettings().width ?? 0;
          media.getTracks().forEach((t) => t.stop());
          return width;
        });
      };
      document.body.append(button);
    });
    await page.click('#test-capture');
    const picker = page.getByTestId('display-picker');
    await picker.waitFor({ timeout: 15_000 });
    expect(await picker.getByTestId('display-source').count()).toBeGreaterThan(0);
    await picker.getByTestId('display-share').click();
    expect(await page.evaluate(() => (window as unknown as { __captured: Promise<number> }).__captured)).toBeGreaterThan(0);
  });

  it('exposes window.studio with the contract methods and nothing of Node or ipcRenderer', async () => {
    const shape = await page.evaluate(() => {
      const w = window as unknown as PageWindow;
      return { keys: Object.keys(w.studio).sort(), methods: [...w.studio.methods], require: typeof w.require, process: typeof w.process };
    });
    expect(shape.keys).toEqual(['invoke', 'methods', 'onEvent']);
    expect(await page.evaluate(() => Object.keys((window as unknown as { studioDesktop: object }).studioDesktop).sort())).toEqual(['chooseDisplay', 'onDisplayOffer']);
    expect(shape.methods).toContain('system.info');
    expect(shape.require).toBe('undefined');
    expect(shape.process).toBe('undefined');
  });

  it('answers contract calls over IPC and refuses unknown methods without sending them', async () => {
    const info = (await page.evaluate(() => (window as unknown as PageWindow).studio.invoke('system.info', {}))) as CallResult<{ mode: string; home: string }>;
    expect(info.ok && info.result.mode).toBe('desktop');
    expect(info.ok && fs.realpathSync(info.result.home)).toBe(fs.realpathSync(home));
    const refused = await page.evaluate(() => (window as unknown as PageWindow).studio.invoke('system.rm-rf' as never, {}));
    expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('pushes bus events to the window', async () => {
    const envelope = await page.evaluate(
      () =>
        new Promise<EventEnvelope>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no system.stats event in 10 s')), 10_000);
          const off = (window as unknown as PageWindow).studio.onEvent((e) => {
            if (e.event !== 'system.stats') return;
            clearTimeout(timer);
            off();
            resolve(e);
          });
        }),
    );
    expect(envelope.event).toBe('system.stats');
  });

  it('serves the same studio over HTTP while the window is open', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.ok).toBe(true);
  });

  it('stops the studio cleanly on quit', async () => {
    await app.close();
    const log = fs.readFileSync(path.join(home, 'logs', 'host.log'), 'utf8');
    expect(log).toContain('studio stopped');
  }, 30_000);
});
