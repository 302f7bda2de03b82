// Recording and VOD as a creator meets them: a stream recorded automatically, 60 s of media, turned
// into an adaptive VOD from the Recordings page, played with hls.js in Chromium; and a destination
// added from the stream page relaying to a second stream of the same studio.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, studioPage } from '../test-support/browser.js';
import { needs } from '../test-support/peers.js';
import { api, cleanEnv, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, ffprobe, publishTestPattern } from '../test-support/media.js';
import { waitFor } from '../test-support/wait.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

describe.skipIf(needs('chromium', 'ffmpeg', 'ffprobe'))('recordings, VOD and restreaming in Chromium', () => {
  let host: HostProcess;
  let browser: Browser;
  let page: Page;
  let recordingId = '';

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // Library videos made here use the fast preset: the presets themselves are tested in src-main/vod/process.
    host = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) });
    browser = await launchChromium();
    page = await studioPage(browser, host);
  });

  afterAll(async () => {
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  it('records a stream automatically: 60 s of media, playable, probed, with a thumbnail', async () => {
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'rec', ladder: 'passthrough', record: true })).json;
    expect(created.record).toBe(true);
    // 60 s of media sent at 4x real time: the recording is a remux and keeps up.
    const publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, { size: '854x480', seconds: 60, readrate: 4 });
    expect(await exitOf(publisher)).toBe(0);
    const recording = await waitFor('a complete recording', async () => {
      const list = (await api(host, 'GET', '/api/v1/recordings?stream=rec')).json as any[];
      return list.find((r) => r.state === 'complete');
    }, 30_000, 250);
    recordingId = recording.id;
    expect(recording.durationSec).toBeGreaterThan(50);
    expect(recording.video).toMatchObject({ codec: 'h264', width: 854, height: 480 });
    const file = await fetch(`${host.url}${recording.fileUrl}`, { headers: { authorization: `Bearer ${host.token}`, range: 'bytes=0-99' } });
    expect(file.status).toBe(206);
    expect((await file.arrayBuffer()).byteLength).toBe(100);
  });

  it('turns the recording into an adaptive VOD from the Recordings page and plays it with hls.js', async () => {
    await page.getByTestId('nav-recordings').click();
    await page.getByTestId(`recording-row-${recordingId}`).waitFor();
    await page.getByTestId(`recording-convert-ladder-${recordingId}`).selectOption('standard');
    await page.getByTestId(`recording-convert-${recordingId}`).click();
    await page.getByTestId(`recording-vod-ready-${recordingId}`).waitFor({ timeout: 120_000 });
    const recording = (await api(host, 'GET', `/api/v1/recordings/${recordingId}`)).json;
    expect(recording.vod.state).toBe('ready');
    const probe = ffprobe(`${host.url}${recording.vod.hls}`);
    expect(probe.error).toBeUndefined();
    expect(new Set(probe.streams.filter((s) => s.codec_type === 'video').map((s) => s.height)).size).toBeGreaterThanOrEqual(2);
    // A signed link for a viewer (no edges here: the origin's), valid a week, that plays.
    await page.getByTestId(`recording-vod-sign-${recordingId}`).click();
    const signed = (await page.getByTestId(`recording-vod-signed-${recordingId}`).textContent())!;
    expect(signed).toMatch(new RegExp(`^${host.url}/vod/${recordingId}/index\\.m3u8\\?exp=(\\d+)&sig=[A-Za-z0-9_-]{43}$`));
    expect(Number(/exp=(\d+)/.exec(signed)![1]) * 1000).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    // Its DASH twin, under the same signature.
    const signedDash = (await page.getByTestId(`recording-vod-signed-dash-${recordingId}`).textContent())!;
    expect(signedDash).toBe(signed.replace('/index.m3u8?', '/manifest.mpd?'));
    await page.getByTestId(`recording-vod-ready-${recordingId}`).screenshot({ path: path.join(ARTIFACTS, 'recording-vod-signed-link.png') });
    expect(ffprobe(signed).error).toBeUndefined();
    await page.getByTestId(`recording-play-${recordingId}`).click();
    await page.getByTestId('recording-player-source-hls').click();
    const video = page.getByTestId('recording-player').locator('video');
    await expect.poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 30_000 }).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'recording-vod-playing.png') });
  });

  it('puts the recording into the video library from the Recordings page: processed, ready, linked back', async () => {
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-recordings').click();
    await page.getByTestId(`recording-library-${recordingId}`).click();
    await page.waitForURL(/#\/library\/vid_/);
    const id = /#\/library\/(vid_[a-z0-9]+)/.exec(page.url())![1]!;
    await expect.poll(() => page.getByTestId('video-state').getAttribute('data-state'), { timeout: 180_000 }).toBe('ready');
    const video = (await api(host, 'GET', `/api/v1/videos/${id}`)).json;
    expect(video).toMatchObject({ source: 'recording', recordingId, state: 'ready' });
    expect(video.durationSec).toBeGreaterThan(50);
    expect(ffprobe(`${host.url}${video.urls.hls}`).error).toBeUndefined();
    await page.getByTestId('nav-recordings').click();
    await expect.poll(() => page.getByTestId(`recording-library-${recordingId}`).textContent()).toMatch(/In library/);
  }, 240_000);

  it('relays a live stream to a destination added on the stream page', async () => {
    const target = (await api(host, 'POST', '/api/v1/streams', { name: 'relay-target', ladder: 'passthrough' })).json;
    const source = (await api(host, 'POST', '/api/v1/streams', { name: 'relay-source', ladder: 'passthrough' })).json;
    const publisher = publishTestPattern(`${source.ingest.rtmp}/${source.key}`, { size: '640x360' });
    try {
      await page.goto(`${host.url}/`);
      await page.getByTestId('nav-streams').click();
      await page.getByTestId('stream-row-relay-source').click();
      await page.getByTestId('destinations').waitFor();
      await page.getByTestId('destination-url').fill('http://nope');
      await page.getByTestId('destination-submit').click();
      await expect.poll(() => page.getByTestId('field-error-url').textContent()).toMatch(/rtmp/i);
      await page.getByTestId('destination-url').fill(target.ingest.rtmp);
      await page.getByTestId('destination-key').fill(target.key);
      await page.getByTestId('destination-submit').click();
      const destination = await waitFor('the destination', async () => {
        const list = (await api(host, 'GET', '/api/v1/streams/relay-source/destinations')).json as any[];
        return list[0];
      }, 5000, 250);
      expect(destination.keyHint).toBe(`…${target.key.slice(-4)}`);
      expect(JSON.stringify(destination)).not.toContain(target.key);
      await page.getByTestId(`destination-start-${destination.id}`).click();
      await expect.poll(() => page.getByTestId(`destination-state-${destination.id}`).textContent(), { timeout: 20_000 }).toMatch(/live/i);
      await waitFor('target live', async () => ((await api(host, 'GET', '/api/v1/streams/relay-target')).json.state === 'live' ? true : undefined), 10_000, 250);
      await page.screenshot({ path: path.join(ARTIFACTS, 'destination-live.png') });
    } finally {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
  });
});
