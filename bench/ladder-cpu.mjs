#!/usr/bin/env node
// bench/ladder-cpu, in two parts, both in the same run.
// (1) Overhead only: CPU of our live packager for the `standard` ladder against the same ffmpeg command
//     line replayed by hand (the reference is our own argument list, so this ratio says what running it
//     inside the host costs, not whether the ladder is a good one: part 2 is about that). Both are fed
//     a 1280x720@30 test pattern from an identical publisher ffmpeg (x264 ultrafast zerolatency, 2 s
//     GOP, AAC):
//     - ours: publisher -> RTMP -> `streams host` -> packager ffmpeg (found with pgrep -f <home>/live/bench);
//     - reference: publisher -> FLV on a pipe -> ffmpeg with the argument list read from our packager's
//       /proc/<pid>/cmdline (output folder swapped for a temp dir).
//     CPU = utime+stime from /proc/<pid>/stat over the same window (WARMUP_S after the packager appears,
//     then MEASURE_S). Speed: ffmpeg's own `speed=` (-progress; ours via the host's stream.stats event)
//     and the output rate (media seconds of segments written in the window / wall seconds).
//     Sides alternate (ours, reference, ...), BENCH_RUNS each, medians.
// (2) Quality per CPU second: the encoded renditions of our ladder (the packager's own per-stream
//     options: preset, rate control, GOP) against a reference ladder with ffmpeg's defaults for the same
//     renditions (same scaling graph, same encoder, same bitrates, nothing else: x264's default preset),
//     both encoding the same QUALITY_S-second clip of the publisher's stream as fast as they can.
//     CPU = the encode's user+system time (the shell's `times`); quality = ffmpeg's ssim and psnr
//     filters, each rendition against the source scaled the same way (so only the encoding differs);
//     quality per CPU second = mean SSIM / (CPU s per second of media). Sides alternate, BENCH_RUNS each,
//     CPU medians, quality of the last run.
// BENCH_SHORT=1: 1 run, 8 s windows, an 8 s clip.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import {
  cleanup,
  cmdline,
  cpuSeconds,
  fmt,
  median,
  pidsMatching,
  publisherArgs,
  ratio,
  removeDir,
  sleep,
  startHost,
  startPublisher,
  stopProcess,
  tempDir,
  track,
} from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/ladder-cpu';
const bench = defineBench(NAME, {
  overhead: { what: 'packager CPU, host vs its own ffmpeg args replayed (overhead only)', on: 'ratio', op: '<=', target: 1.05, unit: 'CPU s' },
  qualityPerCpu: { what: 'mean SSIM per CPU s, our ladder vs x264 defaults (same sizes, bitrates)', on: 'ratio', op: '>=', target: 1.0, digits: 3 },
});
const RUNS = bench.knob('BENCH_RUNS', 3, 1);
const WARMUP_S = bench.knob('BENCH_WARMUP_S', 3);
const MEASURE_S = bench.knob('BENCH_MEASURE_S', 15, 8);
const QUALITY_S = bench.knob('BENCH_QUALITY_S', 20, 8);
bench.requires('ffmpeg', 'build');

/** Highest chunk number of the first output stream in `dir` (segments are numbered from 1). */
function lastChunk(dir) {
  let max = 0;
  try {
    for (const f of fs.readdirSync(dir)) {
      const m = /^chunk-stream0-(\d+)\.m4s$/.exec(f);
      if (m) max = Math.max(max, Number(m[1]));
    }
  } catch {
    // not there yet
  }
  return max;
}

const segSecondsOf = (args) => Number(args[args.indexOf('-seg_duration') + 1]) || 2;

/** CPU seconds of `pids` now (sum; a vanished PID counts as null -> flagged). */
const cpuOf = (pids) => pids.map(cpuSeconds);
const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);

