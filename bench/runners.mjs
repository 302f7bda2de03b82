#!/usr/bin/env node
// bench/runners: library throughput (media seconds processed per wall second) with 0, 1 and 2
// transcoding runners, each phase the same videos (BENCH_JOBS clips of BENCH_CLIP_S seconds, 854x480,
// the fast preset) uploaded over tus and timed from the first upload to the last `ready`.
// "A machine of the same size" is a CPU slice: a cgroup quota of BENCH_SLICE cores (0.6) each for the
// host and for every runner (their ffmpegs inherit it), so that on this 2-core machine the host, one
// runner and a second runner each have their own share and none takes another's:
//   0 runners: the host processes them itself, in its slice;
//   1 runner:  the host leaves them to runners (library.processOnOrigin false), one `streams runner` in
//              a slice of its own, the host's slice doing its part (the checks, the unpacking);
//   2 runners: a second runner in a third slice.
// Where no cgroup can be made (not root, no cpu controller), whole cores with taskset instead, as
// before: the host shares the second runner's core, and its part of each job is printed as its CPU per
// video. Goals: one runner does at least 0.9x what the host does alone in the same slice (the trip
// over the network, the SHA-256, the tar and the host's ffprobe of every output cost less than 10 %),
// and two runners at least 0.9x twice one runner (the issue's "0.9x linear scaling per added runner of
// the same size"). Knobs: BENCH_JOBS (6, 4 short), BENCH_CLIP_S (12, 8 short), BENCH_SLICE (0.6).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cpuSlice } from './lib/cpu-slice.mjs';
import { defineBench } from './lib/report.mjs';
import { tusUpload } from './lib/tus-upload.mjs';
import { cleanup, fmt, sleep, startHost, STREAMS_BIN, cleanEnv, stopProcess, tempDir, track, waitFor } from './lib/live.mjs';

const bench = defineBench('bench/runners', {
  one: { what: 'throughput, 1 runner vs the host alone, each in a CPU slice of the same size', on: 'ratio', op: '>=', target: 0.9, unit: 'media s/s' },
  two: { what: 'throughput, 2 runners vs twice 1 runner (linear scaling)', on: 'ratio', op: '>=', target: 0.9, unit: 'media s/s' },
});
bench.requires('build', 'ffmpeg');
if (os.availableParallelism() < 2) bench.skip('needs 2 cores (one per runner)');
if (spawnSync('taskset', ['-V']).error) bench.skip('needs taskset (apt-get install util-linux), for where no CPU slice can be made');
const JOBS = bench.knob('BENCH_JOBS', 6, 4);
const CLIP_S = bench.knob('BENCH_CLIP_S', 12, 8);
const SLICE = bench.knob('BENCH_SLICE', 0.6);
const work = tempDir('bench-runners-');

function makeClip(file) {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-t', String(CLIP_S), '-i', 'testsrc2=size=854x480:rate=30', '-f', 'lavfi', '-t', String(CLIP_S), '-i', 'sine=frequency=330:sample_rate=48000', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file]);
  if (r.status !== 0) throw new Error(`making the clip failed: ${r.stderr}`);
  return file;
}

