#!/usr/bin/env node
// bench/ladder-cpu: CPU of our live packager for the `standard` ladder against the same ffmpeg command
// run by hand (the reference), in the same run. Both are fed a 1280x720@30 test pattern from an
// identical publisher ffmpeg (x264 ultrafast zerolatency, 2 s GOP, AAC):
//  - ours: publisher -> RTMP -> `streams host` -> packager ffmpeg (found with pgrep -f <home>/live/bench);
//  - reference: publisher -> FLV on a pipe -> ffmpeg with the argument list read from our packager's
//    /proc/<pid>/cmdline (output folder swapped for a temp dir).
// CPU = utime+stime from /proc/<pid>/stat over the same window (WARMUP_S after the packager appears,
// then MEASURE_S). Speed: ffmpeg's own `speed=` (-progress; ours via the host's stream.stats event) and
// the output rate (media seconds of segments written in the window / wall seconds).
// Sides alternate (ours, reference, ...), BENCH_RUNS each, medians.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import {
  cleanup,
  cmdline,
  cpuSeconds,
  fmt,
  haveCommand,
  median,
  pidsMatching,
  ratio,
  removeDir,
  requireBuild,
  sleep,
  startHost,
  startPublisher,
  stopProcess,
  tempDir,
  track,
} from './lib/live.mjs';

const NAME = 'bench/ladder-cpu';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 3);
const MEASURE_S = Number(process.env.BENCH_MEASURE_S ?? 15);

if (!haveCommand('ffmpeg')) {
  console.log(`${NAME}: SKIPPED: ffmpeg is not installed`);
  process.exit(0);
}
requireBuild(NAME);

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
    const stream = await host.createStream('bench', 'standard');
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

const ours = [];
const reference = [];
const started = performance.now();
try {
  for (let i = 0; i < RUNS; i++) {
    ours.push(await runOurs());
    reference.push(await runReference());
  }
} finally {
  await cleanup();
}

const m = (xs, f) => median(xs.map(f));
const refCpu = m(reference, (r) => r.packagerCpu);
const rows = [
  { name: 'reference: same ffmpeg args, FLV on a pipe', cpu: refCpu, xs: reference, speedOf: (r) => r.speed },
  { name: 'ours: packager ffmpeg', cpu: m(ours, (r) => r.packagerCpu), xs: ours, speedOf: (r) => r.speed },
  { name: 'ours: packager + host process (RTMP ingest)', cpu: m(ours, (r) => r.packagerCpu + r.hostCpu), xs: ours, speedOf: (r) => r.speed },
];
const windowS = m([...ours, ...reference], (r) => r.wall);
// The ladder, as read from the packager's arguments: each video output's codec (and size when scaled).
const graph = packagerArgs[packagerArgs.indexOf('-filter_complex') + 1] ?? '';
const ladder = packagerArgs
  .map((a, i) => (/^-c:v:\d+$/.test(a) ? { n: Number(a.slice(5)), codec: packagerArgs[i + 1] } : null))
  .filter(Boolean)
  .map(({ n, codec }) => {
    if (codec === 'copy') return 'copy';
    const chain = graph.split(';').find((c) => c.endsWith(`[v${n}]`)) ?? '';
    const size = /scale=w=(\d+):h=(\d+)/.exec(chain);
    const preset = packagerArgs[packagerArgs.indexOf(`-preset:v:${n}`) + 1];
    return `${size ? `${size[2]}p ` : ''}${codec}${packagerArgs.includes(`-preset:v:${n}`) ? ` ${preset}` : ''}`;
  });
console.log(
  `${NAME}: \`standard\` ladder [${ladder.join(' | ')}] on a 1280x720@30 test pattern; ` +
    `CPU over ${fmt(windowS, 1)} s after ${WARMUP_S} s warm-up; ${RUNS} runs each, medians; ${fmt((performance.now() - started) / 1000, 0)} s total`,
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
const goal = m(ours, (r) => r.packagerCpu) / refCpu;
console.log(`${NAME}: packager CPU / reference = ${fmt(goal, 3)} (goal <= 1.05: ${goal <= 1.05 ? 'met' : 'NOT met'})`);