async function measureWindow({ packagerPids, hostPid, outDir, segSeconds, speed }) {
  await sleep(WARMUP_S * 1000);
  const c0 = cpuOf(packagerPids);
  const h0 = hostPid ? cpuSeconds(hostPid) : 0;
  const t0 = performance.now();
  // Output rate: segments completed between the first and the last new segment seen in the window
  // (polled every 50 ms), over the wall time between those two sightings.
  let seen = null;
  let first = null;
  let last = null;
  while (performance.now() - t0 < MEASURE_S * 1000) {
    const k = lastChunk(outDir);
    const now = performance.now();
    if (seen !== null && k > seen) {
      first ??= { k, now };
      last = { k, now };
    }
    seen = k;
    await sleep(50);
  }
  const c1 = cpuOf(packagerPids);
  const h1 = hostPid ? cpuSeconds(hostPid) : 0;
  const wall = (performance.now() - t0) / 1000;
  if (c1.some((c) => c === null)) throw new Error('a packager process exited during the window (restart?)');
  return {
    wall,
    packagerCpu: sum(c1) - sum(c0),
    hostCpu: h1 - h0,
    speed: speed(),
    outputRate: first && last && last.k > first.k ? ((last.k - first.k) * segSeconds * 1000) / (last.now - first.now) : NaN,
  };
}

let packagerArgs = null;

async function runOurs() {
  const host = await startHost();
  let pub = null;
  let ws = null;
  try {
    // Standard latency: the packager that writes HLS itself, whose argument list replays as the
    // reference. (A low-latency packager pipes fMP4 to the host's segmenter and has no output folder
    // on its command line; its CPU is in bench/live-latency's table.)
    const stream = await host.createStream('bench', 'standard', { latency: 'standard' });
    let lastSpeed = null;
    ws = new WebSocket(`${host.url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${host.token}` } });
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'event' && m.event === 'stream.stats' && m.data?.name === 'bench' && m.data.packager?.speed != null) lastSpeed = m.data.packager.speed;
    });
    ws.on('error', () => {});
    pub = startPublisher(stream.publishUrl);
    const needle = path.join(host.home, 'live', 'bench');
    let pids = [];
    const deadline = performance.now() + 20_000;
    while (pids.length === 0) {
      if (performance.now() > deadline) throw new Error(`no packager matching ${needle} within 20 s:\n${host.output()}\n${pub.errors()}`);
      await sleep(50);
      pids = pidsMatching(needle).filter((pid) => (cmdline(pid)?.[0] ?? '').includes('ffmpeg'));
    }
    const args = cmdline(pids[0]);
    packagerArgs ??= args;
    const outDir = path.dirname(args[args.length - 1]);
    const r = await measureWindow({ packagerPids: pids, hostPid: host.proc.pid, outDir, segSeconds: segSecondsOf(args), speed: () => lastSpeed });
    return { ...r, processes: pids.length };
  } finally {
    ws?.terminate();
    if (pub) await stopProcess(pub, 'SIGTERM', 3000);
    await host.stop();
  }
}

async function runReference() {
  const outDir = tempDir('streams-bench-ladder-ref-');
  let pub = null;
  let ref = null;
  try {
    // Same argument list, output swapped to our temp folder (the last argument is the manifest path).
    const args = packagerArgs.slice(1);
    args[args.length - 1] = path.join(outDir, path.basename(args[args.length - 1]));
    pub = startPublisher('pipe:1');
    ref = track(spawn(packagerArgs[0], args, { stdio: [pub.stdout, 'pipe', 'pipe'] }));
    let lastSpeed = null;
    let progress = '';
    ref.stdout.on('data', (d) => {
      progress = (progress + d).slice(-4096);
      for (const m of progress.matchAll(/speed=\s*([\d.]+)x/g)) lastSpeed = Number(m[1]);
    });
    let err = '';
    ref.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    // Same start point as ours: the packager process exists and is being fed.
    const r = await measureWindow({ packagerPids: [ref.pid], hostPid: null, outDir, segSeconds: segSecondsOf(args), speed: () => lastSpeed });
    if (ref.exitCode !== null) throw new Error(`reference ffmpeg exited ${ref.exitCode}: ${err}`);
    return { ...r, processes: 1 };
  } finally {
    if (pub) await stopProcess(pub, 'SIGTERM', 3000);
    if (ref) await stopProcess(ref, 'SIGTERM', 5000);
    removeDir(outDir);
  }
}

