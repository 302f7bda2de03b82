// Timed data in step with the picture, measured with a barcode: the publisher burns each frame's own
// media time (its FLV timestamp) into the picture; messages are published for frames of known barcode T
// (`?mediaTime=T`); our player page (/play/<name>) must show each one while the frame showing T is on
// screen. The in-page decoder reads the frame in the same frame callback that shows the message.
import type { ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barcodeFilter, BARCODE } from '../bench/lib/live.mjs';
import { samplerScript } from '../bench/lib/player.mjs';
import { launchChromium } from '../test-support/browser.js';
import { api, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern, stopHostCleanly } from '../test-support/media.js';
import { needs } from '../test-support/peers.js';
import { waitFor } from '../test-support/wait.js';

const FPS = 30;
const FRAME_MS = 1000 / FPS;
/** The publisher's timestamps start at 1 s (`-output_ts_offset 1`): AAC's priming then needs no shift of the video. */
const OFFSET_MS = 1000;
const MOD = 2 ** BARCODE.bits;
/** The media time of the first frame at or after `t` (FLV times are whole ms). */
const frameAt = (t: number): number => OFFSET_MS + Math.round(Math.ceil(((t - OFFSET_MS) * FPS) / 1000) * FRAME_MS);

interface Shown {
  seq: number;
  programDateTime: number;
  framePdt: number;
  mode: string;
  hook: number | null;
}

describe.skipIf(needs('ffmpeg', 'chromium'))('timed data in step with the picture (barcode)', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess;

  beforeAll(async () => {
    host = await startHost();
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'tl', ladder: 'passthrough', latency: 'low', dvrMinutes: 1 })).json;
    publisher = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, {
      size: '1280x720',
      extra: ['-vf', barcodeFilter(FPS, { mediaMs: OFFSET_MS }), '-output_ts_offset', String(OFFSET_MS / 1000)],
    });
    await waitFor('two segments', async () => {
      const res = await fetch(`${host.url}/live/tl/v0.m3u8`);
      return res.status === 200 && (await res.text()).split('#EXTINF').length > 2;
    }, 30_000);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (publisher) {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
    await stopHostCleanly(host);
  });

  /** Opens the player, publishes three messages for frames ahead of the one on screen, returns what it showed. */
  async function measure(page: Page, via: string): Promise<{ published: number[]; shown: Shown[] }> {
    await page.goto(`${host.url}/play/tl?via=${via}`);
    await page.addScriptTag({ content: samplerScript('v') });
    // The frame's barcode, read in the frame callback that shows a message.
    await page.evaluate((mod) => {
      const w = window as unknown as { frameLatency(now: number): number | null; __dataHook: () => number | null };
      w.__dataHook = () => {
        const lat = w.frameLatency(0);
        return lat === null ? null : (mod - lat) % mod;
      };
    }, MOD);
    const now = await waitFor('a decoded frame', () =>
      page.evaluate((mod) => {
        const lat = (window as unknown as { frameLatency(now: number): number | null }).frameLatency(0);
        return lat === null ? null : (mod - lat) % mod;
      }, MOD), 20_000);
    const published = [2000, 2500, 3100].map((ahead) => frameAt(now + ahead));
    for (const [i, mediaTime] of published.entries()) {
      const res = await fetch(`${host.url}/api/v1/streams/tl/data/score?mediaTime=${mediaTime}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ n: i }),
      });
      expect(res.status).toBe(202);
    }
    const shown = await waitFor('three messages shown', async () => {
      const data = await page.evaluate(() => (window as unknown as { __data: Shown[] }).__data);
      return data.length >= 3 ? data : undefined;
    }, 20_000);
    return { published, shown };
  }

  it('LL-HLS: each message shows at the frame of its barcode (within one frame)', async () => {
    const page = await browser.newPage();
    const { published, shown } = await measure(page, 'hls');
    const frames = shown.map((s, i) => ((s.hook ?? NaN) - published[i]!) / FRAME_MS);
    console.log(`LL-HLS: shown at frames ${frames.map((f) => f.toFixed(2)).join(', ')} from the message's (barcodes ${shown.map((s) => s.hook).join(', ')})`);
    expect(shown.map((s) => s.mode)).toEqual(['hls', 'hls', 'hls']);
    for (const f of frames) expect(Math.abs(f)).toBeLessThanOrEqual(1);
    await page.close();
  }, 60_000);
});
