// A/V sync through the studio, read at the viewer: a clip that flashes white and beeps at the same
// instant every 2 s plays as a video source in the studio (its picture through the WebGL compositor
// and the canvas's track, its sound through the Web Audio mixer and the page's audio track), goes live
// over WHIP, and a viewer pulls the LL-HLS stream (ffmpeg reading the playlist, as a player does); the
// host's recording is read the same way. On each, every flash is paired with its beep: the beep's
// time minus the flash's is the A/V offset, printed. The program draws at 30 fps, so a flash lands on
// the first program frame after it, up to 33 ms late. The goal (+-20 ms) is bench/studio's; here the
// bounds are generous (a median within 60 ms, each within 100 ms): sound and picture stay together,
// and a sound that drifts or falls a frame behind for good fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flashesAndBeeps, makeFlashBeepClip, pairOffsets } from '../test-support/avsync.js';
import { openStudio, studioPage } from '../test-support/browser.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { launchStudioChromium, makeStudioFixtures, type StudioFixtures } from '../test-support/studio.js';
import { waitFor } from '../test-support/wait.js';

const PERIOD = 2;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe.skipIf(needs('chromium', 'ffmpeg'))('A/V sync through the studio (a flash and a beep)', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let fx: StudioFixtures;
  let dir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    fx = makeStudioFixtures({ fps: 5, seconds: 2 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-avsync-'));
    host = await startHost();
    browser = await launchStudioChromium(fx);
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'av', ladder: 'passthrough', record: true })).status).toBe(201);
    page = await studioPage(browser, host);
    page.on('console', (m) => m.type() === 'error' && logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await openStudio(page, host);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stopHostCleanly(host);
    if (fx) fs.rmSync(fx.dir, { recursive: true, force: true });
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the beep reaches the viewer with the flash', async () => {
    const clip = makeFlashBeepClip(dir, { seconds: PERIOD, period: PERIOD });
    const upload = await fetch(`${host.url}/api/v1/scenes/media`, { method: 'POST', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'video/mp4' }, body: fs.readFileSync(clip) });
    expect(upload.status).toBe(201);
    const { url } = (await upload.json()) as { url: string };
    const source = await api(host, 'POST', '/api/v1/scenes/sources', { name: 'Clip', settings: { kind: 'video', url, loop: true } });
    expect(source.status, JSON.stringify(source.json)).toBe(201);
    const scene = (await api(host, 'GET', '/api/v1/scenes')).json.scenes[0];
    expect((await api(host, 'PATCH', `/api/v1/scenes/${scene.id}`, { items: [{ sourceId: source.json.id, x: 0, y: 0, width: 640, height: 360 }] })).status).toBe(200);
    expect((await api(host, 'PATCH', '/api/v1/scenes/studio', { stream: 'av', width: 640, height: 360, fps: 30, videoBitrateKbps: 1500 })).status).toBe(200);
    await waitFor('the clip plays in the studio', async () => (await page.getByTestId('source-Clip').getAttribute('data-status')) === 'live', 20_000);

    await page.getByTestId('studio-go-live').click();
    await waitFor('the stream is live', async () => (await api(host, 'GET', '/api/v1/streams/av')).json.state === 'live', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; page log: ${logs.join(' | ')}`);
    });
    // A viewer: ffmpeg reads the live playlist as a player does, and keeps 12 s of what it gets.
    // ...from the point the playlist lists media (a few segments in, so the viewer starts on a whole one).
    await waitFor('the playlist lists segments', async () => {
      const res = await fetch(`${host.url}/live/av/index.m3u8`);
      if (res.status !== 200) return false;
      const text = await res.text();
      // The multivariant playlist: look in its video and audio playlists.
      const uris = text.includes('#EXT-X-STREAM-INF') ? [...text.matchAll(/^(?!#)(\S+)$|URI="([^"]+)"/gm)].map((m) => m[1] ?? m[2]!) : null;
      const lists = uris ? await Promise.all(uris.map(async (u) => (await fetch(`${host.url}/live/av/${u}`)).text())) : [text];
      return lists.every((l) => (l.match(/#EXTINF/g) ?? []).length >= 2);
    }, 30_000);
    const viewed = path.join(dir, 'viewer.mkv');
    const viewer = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', `${host.url}/live/av/index.m3u8`, '-t', '12', '-c', 'copy', viewed], { stdio: ['ignore', 'ignore', 'pipe'] });
    let viewerErr = '';
    viewer.stderr.on('data', (d: Buffer) => (viewerErr += d.toString()));
    const viewerDone = new Promise<number | null>((resolve) => viewer.once('exit', resolve));
    const code = await Promise.race([viewerDone, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 40_000))]);
    if (code === 'late') viewer.kill('SIGKILL');
    expect(code, `${viewerErr}; playlist: ${await (await fetch(`${host.url}/live/av/index.m3u8`)).text()}`).toBe(0);

    await page.getByTestId('studio-stop').click();
    await waitFor('the stream ends', async () => (await api(host, 'GET', '/api/v1/streams/av')).json.state !== 'live', 30_000);
    const recording = await waitFor('the recording is complete', async () => {
      const list = (await api(host, 'GET', '/api/v1/recordings?stream=av')).json;
      return list.find((r: { state: string }) => r.state !== 'recording') ?? null;
    }, 30_000);
    const recorded = path.join(dir, recording.file);
    const res = await fetch(`${host.url}${recording.fileUrl}`, { headers: { authorization: `Bearer ${host.token}` } });
    fs.writeFileSync(recorded, Buffer.from(await res.arrayBuffer()));

    for (const [what, file] of [['HLS viewer', viewed], ['recording', recorded]] as const) {
      const { flashes, beeps } = flashesAndBeeps(file);
      const offsets = pairOffsets(flashes, beeps, PERIOD);
      console.log(`A/V at the ${what}: beep minus flash ${offsets.join(', ')} ms (median ${median(offsets)}); ${flashes.length} flashes, ${beeps.length} beeps`);
      expect(offsets.length, `${what}: flashes ${flashes.join(',')}; beeps ${beeps.join(',')}`).toBeGreaterThanOrEqual(4);
      expect(Math.abs(median(offsets)), `${what}: ${offsets.join(', ')}`).toBeLessThanOrEqual(60);
      for (const o of offsets) expect(Math.abs(o), `${what}: ${offsets.join(', ')}`).toBeLessThanOrEqual(100);
    }
  }, 180_000);
});
