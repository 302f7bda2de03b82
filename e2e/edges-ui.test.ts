// The Edges page as a creator meets it: two real edges (nginx) under a live host, their health and
// charts, a purge from the form reaching both, and a provisioning attempt whose failed step is named
// (provisioning end to end through a real sshd: src-main/edge/provision.int.test.ts). Screenshots go
// to e2e/artifacts.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { startEdge, type EdgeProcess } from '../test-support/edge.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { publishTestPattern } from '../test-support/media.js';
import type { ChildProcess } from 'node:child_process';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'nginx', 'ffmpeg'))('edges page in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let ffmpeg: ChildProcess;
  const edges: EdgeProcess[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
    ffmpeg = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '320x180' });
    for (const region of ['eu-west', 'us-east']) edges.push(await startEdge({ origin: host.url, token: host.token, region }));
    browser = await launchChromium();
    page = await studioPage(browser, host, { width: 1360, height: 1000 });
  });

  afterAll(async () => {
    await browser?.close();
    for (const edge of edges) await edge.stop();
    ffmpeg?.kill('SIGKILL');
    await host?.stop();
    for (const edge of edges) edge.remove();
  });

  /** Viewers through both edges, so that hit ratio and bandwidth have something to show. */
  async function traffic(): Promise<void> {
    const playlist = await waitFor('a playlist with complete segments', async () => {
      const res = await fetch(`${host.url}/live/show/v0.m3u8`);
      const text = res.ok ? await res.text() : '';
      return text.includes('#EXTINF') ? text : null;
    }, 40_000);
    const segments = playlist.split('\n').filter((l) => !l.startsWith('#') && l.includes('.m4s')).map((l) => `/live/show/${l.split('?')[0]}`);
    for (const edge of edges) for (let i = 0; i < 5; i++) for (const s of segments) await (await fetch(edge.url + s)).arrayBuffer();
  }

  it('lists the edges with health, hit ratio and charts', { timeout: 90_000 }, async () => {
    await traffic();
    await page.getByTestId('nav-edges').click();
    await page.getByTestId('edges-table').waitFor();
    const ids = ((await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[]).map((e) => e.id as string);
    expect(ids).toHaveLength(2);
    for (const id of ids) await expect.poll(() => page.getByTestId(`edge-health-${id}`).textContent(), { timeout: 15_000 }).toBe('healthy');
    // Hit ratios above 0 reach the page with the heartbeats.
    await expect.poll(async () => (await page.getByTestId('edges-table').textContent())?.match(/[1-9]\d? %/) !== null, { timeout: 20_000 }).toBe(true);
    await traffic();
    // The hit-ratio chart plots the heartbeats: several points, and each edge's latest value (the
    // legend's readout) is the hit ratio of its traffic (every segment asked 5 times, one miss at most: 80 % or more).
    const chart = page.getByTestId('edge-chart-hit');
    await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const readout = async (): Promise<Record<string, number>> =>
      page.getByTestId('edges-charts').evaluate((card) => {
        const chartEl = card.querySelector('[data-testid="edge-chart-hit"]')!;
        const out: Record<string, number> = {};
        for (const row of Array.from(chartEl.querySelectorAll('.u-legend .u-series'))) {
          const label = row.querySelector('.u-label')?.textContent ?? '';
          const value = row.querySelector('.u-value')?.textContent ?? '';
          if (label.startsWith('edge-')) out[label] = parseFloat(value);
        }
        return out;
      });
    await expect
      .poll(async () => {
        const values = await readout();
        return ids.every((id) => values[id]! >= 80 && values[id]! <= 100) ? 'every edge 80-100 %' : JSON.stringify(values);
      }, { timeout: 20_000 })
      .toBe('every edge 80-100 %');
    await page.screenshot({ path: path.join(ARTIFACTS, 'edges-list.png'), fullPage: true });
  });

  it('drains an edge from its row and puts it back: the viewers\' playback order follows', async () => {
    const id = ((await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as { id: string; url: string }[]).find((e) => e.url === edges[0]!.url)!.id;
    const order = async (): Promise<string[]> => ((await (await fetch(`${host.url}/api/v1/cdn/streams/show/playback`)).json()) as { edges: { id: string }[] }).edges.map((e) => e.id);
    await page.getByTestId(`edge-drain-${id}`).click();
    await expect.poll(() => page.getByTestId(`edge-draining-${id}`).textContent()).toBe('draining: no new viewers');
    expect(await page.getByTestId(`edge-drain-${id}`).textContent()).toBe('Undrain');
    expect(await order()).not.toContain(id);
    await page.getByTestId('edges-table').screenshot({ path: path.join(ARTIFACTS, 'edges-drained.png') });
    await page.getByTestId(`edge-drain-${id}`).click();
    await expect.poll(() => page.getByTestId(`edge-draining-${id}`).count()).toBe(0);
    expect(await order()).toContain(id);
  });

  it('purges by tag from the form: both edges confirm; a bad pattern is refused in words', async () => {
    await page.getByTestId('purge-mode').selectOption('pattern');
    await page.getByTestId('purge-text').fill('(');
    await page.getByTestId('purge-submit').click();
    await expect.poll(() => page.getByTestId('purge-error').textContent()).toContain('not a valid regular expression');
    await page.getByTestId('purge-mode').selectOption('tags');
    await page.getByTestId('purge-text').fill('stream/show');
    await page.getByTestId('purge-submit').click();
    await expect.poll(() => page.getByTestId('purge-result').textContent(), { timeout: 10_000 }).toMatch(/2\/2 edges, all confirmed in [\d.]+ ms/);
    // The form says it; no toast over the player below.
    expect(await page.getByTestId('toast').filter({ hasText: 'Purged' }).count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'edges-purge.png'), fullPage: true });
  });

  it('a viewer player picks the fastest edge and fails over when it goes away', { timeout: 120_000 }, async () => {
    await page.getByTestId('edge-player-stream').selectOption('show');
    await page.getByTestId('edge-player-start').click();
    const via = page.getByTestId('edge-player-via');
    await expect.poll(() => via.textContent(), { timeout: 15_000 }).toMatch(/Playing via edge-/);
    const first = /Playing via (edge-[0-9a-f]+)/.exec((await via.textContent()) ?? '')![1]!;
    const currentTime = () => page.getByTestId('edge-player-video').evaluate((v) => (v as HTMLVideoElement).currentTime);
    await expect.poll(currentTime, { timeout: 30_000 }).toBeGreaterThan(1);
    const list = (await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[];
    const url = list.find((e) => e.id === first).url as string;
    const victim = edges.find((e) => e.url === url)!;
    await victim.stop();
    // The list says why the edge left rotation.
    await expect.poll(() => page.getByTestId(`edge-reason-${first}`).textContent(), { timeout: 15_000 }).toContain('not connected');
    await expect.poll(() => via.textContent(), { timeout: 90_000 }).toMatch(/Playing via edge-/);
    await expect.poll(async () => /Playing via (edge-[0-9a-f]+)/.exec((await via.textContent()) ?? '')?.[1], { timeout: 90_000 }).not.toBe(first);
    const after = await currentTime();
    await expect.poll(currentTime, { timeout: 30_000 }).toBeGreaterThan(after + 1);
    await page.getByTestId('edge-player').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'edges-failover.png'), fullPage: true });
  });

  it('the provision wizard streams its steps and names the one that failed', { timeout: 60_000 }, async () => {
    await page.getByTestId('provision-open').click();
    await page.getByTestId('provision-host').fill('127.0.0.1');
    // Nothing listens on port 1: the job fails at its first step, which the dialog names.
    await page.getByTestId('provision-ssh-port').fill('1');
    await page.getByTestId('provision-key').fill('not a key');
    await page.getByTestId('provision-submit').click();
    await expect.poll(() => page.getByTestId('job-state').textContent(), { timeout: 30_000 }).toContain('Failed at “connect”');
    expect(await page.getByTestId('job-step-connect').getAttribute('class')).toContain('job-step-failed');
    await page.screenshot({ path: path.join(ARTIFACTS, 'edges-provision-failed.png'), fullPage: true });
    await page.keyboard.press('Escape');
  });
});
