// WHEP with real peers: ffmpeg publishes H.264 + AAC over RTMP, Chromium watches over WebRTC
// (video repacketized, audio through the Opus encoder), and DELETE frees the viewer.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../../test-support/host-process.js';
import { pidsMatching, publishTestPattern } from '../../../test-support/media.js';
import { inboundStats, launchMediaChromium, startWhepViewer } from '../../../test-support/webrtc.js';
import type { ChildProcess } from 'node:child_process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

describe('WHEP: RTMP in, WebRTC out', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess;
  let page: Page;
  beforeAll(async () => {
    host = await startHost();
    browser = await launchMediaChromium();
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'rtmp-show', ladder: 'passthrough' });
    publisher = publishTestPattern(`${created.json.ingest.rtmp}/${created.json.key}`, { size: '640x360', extra: ['-g', '30'] });
    await waitFor(async () => (await api(host, 'GET', '/api/v1/streams/rtmp-show')).json.state === 'live', 15_000, 'live');
    page = await browser.newPage();
    await page.goto(`${host.url}/healthz`);
  }, 60_000);
  afterAll(async () => {
    publisher?.kill('SIGTERM');
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
    expect(pidsMatching(host.home)).toEqual([]);
  });

  it('plays H.264 and Opus in Chromium, frames decoded', async () => {
    const answer = await startWhepViewer(page, `${host.url}/live/rtmp-show/whep`);
    expect(answer.status, answer.body).toBe(201);
    expect(answer.location).toMatch(/^\/live\/rtmp-show\/whep\/[A-Za-z0-9_-]{16}$/);
    expect(answer.body).toMatch(/^v=0/);
    const stats = await waitFor(async () => {
      const s = await inboundStats(page);
      return s.framesDecoded > 30 && s.audioPackets > 20 ? s : undefined;
    }, 30_000, 'decoded frames and audio packets');
    expect(stats.codec).toBe('video/H264');
    expect([stats.frameWidth, stats.frameHeight]).toEqual([640, 360]);
  }, 60_000);
});