// ---- (2) quality per CPU second ----

/**
 * The video renditions of the packager's argument list: output stream number, codec (`copy` for a copied
 * one), the filter chain that feeds an encoded one (from the -filter_complex graph, labels removed), and
 * its own options ([option, value] with the `:v:N` specifier cut off).
 */
function renditionsOf(args) {
  const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
  const out = [];
  args.forEach((a, i) => {
    const m = /^-c:v:(\d+)$/.exec(a);
    if (!m) return;
    const n = Number(m[1]);
    if (args[i + 1] === 'copy') return void out.push({ n, codec: 'copy', options: [] });
    const chain = graph.split(';').find((c) => c.endsWith(`[v${n}]`)) ?? '';
    const options = [];
    args.forEach((b, j) => {
      const o = new RegExp(`^(-[\\w-]+):v:${n}$`).exec(b);
      if (o) options.push([o[1], args[j + 1]]);
    });
    const size = /scale=w=(\d+):h=(\d+)/.exec(chain);
    out.push({
      n,
      label: size ? `${size[1]}x${size[2]}` : `v${n}`,
      height: size?.[2],
      filters: chain.replace(/^(\[[^\]]+\])+/, '').replace(/\[v\d+\]$/, ''),
      options,
      codec: args[i + 1],
      bitrate: options.find(([o]) => o === '-b')?.[1],
    });
  });
  return { graph, renditions: out };
}

/** An ffmpeg encoding `source` into one Matroska file, one video stream per rendition (`optionsOf(r)` each). */
function ladderArgs(source, graph, renditions, optionsOf, out) {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'flv', '-i', source, '-filter_complex', graph];
  for (const r of renditions) args.push('-map', `[v${r.n}]`);
  renditions.forEach((r, k) => {
    for (const [option, value] of optionsOf(r)) args.push(`${option}:v:${k}`, value);
  });
  return [...args, '-an', '-f', 'matroska', '-y', out];
}

