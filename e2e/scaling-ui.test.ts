// The Autoscaling cards of the Runners and Edges tabs in Chromium against a real host: off, it says
// how to turn it on and still charts load against capacity; on, with jobs waiting (or below the edges'
// minimum) and a provider command that cannot create a machine, it shows the policy, the failed
// decision with the provider's reason as an alert with its backoff, and the decisions table.
// Screenshots go to e2e/artifacts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { makeClip, tusUpload } from '../test-support/vod-media.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'ffmpeg'))('the Autoscaling card in Chromium', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scaling-ui-'));
  let host: HostProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // The balanced preset (x264 medium): jobs that take long enough to wait behind each other with
    // either ffmpeg, so the autoscaler's look (every 5 s) finds them waiting.
    host = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'balanced' }) });
    browser = await launchChromium();
    page = await studioPage(browser, host, { width: 1360, height: 1100 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('says it is off and how to turn it on, with the load chart', { timeout: 60_000 }, async () => {
    await page.getByTestId('nav-edges').click();
    await page.getByTestId('edges-tab-runners').click();
    await expect.poll(() => page.getByTestId('scaling-state').textContent(), { timeout: 10_000 }).toBe('off');
    expect(await page.getByTestId('scaling-off').textContent()).toMatch(/Turn on Autoscaling › Runners in Settings/);
    // A sample every 5 s: the chart draws from the second one.
    await expect.poll(async () => page.getByTestId('scaling-chart').count(), { timeout: 20_000 }).toBe(1);
  });

  it('shows the policy, a failed add with the provider\'s reason and its backoff, and the decisions', { timeout: 120_000 }, async () => {
    const set = await api(host, 'PATCH', '/api/v1/config', {
      library: { concurrency: 1 },
      scaling: { runners: true, runnersMin: 0, runnersMax: 3, queueWaitSeconds: 1, idleSeconds: 60, cooldownSeconds: 10, providerCommand: `sh -c 'echo "no capacity in zone test-1a" >&2; exit 4' --` },
    });
    expect(set.status, set.text).toBe(200);
    const clip = await makeClip(path.join(work, 'clip.mp4'), { seconds: 10, scenes: 2 });
    for (let i = 0; i < 5; i++) await tusUpload(host, clip, { filename: `clip-${i}.mp4` });
    await expect.poll(() => page.getByTestId('scaling-state').textContent(), { timeout: 15_000 }).toBe('on');
    expect(await page.getByTestId('scaling-policy').textContent()).toBe('0 to 3 runners · add when a job waits 1 s · remove after 1 min idle · 10 s between actions');
    expect(await page.getByTestId('scaling-sources').textContent()).toBe('no SSH pool, then the provider command');
    await expect.poll(async () => (await api(host, 'GET', '/api/v1/scaling')).json.decisions.length, { timeout: 30_000 }).toBeGreaterThan(0).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify((await api(host, 'GET', '/api/v1/scaling')).json).slice(0, 3000)}`);
    });
    await expect.poll(() => page.getByTestId('scaling-alert').textContent(), { timeout: 30_000 }).toMatch(
      /^Adding a runner failed\. no machine: the provider's create exited 4: no capacity in zone test-1a\. Next try in \d+ s\.$/,
    );
    const rows = page.getByTestId('scaling-decisions').locator('tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(await rows.nth(0).textContent()).toMatch(/failed.*no capacity in zone test-1a/);
    expect(await rows.nth(1).textContent()).toMatch(/add.*jobs? waiting, the oldest \d+ s \(target 1 s\), no runner slot free/);
    await page.getByTestId('scaling-card').scrollIntoViewIfNeeded();
    await page.getByTestId('scaling-card').screenshot({ path: path.join(ARTIFACTS, 'scaling-card.png') });
  });

  it("shows the edges' policy, traffic chart and a failed add on the Edges tab", { timeout: 90_000 }, async () => {
    const set = await api(host, 'PATCH', '/api/v1/config', { scaling: { edges: true, edgesMin: 1, edgesMax: 3, edgeTargetMbps: 300, edgeDrainSeconds: 120 } });
    expect(set.status, set.text).toBe(200);
    await page.getByTestId('edges-tab-edges').click();
    const card = page.getByTestId('edge-scaling-card');
    await expect.poll(() => card.getByTestId('scaling-state').textContent(), { timeout: 15_000 }).toBe('on');
    expect(await card.getByTestId('scaling-policy').textContent()).toBe(
      '1 to 3 edges · add at 300 Mbit/s per core · remove one when the rest stay below 150 Mbit/s · drain up to 2 min · 10 s between actions',
    );
    await expect.poll(() => card.getByTestId('scaling-alert').textContent(), { timeout: 30_000 }).toMatch(
      /^Adding an edge failed\. no machine: the provider's create exited 4: no capacity in zone test-1a\. Next try in \d+ s\.$/,
    );
    const rows = card.getByTestId('scaling-decisions').locator('tr');
    expect(await rows.nth(0).textContent()).toMatch(/failed.*no capacity in zone test-1a/);
    expect(await rows.nth(1).textContent()).toMatch(/add.*0 edges in rotation, below the minimum of 1/);
    // Only the edges' decisions here: the runners' stay in their tab.
    expect(await card.getByTestId('scaling-decisions').textContent()).not.toMatch(/runner slot/);
    // The next look (every 5 s) says why it waits.
    await expect.poll(() => card.getByTestId('scaling-now').textContent(), { timeout: 15_000 }).toMatch(/^Now: below the minimum of 1, but adding waits \d+ s after a failure$/);
    expect(await card.getByTestId('scaling-chart').getAttribute('aria-label')).toMatch(/^Edge traffic against capacity/);
    await card.scrollIntoViewIfNeeded();
    await card.screenshot({ path: path.join(ARTIFACTS, 'edge-scaling-card.png') });
  });

  it('shows the policy in Settings under Autoscaling, with what each field does', { timeout: 30_000 }, async () => {
    await page.getByTestId('nav-settings').click();
    const section = page.getByTestId('settings-section-scaling');
    await section.scrollIntoViewIfNeeded();
    expect(await section.textContent()).toMatch(/Autoscaling.*Runners.*SSH hosts.*SSH key file.*Provider command.*Edges.*Edge target \(Mbit\/s\).*Edge drain seconds/s);
    await section.screenshot({ path: path.join(ARTIFACTS, 'scaling-settings.png') });
  });
});
