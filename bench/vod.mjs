#!/usr/bin/env node
// bench/vod: the video library, in parts run one after the other (bench/lib/vod-*.mjs say how
// each measures):
//   1. upload throughput on loopback: our tus endpoint with tus-js-client (5 MB chunks) vs one plain
//      HTTP PUT of the same file to a tiny Node server writing to disk (goal >= 0.9x);
//   2. transcode: the processor's encode step, wall time and CPU, vs its own ffmpeg command line run
//      plainly (overhead only; goal <= 1.05x each);
// A part that fails fails its goals and the next part still runs. The sources are bundled with esbuild
// first (no build needed). Knobs: BENCH_MB upload file size (256, 64 short), BENCH_RUNS runs of parts
// 1 and 2 (3 and 2, 1 short), BENCH_CLIP_S transcode clip (24 s, 12 short).
import { loadVodModules, ffmpegInfo } from './lib/vod-modules.mjs';
import { defineBench } from './lib/report.mjs';
import { tempDir } from './lib/live.mjs';
import { transcodePart } from './lib/vod-transcode.mjs';
import { uploadPart } from './lib/vod-upload.mjs';

const bench = defineBench('bench/vod', {
  throughput: { what: 'upload throughput on loopback, tus-js-client 5 MB chunks vs one plain PUT', on: 'ratio', op: '>=', target: 0.9, unit: 'MB/s', digits: 0 },
  wall: { what: 'encode step wall time, processor vs its ffmpeg args run plainly', on: 'ratio', op: '<=', target: 1.05, unit: 's' },
  cpu: { what: 'encode step CPU, processor vs its ffmpeg args run plainly', on: 'ratio', op: '<=', target: 1.05, unit: 'CPU s' },
});
bench.requires('ffmpeg');

const work = tempDir('bench-vod-');
const part = async (name, run) => {
  console.log(`\nvod: ${name}`);
  try {
    await run();
  } catch (error) {
    console.error(error);
    bench.fail(new Error(`${name}: ${String(error?.message ?? error).split('\n')[0]}`));
  }
};
let mod;
let info;
await part('loading the sources', async () => {
  mod = await loadVodModules();
  info = await ffmpegInfo(mod);
});
if (mod && info) {
  await part('1. upload', () => uploadPart({ bench, mod, work, runs: bench.knob('BENCH_RUNS', 3, 1), mb: bench.knob('BENCH_MB', 256, 64) }));
  await part('2. transcode', () => transcodePart({ bench, mod, info, work, runs: bench.knob('BENCH_RUNS', 2, 1), clipS: bench.knob('BENCH_CLIP_S', 24, 12) }));
}
bench.finish();
// Servers and database handles of the parts may still hold the loop: the verdict is out.
process.exit();
