#!/usr/bin/env node
/* global document, window -- functions passed to page.evaluate run in the browser */
// bench/live-runner: glass-to-glass latency of a live ladder encoded on a transcoding runner against
// the same ladder encoded at the origin, in the same run: one host, one `streams runner` (on this
// machine), two streams alike (low latency, the standard ladder, one 720p30 barcode publisher each, one
// at a time) but for `encodeOn`. For each, hls.js (lowLatencyMode) joins at fixed offsets after a new
// segment and samples SAMPLES frames (the barcode's wall clock against Date.now(): bench/lib/glass.mjs);
// p50 and p90 over all joins. Then, with hls.js playing the runner's stream, the runner is SIGKILLed:
// the time until the ladder is back at the origin and the longest time the player's picture stood
// still are printed. Goals: p50 on the runner within 0.3 s of the origin's; playback resumes within 5 s.
// Needs ffmpeg, Chromium, hls.js and a build. BENCH_SHORT=1: joins at +0 and +1 s.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { glassToGlass, firstSegment, waitPlaying, waitSegments } from './lib/glass.mjs';
import { cleanEnv, cleanup, median, percentile, sleep, startHost, startPublisher, stopProcess, STREAMS_BIN, tempDir, track, waitFor } from './lib/live.mjs';
import { launchPlayer } from './lib/player.mjs';
import { defineBench } from './lib/report.mjs';

const bench = defineBench('bench/live-runner', {
  latency: { what: 'LL-HLS glass-to-glass p50, ladder on a runner minus at the origin (hls.js)', on: 'ours', op: '<=', target: 0.3, unit: 's' },
  resume: { what: 'longest stall of hls.js when the runner is killed', on: 'ours', op: '<=', target: 5, unit: 's' },
});
bench.requires('ffmpeg', 'chromium', 'hls.js', 'build');
const JOIN_OFFSETS_S = (process.env.BENCH_JOIN_OFFSETS ?? (bench.short ? '0,1' : '0,0.5,1,1.5')).split(',').map(Number);
const SAMPLES = 10;
const SETTLE_MS = 4000;
const work = tempDir('bench-live-runner-');

let player = null;
try {
  const host = await startHost();
  const runner = track(spawn(process.execPath, [STREAMS_BIN, 'runner', '--origin', host.url, '--token', host.token, '--name', 'bench-runner', '--slots', '1', '--dir', path.join(work, 'runner')], { env: cleanEnv(), stdio: 'ignore' }));
  await waitFor('the runner', async () => (await host.api('GET', '/api/v1/runners')).json.length === 1, 30_000);
  player = await launchPlayer();
  const encodedOn = async (name) => (await host.api('GET', `/api/v1/streams/${name}`)).json.live?.encodedOn ?? null;

  const results = {};
  for (const [name, on, where] of [['origin', 'origin', 'origin'], ['runner', 'runner', 'bench-runner']]) {
    const stream = await host.createStream(name, 'standard', { latency: 'low', encodeOn: on });
    const t0 = performance.now();
    const pub = startPublisher(stream.publishUrl, { barcode: true });
    try {
      const a = await firstSegment(stream.hls, t0);
      await waitFor(`${name}: encoding on ${where}`, async () => (await encodedOn(name)) === where, 30_000);
      await waitSegments(a.mediaUrl, 3);
      const samples = [];
      for (const offsetS of JOIN_OFFSETS_S) {
        const g = await glassToGlass(player, { kind: 'hls', src: stream.hls, mediaUrl: a.mediaUrl, config: { lowLatencyMode: true }, offsetS, settleMs: SETTLE_MS, samples: SAMPLES });
        samples.push(...g.samples);
      }
      results[name] = { p50: median(samples) / 1000, p90: percentile(samples, 90) / 1000, n: samples.length };
      console.log(`ladder at ${name === 'origin' ? 'the origin' : 'the runner'}: p50 ${results[name].p50.toFixed(2)} s, p90 ${results[name].p90.toFixed(2)} s over ${samples.length} frames`);
      if (name === 'runner') {
        // The runner killed while a viewer plays: how long the picture stands still.
        const page = await player.play(stream.hls, { lowLatencyMode: true });
        await waitPlaying(page);
        await sleep(3000);
        await page.evaluate(() => {
          const v = document.getElementById('v');
          window.still = { last: v.currentTime, at: performance.now(), longest: 0 };
          window.stillTimer = setInterval(() => {
            const s = window.still;
            if (v.currentTime > s.last) {
              s.longest = Math.max(s.longest, performance.now() - s.at);
              s.last = v.currentTime;
              s.at = performance.now();
            }
          }, 50);
        });
        const killedAt = performance.now();
        await stopProcess(runner, 'SIGKILL');
        await waitFor('the ladder back at the origin', async () => (await encodedOn(name)) === 'origin', 15_000);
        const backMs = performance.now() - killedAt;
        await sleep(10_000);
        const longest = await page.evaluate(() => Math.max(window.still.longest, performance.now() - window.still.at));
        await page.close();
        results.resume = { backMs, longestS: longest / 1000 };
        console.log(`runner killed: the ladder back at the origin in ${Math.round(backMs)} ms; hls.js stood still ${(longest / 1000).toFixed(2)} s at most`);
      }
    } finally {
      await stopProcess(pub, 'SIGKILL');
    }
  }
  bench.record('latency', { ours: results.runner.p50 - results.origin.p50, note: `origin p50 ${results.origin.p50.toFixed(2)} s, runner p50 ${results.runner.p50.toFixed(2)} s` });
  bench.record('resume', { ours: results.resume.longestS, note: `ladder back at the origin in ${Math.round(results.resume.backMs)} ms` });
  await host.stop();
} catch (error) {
  bench.fail(error);
  console.error(error);
} finally {
  await player?.close?.().catch(() => {});
  await cleanup();
}
bench.finish();
