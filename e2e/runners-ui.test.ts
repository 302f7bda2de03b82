// Transcoding runners on the Edges page (its Runners tab) in Chromium against a real host that leaves
// its videos to runners: a real `streams runner` process is listed with its name, version and slots; a
// clip uploaded over tus becomes the runner's job, shown with its step and progress (and the library
// names the runner), and the runner's done count rises when the video is ready; Remove (confirmed)
// disconnects it, and with its process stopped the card says how to add a runner. Screenshots go to
// e2e/artifacts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { api, cleanEnv, ROOT, startHost, STREAMS_BIN, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { makeClip, tusUpload } from '../test-support/vod-media.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'ffmpeg'))('runners on the Edges page in Chromium', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runners-ui-'));
  let host: HostProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let runner: ChildProcess | undefined;
  let runnerOutput = '';
  let clip = '';
  let runnerId = '';

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    [clip, host] = await Promise.all([
      makeClip(path.join(work, 'harbour.mp4'), { seconds: 8, scenes: 2 }),
      startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) }),
    ]);
    const set = await api(host, 'PATCH', '/api/v1/config', { library: { processOnOrigin: false } });
    expect(set.status, set.text).toBe(200);
    runner = spawn(process.execPath, [STREAMS_BIN, 'runner', '--origin', host.url, '--token', host.token, '--name', 'render-1', '--dir', path.join(work, 'runner')], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner.stdout!.on('data', (d: Buffer) => (runnerOutput += d.toString()));
    runner.stderr!.on('data', (d: Buffer) => (runnerOutput += d.toString()));
    browser = await launchChromium();
    // A context of our own: the library test opens a second tab of the same session.
    page = await studioPage(await browser.newContext({ viewport: { width: 1360, height: 900 } }), host);
  });

  afterAll(async () => {
    await browser?.close();
    // SIGKILL ends it even while stopped (SIGSTOP) by the last test.
    if (runner && runner.exitCode === null && runner.signalCode === null) runner.kill('SIGKILL');
    await stopHostCleanly(host);
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** The text of the first element with this test id, or null (without Playwright's auto-wait). */
  const textOf = (p: Page, testId: string): Promise<string | null> =>
    p.evaluate((id) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null, testId);

  it('lists the connected runner with its name, version and slots', async () => {
    const h = host!;
    const listed = await waitFor('the runner connected', async () => {
      const list = (await api(h, 'GET', '/api/v1/runners')).json as unknown as { id: string; name: string }[];
      return list.find((r) => r.name === 'render-1');
    }, 30_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\nrunner output:\n${runnerOutput}`);
    });
    runnerId = listed.id;
    const { version } = (await api(h, 'GET', '/api/v1/system')).json as { version: string };
    await page.getByTestId('nav-edges').click();
    await page.getByTestId('edges-tab-runners').click();
    await page.getByTestId('runners-table').waitFor();
    expect(page.url()).toMatch(/#\/edges\/runners$/);
    expect(await page.getByTestId(`runner-name-${runnerId}`).textContent()).toBe('render-1');
    expect(await page.getByTestId(`runner-version-${runnerId}`).textContent()).toBe(`v${version}`);
    expect(await page.getByTestId(`runner-slots-${runnerId}`).textContent()).toBe('0 / 1');
    expect(await page.getByTestId(`runner-idle-${runnerId}`).textContent()).toBe('Idle');
    expect(await page.getByTestId('edges-tab-runners').textContent()).toBe('Runners1');
    // Debian's ffmpeg has libx264 at least; the heartbeat brings the CPU load.
    expect(await page.getByTestId(`runner-encoders-${runnerId}`).textContent()).toContain('libx264');
    await expect.poll(() => page.getByTestId(`runner-load-${runnerId}`).textContent(), { timeout: 15_000 }).toMatch(/^\d+ %$/);
  }, 45_000);

  it("shows the upload as the runner's job with its progress, names the runner in the library, and counts it done", async () => {
    const h = host!;
    // A second tab of the same session on the library grid.
    const library = await page.context().newPage();
    await library.goto(`${h.url}/#/library`);
    await library.getByTestId('page-library').waitFor();

    const uploadId = await tusUpload(h, clip, { filename: 'harbour.mp4' });
    const videoId = await waitFor('its video', async () => {
      const [video] = (await api(h, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as { id: string }[];
      return video?.id;
    }, 10_000);

    const seen = { progress: [] as string[], steps: new Set<string>(), slots: new Set<string>(), library: '' };
    let shot = false;
    await waitFor('the video ready, processed by the runner', async () => {
      const { progress, step } = await page.evaluate((id) => {
        const jobs = document.querySelector(`[data-testid="runner-jobs-${id}"]`);
        const text = (prefix: string) => jobs?.querySelector(`[data-testid^="${prefix}"]`)?.textContent ?? null;
        return { progress: text('runner-job-progress-'), step: text('runner-job-step-') };
      }, runnerId);
      if (progress !== null) {
        if (seen.progress.at(-1) !== progress) seen.progress.push(progress);
        if (step) seen.steps.add(step);
        seen.slots.add((await textOf(page, `runner-slots-${runnerId}`)) ?? '');
        // The card mid-job, once its progress is past the start.
        if (!shot && progress !== '0 %') {
          shot = true;
          await page.screenshot({ path: path.join(ARTIFACTS, 'runners-ui.png'), fullPage: true, animations: 'disabled' });
        }
      }
      const next = await textOf(library, `video-next-${videoId}`);
      if (next?.includes('on runner') && !seen.library) {
        seen.library = next;
        await library.getByTestId(`video-card-${videoId}`).screenshot({ path: path.join(ARTIFACTS, 'runners-ui-library.png'), animations: 'disabled' });
      }
      const video = (await api(h, 'GET', `/api/v1/videos/${videoId}`)).json as { state: string; error: unknown };
      return video.state === 'ready' || video.state === 'failed' ? video : null;
    }, 50_000, 150).then((video) => expect(video.state, JSON.stringify(video.error)).toBe('ready'));

    // The job was on the card with a busy slot, its step and its progress; the library said where it ran.
    expect(seen.slots).toContain('1 / 1');
    expect(seen.progress.length, `progress seen: ${seen.progress.join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(seen.steps.size).toBeGreaterThanOrEqual(1);
    expect(seen.library).toMatch(/^Processing.* · on runner render-1/);
    await expect.poll(() => page.getByTestId(`runner-done-${runnerId}`).textContent(), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId(`runner-failed-${runnerId}`).textContent()).toBe('0 failed');
    expect(await page.getByTestId(`runner-idle-${runnerId}`).textContent()).toBe('Idle');
    if (!shot) await page.screenshot({ path: path.join(ARTIFACTS, 'runners-ui.png'), fullPage: true, animations: 'disabled' });
    await library.close();
  }, 60_000);

  it('removes the runner after a confirm; with its process stopped the card says how to add one', async () => {
    // Stopped (not killed): its socket stays open until the host drops it, and it cannot connect again.
    runner!.kill('SIGSTOP');
    await page.getByTestId(`runner-remove-${runnerId}`).click();
    await page.getByTestId('confirm-dialog').waitFor();
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain('Remove render-1?');
    await page.getByTestId('confirm-yes').click();
    await page.getByTestId('runners-empty').waitFor({ timeout: 10_000 });
    expect(((await api(host!, 'GET', '/api/v1/runners')).json as unknown as unknown[]).length).toBe(0);
    const origin = new URL(page.url()).origin;
    expect(await page.getByTestId('runners-command').textContent()).toBe(`streams runner --origin ${origin} --token <token>`);
    expect(await page.getByTestId('runners-empty').textContent()).toContain('streams runner --origin');
    expect(await page.getByTestId('edges-tab-runners').textContent()).toBe('Runners');
    await page.getByTestId('runners-card').screenshot({ path: path.join(ARTIFACTS, 'runners-ui-empty.png') });
  }, 30_000);

  it('the Provision a runner dialog streams its steps and names the one that failed', { timeout: 60_000 }, async () => {
    await page.getByTestId('runner-provision-open').click();
    await page.getByTestId('provision-host').fill('127.0.0.1');
    // Nothing listens on port 1: the job fails at its first step, which the dialog names.
    await page.getByTestId('provision-ssh-port').fill('1');
    await page.getByTestId('provision-key').fill('not a key');
    await page.getByTestId('runner-provision-name').fill('render-2');
    await page.getByTestId('runner-provision-submit').click();
    await expect.poll(() => page.getByTestId('job-state').textContent(), { timeout: 30_000 }).toContain('Failed at “connect”');
    expect(await page.getByTestId('job-step-connect').getAttribute('class')).toContain('job-step-failed');
    await page.screenshot({ path: path.join(ARTIFACTS, 'runners-provision-failed.png'), fullPage: true, animations: 'disabled' });
    await page.keyboard.press('Escape');
  });
});
