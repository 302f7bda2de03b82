import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { ROOT, startHost, tempHome, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium'))('safe mode in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // What the last start of a crash loop leaves: three starts that never finished.
    const home = tempHome();
    fs.writeFileSync(path.join(home, 'starting.json'), JSON.stringify({ attempts: 3, phase: 'service:obs', error: null, pid: 1, at: Date.now() }));
    host = await startHost({ home });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (host) fs.rmSync(host.home, { recursive: true, force: true });
  });

  it('every page says why the host is in safe mode, and the owner can still sign in and reach Settings', async () => {
    const page = await studioPage(browser, host, { width: 1360, height: 800 });
    const banner = page.getByTestId('safe-mode');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('The last 3 starts did not finish: the last one was killed or crashed while starting the service obs.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'safe-mode.png') });
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('page-settings').waitFor();
    await banner.waitFor();
  });
});