/** Runs `command args` to its end; resolves to { cpu (user+system s of the command), stderr }. */
function runTimed(command, args) {
  return new Promise((resolve, reject) => {
    // `times` prints the shell's children's user and system time: the whole ffmpeg, every thread.
    const proc = track(spawn('sh', ['-c', '"$@"; status=$?; times >&3; exit $status', 'sh', command, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] }));
    let err = '';
    let times = '';
    proc.stderr.on('data', (d) => (err = (err + d).slice(-20_000)));
    proc.stdio[3].on('data', (d) => (times += d));
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${path.basename(command)} exited ${code}: ${err.slice(-2000)}`));
      const children = times.trim().split('\n').at(-1) ?? '';
      const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
      resolve({ cpu, stderr: err });
    });
  });
}

/** SSIM (All) and PSNR (average, dB) of stream `k` of `encoded` against `source` passed through `filters`. */
async function qualityOf(ffmpeg, encoded, k, source, filters) {
  const graph =
    `[0:v:${k}]setpts=PTS-STARTPTS,split[d1][d2];[1:v]${filters},setpts=PTS-STARTPTS,split[r1][r2];` +
    '[d1][r1]ssim[o1];[d2][r2]psnr[o2]';
  const { stderr } = await runTimed(ffmpeg, [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-i', encoded, '-f', 'flv', '-i', source,
    '-filter_complex', graph, '-map', '[o1]', '-f', 'null', '-', '-map', '[o2]', '-f', 'null', '-',
  ]);
  const ssim = Number(/SSIM Y:.*All:([\d.]+)/.exec(stderr)?.[1]);
  const psnr = Number(/PSNR y:.*average:([\d.]+)/.exec(stderr)?.[1]);
  if (!Number.isFinite(ssim) || !Number.isFinite(psnr)) throw new Error(`no ssim/psnr summary from ffmpeg: ${stderr.slice(-1500)}`);
  return { ssim, psnr };
}

async function measureQuality() {
  const ffmpeg = packagerArgs[0];
  const dir = tempDir('streams-bench-ladder-quality-');
  try {
    const source = path.join(dir, 'source.flv');
    // The publisher's own stream (same source, same x264 ultrafast encode), as fast as it can be made.
    await runTimed('ffmpeg', publisherArgs(source, { seconds: QUALITY_S }).filter((a) => a !== '-re'));
    const { graph, renditions: all } = renditionsOf(packagerArgs);
    // Copied renditions are left out: they cost nothing and lose nothing.
    const renditions = all.filter((r) => r.codec !== 'copy');
    if (renditions.length === 0) throw new Error('the ladder encodes nothing (all copied)');
    const unfed = renditions.find((r) => !r.filters);
    if (unfed) throw new Error(`no filter chain for output v${unfed.n} in ${graph}`);
    const sides = {
      ours: { optionsOf: (r) => r.options, cpu: [] },
      reference: { optionsOf: (r) => [['-c', r.codec], ['-b', r.bitrate]], cpu: [] },
    };
    for (let run = 0; run < RUNS; run++) {
      for (const side of run % 2 === 0 ? ['ours', 'reference'] : ['reference', 'ours']) {
        const out = path.join(dir, `${side}.mkv`);
        sides[side].cpu.push((await runTimed(ffmpeg, ladderArgs(source, graph, renditions, sides[side].optionsOf, out))).cpu);
      }
    }
    for (const side of Object.values(sides)) side.cpuPerMediaS = median(side.cpu) / QUALITY_S;
    for (const [name, side] of Object.entries(sides)) {
      side.quality = [];
      for (const [k, r] of renditions.entries()) side.quality.push(await qualityOf(ffmpeg, path.join(dir, `${name}.mkv`), k, source, r.filters));
      side.ssim = side.quality.reduce((a, q) => a + q.ssim, 0) / side.quality.length;
      side.psnr = side.quality.reduce((a, q) => a + q.psnr, 0) / side.quality.length;
      side.perCpu = side.ssim / side.cpuPerMediaS;
    }
    return { renditions, ...sides };
  } finally {
    removeDir(dir);
  }
}

// ---- the runs ----

const ours = [];
const reference = [];
let quality = null;
const started = performance.now();
try {
  for (let i = 0; i < RUNS; i++) {
    ours.push(await runOurs());
    reference.push(await runReference());
  }
  quality = await measureQuality();
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await cleanup();
}

const m = (xs, f) => median(xs.map(f));
if (ours.length > 0 && reference.length > 0) {
  const refCpu = m(reference, (r) => r.packagerCpu);
  const rows = [
    { name: 'reference: same ffmpeg args, FLV on a pipe', cpu: refCpu, xs: reference, speedOf: (r) => r.speed },
    { name: 'ours: packager ffmpeg', cpu: m(ours, (r) => r.packagerCpu), xs: ours, speedOf: (r) => r.speed },
    { name: 'ours: packager + host process (RTMP ingest)', cpu: m(ours, (r) => r.packagerCpu + r.hostCpu), xs: ours, speedOf: (r) => r.speed },
  ];
  const windowS = m([...ours, ...reference], (r) => r.wall);
  // The ladder, as read from the packager's arguments: each video output's codec (and size when scaled).
  const ladder = renditionsOf(packagerArgs).renditions.map((r) => {
    if (r.codec === 'copy') return 'copy';
    const preset = r.options.find(([o]) => o === '-preset')?.[1];
    return `${r.height ? `${r.height}p ` : ''}${r.codec}${preset ? ` ${preset}` : ''}`;
  });
  console.log(
    `${NAME}: (1) overhead only (the reference replays our own packager command line): \`standard\` ladder [${ladder.join(' | ')}] ` +
      `on a 1280x720@30 test pattern; CPU over ${fmt(windowS, 1)} s after ${WARMUP_S} s warm-up; ${RUNS} runs each, medians; ${fmt((performance.now() - started) / 1000, 0)} s total`,
  );
  console.log('| what | CPU s | % of a core | x reference | ffmpeg speed | output rate |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${fmt(r.cpu, 2)} | ${fmt((100 * r.cpu) / windowS, 0)}% | ${ratio(r.cpu, refCpu)} | ${fmt(m(r.xs, r.speedOf), 2)}x | ${fmt(m(r.xs, (x) => x.outputRate), 2)}x |`,
    );
  }
  const list = (xs, f) => xs.map((x) => fmt(f(x), 2)).join(', ');
  console.log(`${NAME}: per run CPU s: reference ${list(reference, (r) => r.packagerCpu)}; packager ${list(ours, (r) => r.packagerCpu)}; host ${list(ours, (r) => r.hostCpu)}`);
  bench.record('overhead', {
    ours: m(ours, (r) => r.packagerCpu),
    reference: refCpu,
    note: 'overhead only: the reference is our own command line replayed',
  });
}
if (quality) {
  const q = quality;
  console.log(
    `\n${NAME}: (2) quality per CPU second: the encoded renditions [${q.renditions.map((r) => `${r.label} ${r.bitrate}`).join(' | ')}] of a ${QUALITY_S} s clip ` +
      `of the publisher's stream, encoded as fast as possible; ours = the packager's options, reference = ffmpeg's defaults (${q.renditions[0].codec} + bitrate only); ` +
      `CPU medians of ${RUNS} runs`,
  );
  console.log(`| ladder | CPU s per media s | ${q.renditions.map((r) => `${r.label} SSIM / PSNR`).join(' | ')} | mean SSIM | mean PSNR | SSIM per CPU s |`);
  console.log(`|---|---:|${q.renditions.map(() => '---:|').join('')}---:|---:|---:|`);
  for (const [label, side] of [
    [`reference: ffmpeg defaults (${q.renditions[0].codec} default preset)`, q.reference],
    [`ours: ${q.renditions.map((r) => r.options.filter(([o]) => o === '-preset').map(([, v]) => v)[0] ?? 'no preset').join('/')} + the packager's GOP and rate control`, q.ours],
  ]) {
    console.log(
      `| ${label} | ${fmt(side.cpuPerMediaS, 3)} | ${side.quality.map((x) => `${fmt(x.ssim, 4)} / ${fmt(x.psnr, 2)} dB`).join(' | ')} | ${fmt(side.ssim, 4)} | ${fmt(side.psnr, 2)} dB | ${fmt(side.perCpu, 3)} |`,
    );
  }
  console.log(
    `${NAME}: SSIM per CPU s: ours ${fmt(q.ours.perCpu, 3)}, reference ${fmt(q.reference.perCpu, 3)}, ratio ${ratio(q.ours.perCpu, q.reference.perCpu)}; ` +
      `mean SSIM ours - reference ${fmt(q.ours.ssim - q.reference.ssim, 4)}, mean PSNR ${fmt(q.ours.psnr - q.reference.psnr, 2)} dB, CPU ${ratio(q.ours.cpuPerMediaS, q.reference.cpuPerMediaS)}x`,
  );
  bench.record('qualityPerCpu', {
    ours: q.ours.perCpu,
    reference: q.reference.perCpu,
    note: `mean SSIM ${fmt(q.ours.ssim, 4)} vs ${fmt(q.reference.ssim, 4)}, CPU s per media s ${fmt(q.ours.cpuPerMediaS, 3)} vs ${fmt(q.reference.cpuPerMediaS, 3)}`,
  });
}
bench.finish();
