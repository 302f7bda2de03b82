#!/usr/bin/env node
// bench/vod-transcode: the library's processing, encode step only, against the same ffmpeg command line
// run plainly. Ours: VideoProcessor.run on a generated clip (test-support/vod-media.ts: 1280x720,
// three scenes, a tone), preset `fast` (x264 veryfast, 720p/480p/360p); its encode ffmpeg's arguments
// are captured at spawn. The reference: those arguments replayed with child_process.spawn into
// another folder. Wall time = spawn to exit; CPU = the children's user+system time this process
// collected while that one ffmpeg ran (/proc/self/stat cutime+cstime: every child is reaped by us,
// and only that one runs then). Both sides BENCH_RUNS times, the order alternating (ours first, then
// reference first, ...), medians. Also printed: every step's wall time of our run, and the encode's
// speed (media seconds per wall second). Wall time swings with the shared machine's load; CPU is the
// steadier figure.
// BENCH_SHORT=1: 1 run, a 12 s clip. The processor is bundled from the sources with esbuild first.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CLK_TCK } from '../test-support/machine.mjs';
import { fmt, median } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/vod-transcode';
const bench = defineBench(NAME, {
  wall: { what: 'encode step wall time, processor vs its ffmpeg args run plainly', on: 'ratio', op: '<=', target: 1.05, unit: 's' },
  cpu: { what: 'encode step CPU, processor vs its ffmpeg args run plainly', on: 'ratio', op: '<=', target: 1.05, unit: 'CPU s' },
});
const RUNS = bench.knob('BENCH_RUNS', 2, 1);
const CLIP_S = bench.knob('BENCH_CLIP_S', 24, 12);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** CPU seconds of this process's reaped children so far. */
function childrenCpu() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": cutime is field 16 (index 13), cstime 17 (index 14).
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
}

async function bundleProcessor() {
  const outfile = path.join(root, 'dist', 'bench', 'vod-processor.mjs');
  await build({
    stdin: {
      contents: [
        "export { VideoProcessor } from './src-main/vod/process/processor.ts';",
        "export { ChildRegistry } from './src-main/core/children.ts';",
        "export { silentLogger } from './src-main/core/logger.ts';",
        "export { probeFfmpeg } from './src-main/encoder/probe.ts';",
        "export { ENCODER_CANDIDATES } from './src-main/encoder/trial.ts';",
        "export { makeClip } from './test-support/vod-media.ts';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'warning',
    define: { __STUDIO_VERSION__: '"bench"' },
  });
  return import(pathToFileURL(outfile).href);
}

async function runOurs(mod, info, clip, outDir) {
  const children = new mod.ChildRegistry();
  let encode = null;
  const spawnInner = children.spawn.bind(children);
  children.spawn = (command, args, options) => {
    const isEncode = args.includes('dash');
    const cpu0 = isEncode ? childrenCpu() : 0;
    const t0 = performance.now();
    const child = spawnInner(command, args, options);
    if (isEncode) {
      encode = { args: [...args], done: new Promise((resolve) => child.once('close', () => resolve({ wall: (performance.now() - t0) / 1000, cpu: childrenCpu() - cpu0 }))) };
    }
    return child;
  };
  const processor = new mod.VideoProcessor({
    children,
    ffmpegPath: async () => 'ffmpeg',
    ffprobePath: async () => 'ffprobe',
    ffmpegInfo: async () => info,
    logger: mod.silentLogger(),
  });
  try {
    const outputs = await processor.run({ signal: new AbortController().signal, progress: () => {} }, { input: clip, outDir, preset: 'fast', normalizeLoudness: false, subtitles: [] });
    if (!encode) throw new Error('no encode ffmpeg was started');
    return { ...(await encode.done), args: encode.args, outputs };
  } finally {
    await children.dispose();
  }
}

async function runReference(args, fromDir, toDir) {
  fs.rmSync(toDir, { recursive: true, force: true });
  fs.mkdirSync(toDir, { recursive: true });
  const swapped = args.map((a) => a.split(fromDir).join(toDir));
  const cpu0 = childrenCpu();
  const t0 = performance.now();
  const child = spawn('ffmpeg', swapped, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (t) => (stderr = (stderr + t).slice(-4000)));
  const code = await new Promise((resolve) => child.once('close', resolve));
  const result = { wall: (performance.now() - t0) / 1000, cpu: childrenCpu() - cpu0 };
  if (code !== 0) throw new Error(`reference ffmpeg exited ${code}: ${stderr}`);
  if (!fs.existsSync(path.join(toDir, 'manifest.mpd'))) throw new Error('reference wrote no manifest.mpd');
  return result;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vod-transcode-'));
try {
  if (spawnSync('ffmpeg', ['-version']).status !== 0) bench.skip('no ffmpeg on the PATH: apt-get install ffmpeg');
  const mod = await bundleProcessor();
  const children = new mod.ChildRegistry();
  const info = await mod.probeFfmpeg({ path: 'ffmpeg', source: 'path', ffprobePath: 'ffprobe' }, {
    runner: children,
    timeoutMs: 20_000,
    platform: process.platform,
    candidates: mod.ENCODER_CANDIDATES.filter((c) => ['libx264', 'aac'].includes(c.name)),
  });
  await children.dispose();
  const clip = path.join(tmp, 'clip.mp4');
  await mod.makeClip(clip, { seconds: CLIP_S, size: '1280x720', fps: 30, scenes: 3 });
  const ours = [];
  const refs = [];
  let last = null;
  // The reference replays our arguments, so the first run is ours; after that the order alternates
  // (reference first on odd runs) so that neither side always follows the other on a shared machine.
  let args = null;
  for (let run = 0; run < RUNS; run++) {
    const outDir = path.join(tmp, `ours-${run}`);
    const refDir = path.join(tmp, `ref-${run}`);
    const reference = async () => {
      const ref = await runReference(args.args, args.from, refDir);
      refs.push(ref);
      console.log(`run ${run + 1} reference: ${fmt(ref.wall)} s wall, ${fmt(ref.cpu)} CPU s`);
    };
    if (run % 2 === 1) await reference();
    last = await runOurs(mod, info, clip, outDir);
    ours.push(last);
    args ??= { args: last.args, from: `${outDir}.tmp` };
    console.log(`run ${run + 1} ours: encode ${fmt(last.wall)} s wall, ${fmt(last.cpu)} CPU s; steps ${Object.entries(last.outputs.timings).map(([k, v]) => `${k} ${fmt(v / 1000)} s`).join(', ')}`);
    if (run % 2 === 0) await reference();
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmSync(refDir, { recursive: true, force: true });
  }
  const speed = CLIP_S / median(ours.map((o) => o.wall));
  const note = `${CLIP_S} s 720p clip, fast preset (${last.outputs.renditions.map((r) => r.id).join('/')}), ${RUNS} run(s), medians; encode speed ${fmt(speed)}x real time`;
  bench.record('wall', { ours: median(ours.map((o) => o.wall)), reference: median(refs.map((r) => r.wall)), note });
  bench.record('cpu', { ours: median(ours.map((o) => o.cpu)), reference: median(refs.map((r) => r.cpu)), note });
} catch (error) {
  bench.fail(error);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
bench.finish();
