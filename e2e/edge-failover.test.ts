// Viewers through the edges, in Chromium: the player page /play/<name> and the embed /embed/<name> ask
// the origin for the playback order, play from an edge, leave a draining edge to new viewers no more,
// and move to the other edge without a reload when theirs dies. Screenshots go to e2e/artifacts.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { startEdge, type EdgeProcess } from '../test-support/edge.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { pidsMatching, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

/** The pids of an edge: its agent, its nginx master and the master's workers (which outlive a killed master). */
function edgePids(edge: EdgeProcess): number[] {
  const own = pidsMatching(edge.dir);
  const children = own.flatMap((pid) =>
    spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => Number.isInteger(n) && n > 0),
  );
  return [...new Set([edge.proc.pid!, ...own, ...children])];
}

/** Alive and not a zombie waiting to be reaped. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(needs('nginx', 'ffmpeg', 'chromium'))('viewers through the edges', () => {
  let host: HostProcess;
  let ffmpeg: ChildProcess;
  let browser: Browser;
  const edges: EdgeProcess[] = [];
  const pages: Page[] = [];
  /** The pages' console, printed when a wait fails. */
  const logs: string[] = [];

  const edgeList = async (): Promise<any[]> => (await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[];
  const idOf = async (edge: EdgeProcess): Promise<string> => (await edgeList()).find((e) => e.url === edge.url).id as string;
  /** The playback order as a viewer's player gets it: no token. */
  const viewerOrder = async (): Promise<any> => {
    const res = await fetch(`${host.url}/api/v1/cdn/streams/demo/playback?region=r1`);
    return { status: res.status, json: await res.json() };
  };
  /** Where a page plays from and how far its video got. */
  const state = (page: Page): Promise<{ edge: string | undefined; time: number; switches: number; marker: unknown }> =>
    page.evaluate(() => ({
      edge: document.body.dataset.edge,
      time: (document.getElementById('v') as HTMLVideoElement).currentTime,
      switches: ((window as any).edgeSwitches ?? []).length as number,
      marker: (window as any).loadedOnce,
    }));
  const openPlayer = async (pathname: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    pages.push(page);
    page.on('console', (m) => logs.push(`${pathname}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`${pathname}: ${e.message}`));
    await page.goto(`${host.url}${pathname}`);
    // Set once at load: a reload would lose it.
    await page.evaluate(() => ((window as any).loadedOnce = 'still the same page'));
    return page;
  };
  const playingVia = async (page: Page): Promise<string> =>
    waitFor('the page playing through an edge', async () => {
      const s = await state(page);
      return s.edge && s.edge !== 'origin' && s.time > 1 ? s.edge : null;
    }, 20_000, 100).catch(async (error: Error) => {
      const switches = await page.evaluate(() => (window as any).edgeSwitches);
      for (const edge of edges) logs.push(...edge.accessLog().filter((l) => String(l.u).includes('m3u8')).slice(-8).map((l) => JSON.stringify(l)));
      throw new Error(`${error.message}: ${JSON.stringify(await state(page))} ${JSON.stringify(switches)}\n${logs.slice(-30).join('\n')}`);
    });

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'demo', ladder: 'passthrough' });
    expect(created.status).toBe(201);
    ffmpeg = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: '640x360' });
    for (const region of ['r1', 'r2']) edges.push(await startEdge({ origin: host.url, token: host.token, region }));
    await waitFor('two edges in rotation', async () => (await edgeList()).filter((e) => e.healthy).length === 2, 30_000);
    // Routing is under test, not a stream's first seconds: wait for a few segments.
    await waitFor('three segments at the origin', async () => {
      const res = await fetch(`${host.url}/live/demo/v0.m3u8`);
      return res.ok && ((await res.text()).match(/^#EXTINF/gm) ?? []).length >= 3;
    }, 40_000);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => undefined);
    await browser?.close();
    for (const edge of edges) await edge.stop();
    ffmpeg?.kill('SIGKILL');
    await host?.stop();
    for (const edge of edges) expect(pidsMatching(edge.dir)).toEqual([]);
    for (const edge of edges) edge.remove();
  }, 60_000);

  it('answers a viewer without the API token, in its region\'s order; the edge list itself still needs the token', async () => {
    const order = await viewerOrder();
    expect(order.status).toBe(200);
    expect(order.json.edges.map((e: any) => [e.region, e.regionMatch])).toEqual([
      ['r1', 'region'],
      ['r2', 'none'],
    ]);
    expect(order.json.edges[0]).toMatchObject({ hls: `${edges[0]!.url}/live/demo/index.m3u8`, load: expect.any(Number) });
    expect((await fetch(`${host.url}/api/v1/cdn/edges`)).status).toBe(401);
    expect((await fetch(`${host.url}/api/v1/cdn/streams/nope/playback`)).status).toBe(404);
  });

  it('a drained edge gets no new viewers: the order leaves it out, a new embed plays from the other edge', { timeout: 60_000 }, async () => {
    const [r1, r2] = [await idOf(edges[0]!), await idOf(edges[1]!)];
    const drained = await api(host, 'POST', `/api/v1/cdn/edges/${r1}/drain`, {});
    expect(drained.status).toBe(200);
    expect(drained.json).toMatchObject({ id: r1, draining: 'operator', healthy: true });
    expect((await viewerOrder()).json.edges.map((e: any) => e.id)).toEqual([r2]);

    // The embed: framable, chromeless, and (region r1 asked) still not sent to the draining r1.
    const res = await fetch(`${host.url}/embed/demo`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect((await fetch(`${host.url}/play/demo`)).headers.get('x-frame-options')).toBe('DENY');
    const embed = await openPlayer('/embed/demo?region=r1');
    expect(await playingVia(embed)).toBe(r2);
    expect(await embed.evaluate(() => document.body.dataset.embed)).toBe('yes');
    await embed.screenshot({ path: path.join(ARTIFACTS, 'edge-routing-embed-drained.png') });
    await embed.close();

    const back = await api(host, 'POST', `/api/v1/cdn/edges/${r1}/drain`, { draining: false });
    expect(back.json.draining).toBeNull();
    expect((await viewerOrder()).json.edges.map((e: any) => e.id)).toEqual([r1, r2]);
  });

  it('the player page leaves an edge drained while it plays from it, before it goes, without an error or a reload', { timeout: 120_000 }, async () => {
    const page = await openPlayer('/play/demo?region=r1');
    const [r1, r2] = [await idOf(edges[0]!), await idOf(edges[1]!)];
    expect(await playingVia(page)).toBe(r1);
    expect((await api(host, 'POST', `/api/v1/cdn/edges/${r1}/drain`, {})).status).toBe(200);
    const drainedAt = Date.now();
    try {
      // The page asks the order again every 20-30 s: it moves on once it sees r1 gone from it (a second
      // asking allowed for, on a loaded machine).
      const moved = await waitFor('the page on the other edge', async () => {
        const s = await state(page);
        return s.edge === r2 ? s : null;
      }, 65_000, 250);
      const tookMs = Date.now() - drainedAt;
      const switches = await page.evaluate(() => (window as any).edgeSwitches as { id: string; why: string | null }[]);
      expect(switches.map((x) => x.id)).toEqual([r1, r2]);
      expect(switches[1]!.why).toBe(`${r1}: left the playback order`);
      expect(moved.marker).toBe('still the same page');
      // It plays on from r2: the playhead moves, media comes from there.
      await waitFor('the video advancing on r2', async () => (await state(page)).time > moved.time + 2, 20_000, 250);
      expect(edges[1]!.accessLog().some((l) => String(l.u).endsWith('.m4s') && l.t * 1000 > drainedAt)).toBe(true);
      // No error shown (a move for a drain is no failure).
      expect(logs.filter((l) => l.startsWith('/play/demo?region=r1') && /network error|stalled/.test(l))).toEqual([]);
      console.log(`edge ${r1} drained; the page moved to ${r2} after ${tookMs} ms`);
    } finally {
      // The next tests start on r1: it is taken back whatever happened here.
      await page.close();
      expect((await api(host, 'POST', `/api/v1/cdn/edges/${r1}/drain`, { draining: false })).status).toBe(200);
    }
  });

  it('the player page moves to the other edge within 5 s when its edge dies, without a reload', { timeout: 90_000 }, async () => {
    const page = await openPlayer('/play/demo?region=r1');
    const first = await playingVia(page);
    const ids = [await idOf(edges[0]!), await idOf(edges[1]!)];
    const dying = edges[ids.indexOf(first)]!;
    await waitFor('the video advancing', async () => (await state(page)).time > 3, 20_000, 100);
    expect(await page.locator('.info').textContent()).toContain(`via ${first}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'edge-routing-1-playing.png') });

    const pids = edgePids(dying);
    expect(pids.length).toBeGreaterThanOrEqual(3);
    // Playing again means past what the dead edge delivered: the end of the buffer when it died.
    const { bufferedEnd, at } = await page.evaluate(() => {
      const v = document.getElementById('v') as HTMLVideoElement;
      return { bufferedEnd: v.buffered.length ? v.buffered.end(v.buffered.length - 1) : v.currentTime, at: v.currentTime };
    });
    const killedAt = Date.now();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    // Plays again: on another edge, with the playhead moving there.
    const again = await waitFor('playback from the other edge', async () => {
      const s = await state(page);
      return s.edge !== first && s.edge !== undefined && s.time > bufferedEnd + 0.5 ? s : null;
    }, 15_000, 100);
    const tookMs = Date.now() - killedAt;
    expect(again.edge).toBe(ids.find((id) => id !== first));
    const survivor = edges[ids.indexOf(again.edge!)]!;
    expect(survivor.accessLog().some((l) => String(l.u).endsWith('.m4s') && l.t * 1000 > killedAt)).toBe(true);
    expect(tookMs).toBeLessThan(5000);
    expect(again.marker).toBe('still the same page');
    expect(again.switches).toBe(2);
    const why = await page.evaluate(() => (window as any).edgeSwitches[1].why as string);
    expect(why).toMatch(new RegExp(`^${first}: (fatal network error|\\d network errors in 10 s|stalled .+)$`));
    await page.screenshot({ path: path.join(ARTIFACTS, 'edge-routing-2-moved.png') });
    console.log(`edge ${first} killed; playing from edge ${again.edge} after ${tookMs} ms (left because ${why}; ${(bufferedEnd - at).toFixed(1)} s buffered at the kill)`);

    // The origin saw it go: the order lists the survivor only.
    await waitFor('the dead edge out of the order', async () => (await viewerOrder()).json.edges.length === 1, 10_000);
    await waitFor('every process of the killed edge gone', () => pids.every((pid) => !running(pid)), 5000);
  });

  it('a private stream: the order needs the player URL\'s signature, and the page plays signed URLs through the edge left', { timeout: 60_000 }, async () => {
    expect((await api(host, 'PATCH', '/api/v1/streams/demo', { private: true })).status).toBe(200);
    const refused = await fetch(`${host.url}/api/v1/cdn/streams/demo/playback`);
    expect(refused.status).toBe(403);
    const signed = await api(host, 'POST', '/api/v1/streams/demo/signed-urls', { expiresInSec: 600 });
    const query = new URL(signed.json.hls as string).search;
    const order = await (await fetch(`${host.url}/api/v1/cdn/streams/demo/playback${query}`)).json();
    expect(order.edges).toHaveLength(1);
    expect(order.edges[0].hls).toBe(`${edges.find((e) => order.edges[0].hls.startsWith(e.url))!.url}/live/demo/index.m3u8${query}`);
    // The edge checks the signature itself: unsigned it refuses.
    expect((await fetch(order.edges[0].hls.split('?')[0])).status).toBe(403);
    const page = await openPlayer(`/play/demo${query}`);
    expect(await playingVia(page)).toBe(order.edges[0].id);
  });
});
