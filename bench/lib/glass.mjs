// Glass-to-glass measurement for bench/live-latency: HLS playlist polling (first segment, segment
// boundaries to join at) and one playback in Chromium (hls.js or dash.js) sampled with the barcode
// decoder of bench/lib/player.mjs. Plain ESM.
/* global window, document -- functions passed to page.evaluate run in the browser */
import { sleep } from './live.mjs';

const noQuery = (u) => u.split('?')[0];

export async function getText(url) {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return res.status === 200 ? await res.text() : null;
  } catch {
    return null;
  }
}

/** The media playlist URL behind `url` (follows a master's first variant), or null while not there. */
export async function mediaPlaylistUrl(url) {
  const text = await getText(url);
  if (text === null) return null;
  if (!text.includes('#EXT-X-STREAM-INF')) return url;
  const lines = text.split('\n').map((l) => l.trim());
  const i = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF'));
  const variant = lines.slice(i + 1).find((l) => l && !l.startsWith('#'));
  return variant ? new URL(variant, url).href : null;
}

/** Whole segments listed by a media playlist (LL parts are tags, so they are not counted). */
export async function segmentsOf(mediaUrl) {
  const text = await getText(mediaUrl);
  if (text === null) return null;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => new URL(l, mediaUrl).href);
}

/** ms from `t0` to the first playlist listing a segment, and to that segment fetched. */
export async function firstSegment(playlistUrl, t0, timeoutMs = 30_000) {
  let listedMs = null;
  let mediaUrl = null;
  while (performance.now() - t0 < timeoutMs) {
    mediaUrl ??= await mediaPlaylistUrl(playlistUrl);
    const segs = mediaUrl ? await segmentsOf(mediaUrl) : null;
    if (segs && segs.length > 0) {
      listedMs ??= performance.now() - t0;
      try {
        const res = await fetch(segs[0], { cache: 'no-store' });
        const body = await res.arrayBuffer();
        if (res.status === 200 && body.byteLength > 0) return { listedMs, fetchedMs: performance.now() - t0, mediaUrl };
      } catch {
        // retry
      }
    }
    await sleep(20);
  }
  throw new Error(`no segment at ${playlistUrl} within ${timeoutMs} ms`);
}

/** Resolves right after the media playlist gains a new last segment. */
export async function nextSegmentBoundary(mediaUrl, timeoutMs = 15_000) {
  const lastOf = async () => {
    const segs = await segmentsOf(mediaUrl);
    return segs && segs.length ? noQuery(segs[segs.length - 1]) : null;
  };
  const first = await lastOf();
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    await sleep(20);
    const last = await lastOf();
    if (last && last !== first) return;
  }
  throw new Error(`no new segment in ${mediaUrl} within ${timeoutMs} ms`);
}

export async function waitSegments(mediaUrl, n, timeoutMs = 30_000) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const segs = await segmentsOf(mediaUrl);
    if (segs && segs.length >= n) return;
    await sleep(100);
  }
  throw new Error(`${mediaUrl} did not reach ${n} segments`);
}

/** ServiceDescription Latency@target of an MPD in seconds (NaN when absent). */
export async function mpdTargetLatencyS(mpdUrl) {
  const text = (await getText(mpdUrl)) ?? '';
  return Number(/<Latency\b[^>]*\btarget="(\d+)"/.exec(text)?.[1]) / 1000;
}

/**
 * One playback: joins `offsetS` after the next segment boundary of `mediaUrl`, starts `player` on `src`
 * (`kind` 'hls' with hls.js config `config`, 'dash' with dash.js settings, or 'videojs' in its defaults), waits for `playing`, lets
 * it settle `settleMs`, then reads `samples` frames >= 250 ms apart. Returns { samples (ms), startupMs,
 * bad, state } (`state`: what the player says of itself at the end, for the report).
 */
/** Waits until the player on `page` plays, or has said why not (window.bench, see player.mjs). */
export async function waitPlaying(page, timeout = 20_000) {
  await page.waitForFunction(() => window.bench.playingAt !== null || window.bench.errors.length > 0, null, { timeout });
}

export async function glassToGlass(player, { kind, src, mediaUrl, config, offsetS, settleMs, samples }) {
  await nextSegmentBoundary(mediaUrl);
  await sleep(offsetS * 1000);
  const page = kind === 'dash' ? await player.playDash(src, config) : kind === 'videojs' ? await player.playVideoJs(src) : await player.play(src, config);
  try {
    await waitPlaying(page);
    const { playingAt, loadAt, errors } = await page.evaluate(() => ({ playingAt: window.bench.playingAt, loadAt: window.bench.loadAt, errors: window.bench.errors }));
    if (errors.length) throw new Error(`${kind}: ${errors.join(', ')}`);
    await sleep(settleMs);
    const r = await page.evaluate(({ n, interval }) => window.sampleLatency(n, interval, 15_000), { n: samples, interval: 250 });
    const state = await page.evaluate(() => {
      const v = document.getElementById('v');
      const buffered = v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : NaN;
      const hls = window.bench.hls;
      const dash = window.bench.dash;
      const vjs = window.bench.vjs;
      return {
        rate: v.playbackRate,
        bufferS: buffered,
        // The player's own idea of its latency and target (seconds).
        // Video.js has no latency figure: how far behind its live edge it plays.
        playerLatencyS: hls ? hls.latency : dash ? dash.getCurrentLiveLatency() : vjs ? vjs.liveTracker.liveCurrentTime() - vjs.currentTime() : NaN,
        targetS: hls ? hls.targetLatency : dash ? dash.getTargetLiveDelay() : NaN,
        errors: window.bench.errors,
      };
    });
    return { samples: r.samples, startupMs: playingAt - loadAt, bad: r.bad, state };
  } finally {
    await page.close().catch(() => {});
  }
}
