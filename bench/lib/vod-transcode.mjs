// bench/vod, part 2: the library's processing, encode step only, against the same ffmpeg command line
// run plainly. Ours: VideoProcessor.run on a generated clip (test-support/vod-media.ts: 1280x720,
// three scenes, a tone), preset `fast` (x264 veryfast, 720p/480p/360p); its encode ffmpeg's arguments
// are captured at spawn. The reference: those arguments replayed with child_process.spawn into
// another folder (overhead only: what running it inside the processor costs). Wall time = spawn to
// exit; CPU = the children's user+system time this process collected while that one ffmpeg ran
// (/proc/self/stat cutime+cstime: every child is reaped by us, and only that one runs then). Both
// sides `runs` times, the order alternating (ours first, then reference first, ...), medians. Also
// printed: every step's wall time of our run, and the encode's speed (media seconds per wall second).
// Wall time swings with the shared machine's load; CPU is the steadier figure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLK_TCK } from '../../test-support/machine.mjs';
import { fmt, median } from './live.mjs';

/** CPU seconds of this process's reaped children so far. */
function childrenCpu() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ": cutime is field 16 (index 13), cstime 17 (index 14).
  return (Number(f[13]) + Number(f[14])) / CLK_TCK;
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

/** Records goals `wall` (s) and `cpu` (CPU s), ours vs the replayed command line. */
export async function transcodePart({ bench, mod, info, work, runs, clipS }) {
  const clip = path.join(work, 'transcode-clip.mp4');
  await mod.makeClip(clip, { seconds: clipS, size: '1280x720', fps: 30, scenes: 3 });
  const ours = [];
  const refs = [];
  let last = null;
  // The reference replays our arguments, so the first run is ours; after that the order alternates
  // (reference first on odd runs) so that neither side always follows the other on a shared machine.
  let args = null;
  for (let run = 0; run < runs; run++) {
    const outDir = path.join(work, `ours-${run}`);
    const refDir = path.join(work, `ref-${run}`);
    const reference = async () => {
      const ref = await runReference(args.args, args.from, refDir);
      refs.push(ref);
      console.log(`vod transcode: run ${run + 1} reference: ${fmt(ref.wall)} s wall, ${fmt(ref.cpu)} CPU s`);
    };
    if (run % 2 === 1) await reference();
    last = await runOurs(mod, info, clip, outDir);
    ours.push(last);
    args ??= { args: last.args, from: `${outDir}.tmp` };
    console.log(`vod transcode: run ${run + 1} ours: encode ${fmt(last.wall)} s wall, ${fmt(last.cpu)} CPU s; steps ${Object.entries(last.outputs.timings).map(([k, v]) => `${k} ${fmt(v / 1000)} s`).join(', ')}`);
    if (run % 2 === 0) await reference();
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.rmSync(refDir, { recursive: true, force: true });
  }
  const speed = clipS / median(ours.map((o) => o.wall));
  const note = `${clipS} s 720p clip, fast preset (${last.outputs.renditions.map((r) => r.id).join('/')}), ${runs} run(s), medians; encode speed ${fmt(speed)}x real time`;
  bench.record('wall', { ours: median(ours.map((o) => o.wall)), reference: median(refs.map((r) => r.wall)), note });
  bench.record('cpu', { ours: median(ours.map((o) => o.cpu)), reference: median(refs.map((r) => r.cpu)), note });
}
