#!/usr/bin/env node
// bench/live-latency: live HLS latency of our host (passthrough ladder) against nginx +
// libnginx-mod-rtmp (`hls on; hls_fragment 2s; hls_playlist_length 6s`), in the same run, fed by the
// same publisher (ffmpeg test pattern 720p30, x264 ultrafast zerolatency, 2 s GOP, FLV over RTMP):
//  (a) publish -> first playable segment: from spawning the publisher to the first media playlist
//      that lists a segment, and to that segment answering 200 (polled every 20 ms). BENCH_RUNS runs.
//  (b) glass-to-glass: the publisher burns its wall clock (ms, at the moment the test source emits
//      the frame) into each frame as a barcode; Chromium plays the stream with hls.js (same config on
//      both sides: defaults, then liveSyncDurationCount 1), a frame callback copies the frame to a
//      canvas, decodes the barcode and subtracts it from Date.now(). The player joins at fixed offsets
//      after a new segment appears in the media playlist (latency depends on the join time within a
//      segment); 10 samples once playback is steady, median.
// Goals (set when the bench got its verdict; it printed no goal before): ours within 1.1x of nginx-rtmp
// for the first segment fetched and for glass-to-glass under both hls.js configs.
// Needs ffmpeg, nginx + libnginx-mod-rtmp, Chromium and hls.js; skips (exit 2) without them.
// BENCH_SHORT=1: 1 run, joins at +0 and +1 s.
/* global window -- functions passed to page.evaluate run in the browser */
import { cleanup, fmt, median, ratio, sleep, startHost, startNginxRtmp, startPublisher, stopProcess } from './lib/live.mjs';
import { launchPlayer } from './lib/player.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/live-latency';
const CONFIGS = [
  { label: 'hls.js defaults', config: {}, goal: 'glassDefaults' },
  { label: 'hls.js liveSyncDurationCount 1', config: { liveSyncDurationCount: 1 }, goal: 'glassSync1' },
];
const bench = defineBench(NAME, {
  firstSegment: { what: 'publish -> first segment fetched, ours vs nginx-rtmp', on: 'ratio', op: '<=', target: 1.1, unit: 's' },
  glassDefaults: { what: 'glass-to-glass, hls.js defaults, ours vs nginx-rtmp', on: 'ratio', op: '<=', target: 1.1, unit: 's' },
  glassSync1: { what: 'glass-to-glass, hls.js liveSyncDurationCount 1, ours vs nginx-rtmp', on: 'ratio', op: '<=', target: 1.1, unit: 's' },
});
const RUNS = bench.knob('BENCH_RUNS', 3, 1);
const JOIN_OFFSETS_S = (process.env.BENCH_JOIN_OFFSETS ?? (bench.short ? '0,1' : '0,0.5,1,1.5')).split(',').map(Number);
const SAMPLES = 10;
const SETTLE_MS = 2000;
bench.requires('ffmpeg', 'nginx-rtmp', 'chromium', 'hls.js', 'build');

// ---- playlists ----

const noQuery = (u) => u.split('?')[0];

async function getText(url) {
  try {
    const res = await fetch(url, { cache: 'no-store' });
    return res.status === 200 ? await res.text() : null;
  } catch {
    return null;
  }
}

/** The media playlist URL behind `url` (follows a master's first variant), or null while not there. */
async function mediaPlaylistUrl(url) {
  const text = await getText(url);
  if (text === null) return null;
  if (!text.includes('#EXT-X-STREAM-INF')) return url;
  const lines = text.split('\n').map((l) => l.trim());
  const i = lines.findIndex((l) => l.startsWith('#EXT-X-STREAM-INF'));
  const variant = lines.slice(i + 1).find((l) => l && !l.startsWith('#'));
  return variant ? new URL(variant, url).href : null;
}

async function segmentsOf(mediaUrl) {
  const text = await getText(mediaUrl);
  if (text === null) return null;
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => new URL(l, mediaUrl).href);
}

