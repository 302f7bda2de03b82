// Viewers who help each other: HLS viewers of one stream on the player page exchange segments over
// WebRTC data channels (p2p-media-loader, the host's tracker), each peer's segment checked against the
// hash the host publishes; a viewer that corrupts what it sends is dropped and playback goes on.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, ROOT, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { COUNTER, counterFilter } from '../test-support/studio.js';

const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');

interface P2pStats { httpBytes: number; p2pBytes: number; uploadedBytes: number; peers: number; dropped: number; invalid: number; seeded: number }

describe.skipIf(needs('chromium', 'ffmpeg'))('P2P segments between viewers (Chromium, real tracker)', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess | undefined;
  const pages: Page[] = [];

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    host = await startHost();
    // Peers on one machine reach each other by loopback host candidates, named, not hidden behind mDNS.
    browser = await launchChromium({ args: ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'] });
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'p2p-show', ladder: 'passthrough', latency: 'standard', p2p: { mode: 'on' } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.p2p).toEqual({ mode: 'on', maxPeers: 5, maxUploadKbps: 0, active: true });
    // Each frame carries its number as a barcode (test-support/studio.ts): a viewer can tell a frame decoded from good bytes.
    publisher = publishTestPattern(`rtmp://127.0.0.1:${host.rtmpPort}/live/${created.json.key}`, { size: `${COUNTER.width}x${COUNTER.height}`, extra: ['-b:v', '1500k', '-vf', counterFilter()] });
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const stats = (page: Page): Promise<P2pStats> => page.evaluate(() => ({ ...(window as unknown as { p2pStats: P2pStats }).p2pStats }));
  const currentTime = (page: Page): Promise<number> => page.locator('#v').evaluate((v) => (v as HTMLVideoElement).currentTime);
  const open = async (setup?: (page: Page) => Promise<void>): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    await setup?.(page);
    page.on('pageerror', (e) => console.log('page error', e.message));
    await page.goto(`${host.url}/play/p2p-show?via=hls`);
    await expect.poll(async () => page.evaluate(() => document.body.dataset.p2p), { timeout: 30_000 }).toBe('on');
    pages.push(page);
    return page;
  };

  /**
   * In the page, from now on: the frame counter of every frame the video shows (requestVideoFrameCallback),
   * counted as read or unreadable (a frame decoded from damaged bytes smears the barcode's blocks).
   */
  const watchFrames = (page: Page): Promise<void> =>
    page.evaluate((c) => {
      const v = document.getElementById('v') as HTMLVideoElement;
      const seen = { read: 0, unreadable: 0 };
      (window as unknown as { frames: typeof seen }).frames = seen;
      const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true })!;
      const onFrame = (): void => {
        if (v.videoWidth) {
          const s = v.videoWidth / c.width;
          if (ctx.canvas.width !== v.videoWidth) Object.assign(ctx.canvas, { width: v.videoWidth, height: v.videoHeight });
          ctx.drawImage(v, 0, 0);
          const strip = ctx.getImageData(0, 0, Math.ceil((c.x0 + c.bits * c.blockW + 8) * s), Math.ceil((c.y0 + c.blockH + 8) * s));
          const lum = (x: number, y: number): number => {
            const i = (Math.round(y * s) * strip.width + Math.round(x * s)) * 4;
            return 0.299 * strip.data[i]! + 0.587 * strip.data[i + 1]! + 0.114 * strip.data[i + 2]!;
          };
          let ok = lum(c.x0 - 4, c.y0 + c.blockH / 2) <= 60;
          for (let k = 0; ok && k < c.bits; k++) {
            const l = lum(c.x0 + k * c.blockW + c.blockW / 2, c.y0 + c.blockH / 2);
            if (l > 60 && l < 190) ok = false;
          }
          if (ok) seen.read += 1;
          else seen.unreadable += 1;
        }
        v.requestVideoFrameCallback(onFrame);
      };
      v.requestVideoFrameCallback(onFrame);
    }, COUNTER);
  const framesOf = (page: Page): Promise<{ read: number; unreadable: number }> => page.evaluate(() => ({ ...(window as unknown as { frames: { read: number; unreadable: number } }).frames }));

  /** Viewers join a stream that has been live a while (its playlist holds several segments), as they do. */
  const liveFor = async (segments: number): Promise<void> => {
    await expect.poll(async () => {
      const res = await fetch(`${host.url}/live/p2p-show/index.m3u8`);
      if (!res.ok) return 0;
      const variant = (await res.text()).split('\n').find((l) => l && !l.startsWith('#'))!;
      const media = await (await fetch(new URL(variant, `${host.url}/live/p2p-show/`))).text();
      return media.split('\n').filter((l) => l.startsWith('#EXTINF')).length;
    }, { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(segments);
  };

  it('viewers of one stream find each other through the tracker and get segments from each other; the host counts the bytes from peers', async () => {
    await liveFor(6);
    for (let i = 0; i < 4; i++) await open();
    // Each viewer is connected to the three others (in the video and the audio swarm alike: counted once).
    await expect.poll(async () => (await Promise.all(pages.map(stats))).map((s) => s.peers), { timeout: 60_000, interval: 1000 }).toEqual([3, 3, 3, 3]);
    for (const page of pages) {
      const t = await currentTime(page);
      await expect.poll(() => currentTime(page), { timeout: 15_000 }).toBeGreaterThan(t + 1);
    }
    const all = await Promise.all(pages.map(stats));
    console.log('p2p viewers:', all.map((s) => `http ${s.httpBytes} p2p ${s.p2pBytes} up ${s.uploadedBytes} peers ${s.peers} seeded ${s.seeded}`).join('; '));
    expect(all.every((s) => s.invalid === 0 && s.httpBytes > 0)).toBe(true);
    // Segments travel between them: the share from peers grows (the benchmark measures how far).
    await expect.poll(async () => (await Promise.all(pages.map(stats))).reduce((sum, s) => sum + s.p2pBytes, 0), { timeout: 60_000, interval: 1000 }).toBeGreaterThan(0);
    // New segments were fetched over HTTP by seeders the viewers chose among themselves, not by all of them.
    await expect.poll(async () => (await Promise.all(pages.map(stats))).reduce((sum, s) => sum + s.seeded, 0), { timeout: 30_000, interval: 1000 }).toBeGreaterThan(0);
    await expect.poll(() => pages[0]!.locator('#p2p').textContent()).toMatch(/^\d+ % · \d+ peers$/);
    await pages[0]!.screenshot({ path: path.join(ARTIFACTS, 'p2p-player.png') });
    // The pages' beacons (every 10 s) reach the stream's viewer figures.
    await expect.poll(async () => ((await api(host, 'GET', '/api/v1/streams/p2p-show/viewers')).json as { segmentBytes: { peers: number } }).segmentBytes.peers, { timeout: 30_000 }).toBeGreaterThan(0);
    for (const page of pages.splice(0)) await page.close();
  }, 150_000);

  it('a viewer that turns to corrupting what it sends is dropped by the others, who play on from HTTP and honest peers', async () => {
    // Viewers who join a stream live a while play a hold-back behind its live edge, with room to share.
    await liveFor(6);
    // The liar shares one segment honestly, as any viewer, then flips bytes in every segment chunk it
    // sends over a data channel. The library weighs peers by the bandwidth they showed in the last 15 s:
    // a peer nobody has taken from lately gets a tenth of a proven one's share of requests, so a liar from
    // the start is seldom asked; one that has just served a segment is asked as often as the others.
    // It keeps to the protocol (its commands, framed "cstr"/"dstr" … "cend"/"dend", go out whole): a peer
    // whose announcements are garbage is never asked for anything.
    const liar = await open(async (page) => {
      await page.addInitScript(() => {
        const w = window as unknown as { lying: boolean };
        w.lying = false;
        let honestBytes = 0;
        const send = RTCDataChannel.prototype.send as (this: RTCDataChannel, data: unknown) => void;
        RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: unknown) {
          const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
          if (!bytes) return send.call(this, data);
          const command = bytes.byteLength >= 4 && (bytes[0] === 0x63 || bytes[0] === 0x64) && bytes[1] === 0x73 && bytes[2] === 0x74 && bytes[3] === 0x72;
          // A command after a segment's worth of data: that segment went out whole; lie from now on.
          if (command && honestBytes >= 100_000) w.lying = true;
          if (command || bytes.byteLength < 1000) return send.call(this, data);
          if (!w.lying) {
            honestBytes += bytes.byteLength;
            return send.call(this, data);
          }
          const bad = bytes.slice();
          for (let i = 0; i < bad.length; i += 61) bad[i] = bad[i]! ^ 0xff;
          return send.call(this, bad);
        } as typeof RTCDataChannel.prototype.send;
      });
    });
    const honest: Page[] = [];
    for (let i = 0; i < 3; i++) honest.push(await open());
    for (const page of honest) await watchFrames(page);
    // Until someone asks the liar for a segment: on a loaded machine that can take a minute or two (the
    // pages fetch more over HTTP there: what is due soon is not waited for).
    await expect.poll(() => liar.evaluate(() => (window as unknown as { lying: boolean }).lying), { timeout: 150_000, interval: 1000 }).toBe(true);
    const lyingSince = Date.now();
    // Each honest viewer that took a segment from the liar threw it away and dropped the liar.
    await expect.poll(async () => (await Promise.all(honest.map(stats))).reduce((sum, s) => sum + s.dropped, 0), { timeout: 120_000, interval: 1000 }).toBeGreaterThan(0);
    const after = await Promise.all(honest.map(stats));
    console.log(`honest viewers beside a liar (dropped within ${Date.now() - lyingSince} ms of its first lie):`, after.map((s) => `http ${s.httpBytes} p2p ${s.p2pBytes} invalid ${s.invalid} dropped ${s.dropped}`).join('; '));
    expect(after.every((s) => s.dropped <= s.invalid)).toBe(true);
    // They play on: time moves, no media error, and every frame they showed carries a whole barcode
    // (nothing unchecked reached the decoder).
    for (const page of honest) {
      const t = await currentTime(page);
      await expect.poll(() => currentTime(page), { timeout: 15_000 }).toBeGreaterThan(t + 1);
      expect(await page.locator('#v').evaluate((v) => (v as HTMLVideoElement).error)).toBeNull();
    }
    const frames = await Promise.all(honest.map(framesOf));
    console.log('frames the honest viewers showed:', frames.map((f) => `${f.read} read, ${f.unreadable} unreadable`).join('; '));
    expect(frames.every((f) => f.read >= 30 && f.unreadable === 0)).toBe(true);
  }, 330_000);
});
