// Timed data in step with the picture, measured with a barcode: the publisher burns each frame's own
// media time (its FLV timestamp) into the picture; messages are published for frames of known barcode T
// (`?mediaTime=T`), and one without a media time, which the host stamps with the frame it has just
// received (the ack names it); our player page (/play/<name>) must show each one while the frame showing
// T is on screen. The in-page decoder reads the frame in the same frame callback that shows the message.
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
  /** The frame presented before (null: the first). */
  previousPdt: number | null;
  mode: string;
  hook: number | null;
  /** Date.now() in the page when it was shown. */
  shownAt: number;
}

describe.skipIf(needs('ffmpeg', 'chromium'))('timed data in step with the picture (barcode)', () => {
  let host: HostProcess;
  let browser: Browser;
  let publisher: ChildProcess;
  /** Every message published (seq -> the media time it was published for): the recording's VOD shows them all again. */
  const everything = new Map<number, number>();

  beforeAll(async () => {
    host = await startHost();
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'tl', ladder: 'passthrough', latency: 'low', dvrMinutes: 1, record: true })).json;
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

  /**
   * Opens the player, publishes three messages for frames ahead of the one on screen; returns, per
   * message, how many frames after its own the frame showing it was (0: the very frame).
   */
  /** The player page at `query`, with the barcode decoder; the frame's barcode is read in the frame callback that shows a message. */
  async function openPlayer(page: Page, query: string, stream = 'tl'): Promise<void> {
    await page.goto(`${host.url}/play/${stream}?${query}`);
    await page.addScriptTag({ content: samplerScript('v') });
    await page.evaluate(`window.__dataHook = () => (${barcode.toString()})(${MOD})`);
  }

  const barcode = (mod: number): number | null => {
    const lat = (window as unknown as { frameLatency(now: number): number | null }).frameLatency(0);
    return lat === null ? null : (mod - lat) % mod;
  };

  const shownOf = async (page: Page, seqs: Map<number, number>): Promise<Shown[] | undefined> => {
    const data = (await page.evaluate(() => (window as unknown as { __data: Shown[] }).__data)).filter((s) => seqs.has(s.seq));
    return data.length >= seqs.size ? data : undefined;
  };

  async function measure(page: Page, via: string, stream = 'tl'): Promise<{ frames: number[]; shown: Shown[]; published: Map<number, number> }> {
    await openPlayer(page, `via=${via}`, stream);
    // Over WebRTC the messages ride the player's data channel: it must be open before they are sent (a
    // loaded CI run had it open more than 4 s after the first frame).
    if (via === 'webrtc') await waitFor('the data channel open', () => page.evaluate(() => document.body.dataset.channel === 'open'), 20_000);
    // And a frame dated (over WebRTC the first time map may come a few frames after the channel opens:
    // a message for a frame before it shows at the first dated frame, which a fresh-clone run saw).
    await waitFor('a dated frame', () => page.evaluate(() => document.body.dataset.clock === 'dated'), 20_000);
    const now = await waitFor('a decoded frame', () => page.evaluate(barcode, MOD), 20_000);
    const published = new Map<number, number>();
    // Three for frames ahead, at the publisher's media time; the last one stamped by the host with the
    // frame it has just received (no media time given): the ack says which frame that is. Four seconds
    // ahead: on a busy machine the WebRTC data channel may open a second or two after the first frame,
    // and a message must reach the player before its frame does.
    for (const [i, ahead] of [4000, 4500, 5100, null].entries()) {
      const mediaTime = ahead === null ? null : frameAt(now + ahead);
      const res = await fetch(`${host.url}/api/v1/streams/${stream}/data/score${mediaTime === null ? '' : `?mediaTime=${mediaTime}`}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ n: i }),
      });
      expect(res.status).toBe(202);
      const ack = (await res.json()) as { seq: number; mediaTime: number };
      if (mediaTime !== null) expect(ack.mediaTime).toBe(mediaTime);
      published.set(ack.seq, ack.mediaTime);
      if (stream === 'tl') everything.set(ack.seq, ack.mediaTime);
    }
    const shown = await waitFor('four messages shown', () => shownOf(page, published), 20_000);
    return { frames: shown.map((s) => ((s.hook ?? NaN) - published.get(s.seq)!) / FRAME_MS), shown, published };
  }

  /**
   * Within one frame (frames are 33 or 34 ms apart: FLV times are whole ms). Two checks per message:
   * the frame on screen is the one the player dated (its PDT maps back to the barcode it shows), and it
   * is the message's own frame, unless frames before it were never presented (a stall, a catch-up on a
   * busy machine: the message then shows at the first frame after, which the gap explains).
   */
  const ONE_FRAME = Math.ceil(FRAME_MS);
  const expectWithinAFrame = (shown: Shown[], mediaTimes: Map<number, number>): void => {
    for (const s of shown) {
      const mediaTime = mediaTimes.get(s.seq)!;
      const barcodePdt = s.programDateTime + (s.hook! - mediaTime);
      expect(Math.abs(s.framePdt - barcodePdt), `frame dated ${s.framePdt - barcodePdt} ms off its barcode`).toBeLessThanOrEqual(ONE_FRAME);
      const gap = s.previousPdt === null ? 0 : s.framePdt - s.previousPdt;
      // The message says how it was shown: the frame before (null: no dated frame before it) and when.
      const how = `message ${s.seq} shown ${s.hook! - mediaTime} ms after its frame; the frame before dated ${s.previousPdt === null ? 'null' : `${Math.round(gap)} ms earlier`}; shown at ${s.shownAt}`;
      if (gap <= 1.5 * FRAME_MS) expect(Math.abs(s.hook! - mediaTime), how).toBeLessThanOrEqual(ONE_FRAME);
      else console.log(`message ${s.seq}: shown after ${Math.round(gap)} ms without a presented frame`);
    }
  };

  const report = (what: string, frames: number[]): void =>
    console.log(`${what}: shown ${frames.map((f) => f.toFixed(2)).join(', ')} frames after the message's own`);

  it('LL-HLS: each message shows at the frame of its barcode (within one frame)', async () => {
    const page = await browser.newPage();
    const { frames, shown, published } = await measure(page, 'hls');
    report('LL-HLS', frames);
    expect(shown.map((s) => s.mode)).toEqual(['hls', 'hls', 'hls', 'hls']);
    expectWithinAFrame(shown, published);
    await page.close();
  }, 60_000);

  it('WebRTC: the same over the data channel and the RTP time maps', async () => {
    const page = await browser.newPage();
    const { frames, shown, published } = await measure(page, 'webrtc');
    report('WebRTC', frames);
    expect(shown.map((s) => s.mode)).toEqual(['webrtc', 'webrtc', 'webrtc', 'webrtc']);
    expectWithinAFrame(shown, published);
    await page.close();
  }, 60_000);

  it('HLS (the standard packager, stitched playlists): the same, dated from the media clock', async () => {
    const created = (await api(host, 'POST', '/api/v1/streams', { name: 'tn', ladder: 'passthrough', latency: 'standard' })).json;
    const second = publishTestPattern(`${created.ingest.rtmp}/${created.key}`, {
      size: '1280x720',
      extra: ['-vf', barcodeFilter(FPS, { mediaMs: OFFSET_MS }), '-output_ts_offset', String(OFFSET_MS / 1000)],
    });
    const page = await browser.newPage();
    try {
      await waitFor('two dated segments', async () => {
        const res = await fetch(`${host.url}/live/tn/v0.m3u8`);
        return res.status === 200 && (await res.text()).split('#EXT-X-PROGRAM-DATE-TIME').length > 2;
      }, 30_000);
      const { frames, shown, published } = await measure(page, 'hls', 'tn');
      report('HLS', frames);
      expect(shown.map((s) => s.mode)).toEqual(['hls', 'hls', 'hls', 'hls']);
      expectWithinAFrame(shown, published);
      // The same messages in the session's DASH Period as an EventStream.
      const mpd = await (await fetch(`${host.url}/live/tn/manifest.mpd`)).text();
      expect(mpd).toMatch(/<Period[^>]*>\n {4}<EventStream schemeIdUri="urn:streams-studio:data"/);
      expect(mpd.match(/<Event presentationTime="\d+"/g)).toHaveLength(4);
    } finally {
      await page.close();
      second.kill('SIGKILL');
      await exitOf(second);
    }
  }, 90_000);

  it("the recording's VOD: every message again at its frame", async () => {
    publisher.kill('SIGKILL');
    await exitOf(publisher);
    const recording = await waitFor('the finished recording', async () => {
      const list = (await api(host, 'GET', '/api/v1/recordings?stream=tl')).json as { id: string; state: string }[];
      return list.find((r) => r.state !== 'recording');
    }, 20_000);
    expect((await api(host, 'POST', `/api/v1/recordings/${recording.id}/vod`, { ladder: 'passthrough' })).status).toBe(202);
    await waitFor('the VOD', async () => (await api(host, 'GET', `/api/v1/recordings/${recording.id}`)).json.vod.state === 'ready', 60_000);
    const page = await browser.newPage();
    await openPlayer(page, `vod=${recording.id}`);
    // From a little before the first message (its media time less the recording's first frame's, about 1 s).
    const first = Math.min(...everything.values());
    await waitFor('the VOD playing', () => page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime > 0), 20_000);
    await page.evaluate((at) => { (document.getElementById('v') as HTMLVideoElement).currentTime = at; }, Math.max(0, (first - OFFSET_MS) / 1000 - 2.5));
    const shown = await waitFor('every message shown again', () => shownOf(page, everything), 40_000);
    const frames = shown.map((s) => ((s.hook ?? NaN) - everything.get(s.seq)!) / FRAME_MS);
    report('Recording VOD', frames);
    expectWithinAFrame(shown, everything);
    await page.close();
  }, 120_000);
});