/** (a): ms from `t0` to the first playlist listing a segment, and to that segment fetched. */
async function firstSegment(playlistUrl, t0, timeoutMs = 30_000) {
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
async function nextSegmentBoundary(mediaUrl, timeoutMs = 15_000) {
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

async function waitSegments(mediaUrl, n, timeoutMs = 30_000) {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const segs = await segmentsOf(mediaUrl);
    if (segs && segs.length >= n) return;
    await sleep(100);
  }
  throw new Error(`${mediaUrl} did not reach ${n} segments`);
}

// ---- (b) one playback ----

async function glassToGlass(player, src, mediaUrl, config, offsetS) {
  await nextSegmentBoundary(mediaUrl);
  await sleep(offsetS * 1000);
  const page = await player.play(src, config);
  try {
    await page.waitForFunction(() => window.bench.playingAt !== null || window.bench.errors.length > 0, null, { timeout: 20_000 });
    const { playingAt, loadAt, errors } = await page.evaluate(() => ({ playingAt: window.bench.playingAt, loadAt: window.bench.loadAt, errors: window.bench.errors }));
    if (errors.length) throw new Error(`hls.js: ${errors.join(', ')}`);
    await sleep(SETTLE_MS);
    const r = await page.evaluate(({ n, interval }) => window.sampleLatency(n, interval, 10_000), { n: SAMPLES, interval: 250 });
    return { latencyMs: median(r.samples), startupMs: playingAt - loadAt, n: r.samples.length, bad: r.bad };
  } finally {
    await page.close().catch(() => {});
  }
}

// ---- the sides ----

const SIDES = {
  ours: {
    label: 'ours (passthrough)',
    async start() {
      const host = await startHost();
      const stream = await host.createStream('bench', 'passthrough');
      return { publishUrl: stream.publishUrl, playlist: stream.hls, stop: () => host.stop() };
    },
  },
  nginx: {
    label: 'nginx-rtmp',
    async start() {
      const ngx = await startNginxRtmp();
      return { publishUrl: ngx.publishUrl('bench'), playlist: ngx.hls('bench'), stop: () => ngx.stop() };
    },
  },
};

const results = { ours: { a: [], b: {} }, nginx: { a: [], b: {} } };
let player = null;
const started = performance.now();
try {
  player = await launchPlayer();
  for (let run = 0; run < RUNS; run++) {
    const last = run === RUNS - 1;
    for (const side of ['ours', 'nginx']) {
      const server = await SIDES[side].start();
      let pub = null;
      try {
        const t0 = performance.now();
        pub = startPublisher(server.publishUrl, { barcode: true });
        const a = await firstSegment(server.playlist, t0);
        results[side].a.push(a);
        if (last) {
          // Playback needs the default 3-segment hold-back: let the window fill first.
          await waitSegments(a.mediaUrl, 3);
          for (const offset of JOIN_OFFSETS_S) {
            for (const { label, config } of CONFIGS) {
              const key = `${label}|${offset}`;
              try {
                results[side].b[key] = await glassToGlass(player, server.playlist, a.mediaUrl, config, offset);
              } catch (err) {
                results[side].b[key] = { error: String(err.message ?? err).split('\n')[0] };
              }
            }
          }
        }
      } finally {
        if (pub) await stopProcess(pub, 'SIGTERM', 3000);
        await server.stop();
      }
    }
  }
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  if (player) await player.close();
  await cleanup();
}

const s = (ms) => `${fmt(ms / 1000, 2)} s`;
console.log(
  `${NAME}: publisher 1280x720@30 x264 ultrafast zerolatency, 2 s GOP, RTMP; (a) medians of ${RUNS} runs; ` +
    `(b) median of ${SAMPLES} frames, joined at +${JOIN_OFFSETS_S.join('/+')} s after a new segment; ${fmt((performance.now() - started) / 1000, 0)} s total`,
);
console.log('| metric | ours (passthrough) | nginx-rtmp | ratio |');
console.log('|---|---:|---:|---:|');
const aRow = (label, field) => {
  const o = median(results.ours.a.map((x) => x[field]));
  const n = median(results.nginx.a.map((x) => x[field]));
  console.log(`| ${label} | ${s(o)} | ${s(n)} | ${ratio(o, n)} |`);
};
aRow('publish -> media playlist lists a segment', 'listedMs');
aRow('publish -> first segment fetched', 'fetchedMs');
const perRun = (side) => results[side].a.map((x) => fmt(x.listedMs / 1000, 2)).join(', ');
const lat = (side, label) => JOIN_OFFSETS_S.map((off) => results[side].b[`${label}|${off}`]?.latencyMs);
const cell = (xs) => {
  const ok = xs.filter(Number.isFinite);
  if (ok.length === 0) return 'n/a';
  return `${s(median(ok))} (${fmt(Math.min(...ok) / 1000, 1)}-${fmt(Math.max(...ok) / 1000, 1)})${ok.length < xs.length ? ` ${xs.length - ok.length} failed` : ''}`;
};
for (const { label } of CONFIGS) {
  const o = lat('ours', label);
  const n = lat('nginx', label);
  console.log(`| glass-to-glass, ${label}: median (min-max) of ${JOIN_OFFSETS_S.length} joins | ${cell(o)} | ${cell(n)} | ${ratio(median(o), median(n))} |`);
}
for (const { label } of CONFIGS) {
  const o = median(JOIN_OFFSETS_S.map((off) => results.ours.b[`${label}|${off}`]?.startupMs));
  const n = median(JOIN_OFFSETS_S.map((off) => results.nginx.b[`${label}|${off}`]?.startupMs));
  console.log(`| player load -> playing, ${label} | ${s(o)} | ${s(n)} | ${ratio(o, n)} |`);
}
// Per join offset (same offset on both sides), and any playback that failed.
for (const { label } of CONFIGS) {
  const per = JOIN_OFFSETS_S.map((off) => {
    const o = results.ours.b[`${label}|${off}`]?.latencyMs;
    const n = results.nginx.b[`${label}|${off}`]?.latencyMs;
    return `+${off} s ${fmt(o / 1000, 2)}/${fmt(n / 1000, 2)}`;
  });
  console.log(`${NAME}: ${label}, ours/nginx per join: ${per.join(', ')}`);
}
console.log(`${NAME}: publish -> playlist per run (s): ours ${perRun('ours')}; nginx ${perRun('nginx')}`);
const failures = [];
for (const side of ['ours', 'nginx']) {
  for (const [key, r] of Object.entries(results[side].b)) {
    if (!r.error) continue;
    console.log(`${NAME}: ${side} ${key}: ${r.error}`);
    failures.push(`${side} ${key}`);
  }
}

const secondsOf = (xs, f) => median(xs.map(f)) / 1000;
bench.record('firstSegment', {
  ours: secondsOf(results.ours.a, (x) => x.fetchedMs),
  reference: secondsOf(results.nginx.a, (x) => x.fetchedMs),
  note: `median of ${results.ours.a.length}/${results.nginx.a.length} runs`,
});
for (const { label, goal } of CONFIGS) {
  const failed = failures.filter((f) => f.includes(label)).length;
  bench.record(goal, {
    ours: median(lat('ours', label)) / 1000,
    reference: median(lat('nginx', label)) / 1000,
    note: `median of ${JOIN_OFFSETS_S.length} joins${failed ? `, ${failed} playbacks failed` : ''}`,
  });
}
bench.finish();