const pin = (pid, cores) => {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset ${cores} ${pid}: ${r.stderr}`);
};

/** `streams runner` on `core` (taskset), or unpinned (null) for a CPU slice to take. */
function startRunner(host, name, core) {
  const command = [...(core === null ? [] : ['taskset', '-c', core]), process.execPath, STREAMS_BIN, 'runner', '--origin', host.url, '--token', host.token, '--name', name, '--dir', path.join(work, name)];
  const proc = track(spawn(command[0], command.slice(1), { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  proc.stdout.on('data', (d) => (out = (out + d).slice(-16384)));
  proc.stderr.on('data', (d) => (out = (out + d).slice(-16384)));
  return { proc, output: () => out };
}

/** CPU seconds of a process and its waited-for children (the host's ffprobes; a runner's ffmpegs). */
function treeCpu(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const x = f.slice(f.lastIndexOf(')') + 2).split(' ').map(Number);
    return (x[11] + x[12] + x[13] + x[14]) / 100;
  } catch {
    return NaN;
  }
}

/** Uploads JOBS copies, waits until every video is ready; media seconds per wall second. */
async function phase(host, label) {
  const cpu0 = treeCpu(host.proc.pid);
  const started = performance.now();
  const uploads = await Promise.all(Array.from({ length: JOBS }, (_, i) => tusUpload(host, clip, `${label}-${i}.mp4`)));
  const ids = [];
  for (const id of uploads) {
    const list = await host.api('GET', `/api/v1/videos?uploadId=${id}`);
    ids.push(list.json[0].id);
  }
  let media;
  const onRunner = new Map();
  const deadline = performance.now() + 900_000;
  for (;;) {
    if (performance.now() > deadline) throw new Error(`${label}: ${JOBS} videos not ready within 900 s`);
    // Two lists a second: the bench's own requests stay out of the host's figure.
    await sleep(500);
    const all = (await host.api('GET', '/api/v1/videos')).json;
    const videos = ids.map((id) => all.find((v) => v.id === id));
    const failed = videos.find((v) => v.state === 'failed');
    if (failed) throw new Error(`${label}: ${failed.id} failed: ${JSON.stringify(failed.error)}`);
    for (const v of videos) if (v.job?.state === 'running') onRunner.set(v.id, v.job.runner ?? 'host');
    media = videos.reduce((sum, v) => sum + (v.durationSec ?? 0), 0);
    if (videos.every((v) => v.state === 'ready')) break;
  }
  const wall = (performance.now() - started) / 1000;
  const where = [...new Set(onRunner.values())].length;
  const rate = media / wall;
  const hostCpu = (treeCpu(host.proc.pid) - cpu0) / JOBS;
  console.log(`runners: ${label.padEnd(10)} ${JOBS} videos, ${fmt(media, 0)} s of media in ${fmt(wall, 1)} s: ${fmt(rate, 2)} media s per wall s (seen on ${where} worker${where === 1 ? '' : 's'}; the host's CPU ${fmt(hostCpu, 2)} s per video)`);
  return rate;
}

let clip = '';
let cleanupSlices = () => {};
try {
  clip = makeClip(path.join(work, 'clip.mp4'));
  const host = await startHost({ env: { STREAMS_LIBRARY_DEFAULT_PRESET: 'fast', STREAMS_LIBRARY_CONCURRENCY: '1' } });
  const patch = async (library) => {
    const res = await host.api('PATCH', '/api/v1/config', { library });
    if (res.status !== 200) throw new Error(`PATCH /api/v1/config -> ${res.status}: ${res.text}`);
  };
  // CPU slices of the same size for the host and each runner, or whole cores where none can be made.
  const slices = ['host', 'a', 'b'].map((n) => cpuSlice(`streams-bench-runners-${process.pid}-${n}`, SLICE));
  const sliced = slices.every(Boolean);
  for (const s of sliced ? [] : slices) s?.remove();
  cleanupSlices = () => slices.forEach((s) => s?.remove());
  const place = (pid, i, core) => (sliced ? slices[i].add(pid) : pin(pid, core));
  console.log(`runners: ${JOBS} clips of ${CLIP_S} s (854x480, fast preset) per phase; ${sliced ? `the host and each runner in a CPU slice of ${SLICE} core (cgroup quota)` : 'no cgroup here: the host and each runner pinned to a core (taskset)'}`);
  place(host.proc.pid, 0, '0');
  const zero = await phase(host, '0 runners');
  if (!sliced) pin(host.proc.pid, '1');
  await patch({ processOnOrigin: false });
  const a = startRunner(host, 'bench-a', sliced ? null : '0');
  if (sliced) place(a.proc.pid, 1);
  await waitFor('runner a', async () => (await host.api('GET', '/api/v1/runners')).json.length === 1, 60_000, a.output);
  const one = await phase(host, '1 runner');
  const b = startRunner(host, 'bench-b', sliced ? null : '1');
  if (sliced) place(b.proc.pid, 2);
  await waitFor('runner b', async () => (await host.api('GET', '/api/v1/runners')).json.length === 2, 60_000, b.output);
  const two = await phase(host, '2 runners');
  bench.record('one', { ours: one, reference: zero, note: `the host alone ${fmt(zero, 2)}, 1 runner ${fmt(one, 2)} media s/s` });
  bench.record('two', { ours: two, reference: 2 * one, note: `2 runners ${fmt(two, 2)} media s/s; linear would be ${fmt(2 * one, 2)}` });
  await stopProcess(a.proc);
  await stopProcess(b.proc);
  await host.stop();
} catch (error) {
  console.error(error);
  bench.fail(error);
}
cleanupSlices();
bench.finish();
await cleanup();
process.exit();
