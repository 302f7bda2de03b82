// bench/vod, part 3: how right the ETA a creator sees is. The real JobQueue (on a fresh SQLite database,
// concurrency as the default config gives it on this machine, no past jobs: a new library) runs the
// real VideoProcessor (preset fast) through the library's runner shape on clips of different lengths
// queued together, so that all but the first wait and show an ETA made of the queue ahead. Each time
// the processor reports progress, every active job's etaSec is read from queue.list() as a client
// would; etaErrors (src-main/vod/eta.ts) takes, at 25/50/75 %, the first sample past the mark against
// the time the job really took from there. A running job is sampled at its own progress; a waiting job
// at the progress of the job running ahead of it. Beside each running figure, the naive ETA a bare
// progress bar would give (time so far x (1 - p) / p) from the same samples.
import path from 'node:path';
import { fmt, median, waitFor } from './live.mjs';

export const MARKS = [0.25, 0.5, 0.75];
const KIND = 'process';

/** Records goal `eta50`: the median |ETA error| at 50 % of the jobs while they run, in % (reference: the naive ETA's). */
export async function etaPart({ bench, mod, info, work, clips }) {
  const jobs = [];
  for (const [i, seconds] of clips.entries()) {
    const input = await mod.makeClip(path.join(work, `eta-clip-${i + 1}.mp4`), { seconds, size: '1280x720', fps: 30, scenes: 3 });
    jobs.push({ n: i + 1, seconds, input, outDir: path.join(work, `eta-out-${i + 1}`) });
  }
  const db = mod.openDatabase(':memory:');
  const children = new mod.ChildRegistry();
  const processor = new mod.VideoProcessor({ children, ffmpegPath: async () => 'ffmpeg', ffprobePath: async () => 'ffprobe', ffmpegInfo: async () => info, logger: mod.silentLogger() });
  /** job id -> its own samples while it runs; `${waiting id} ${running id}` -> the waiting one's, at the running one's progress. */
  const own = new Map();
  const waiting = new Map();
  const push = (map, key, s) => (map.get(key) ?? map.set(key, []).get(key)).push(s);
  let queue;
  const sample = () => {
    const at = Date.now();
    const active = queue.list().jobs.filter((j) => j.state === 'running' || j.state === 'queued');
    const ahead = active.find((j) => j.state === 'running');
    for (const j of active) {
      if (j.state === 'running') push(own, j.id, { at, progress: j.progress, etaSec: j.etaSec, startedAt: j.startedAt });
      else if (ahead) push(waiting, `${j.id} ${ahead.id}`, { at, progress: ahead.progress, etaSec: j.etaSec });
    }
  };
  // As entry/library.ts runs the processor, with a look at the queue after each progress call.
  const runner = async (ctx) => {
    const { input, outDir } = ctx.payload;
    await processor.run({ ...ctx, progress: (value, step) => (ctx.progress(value, step), sample()) }, { input, outDir, preset: 'fast', normalizeLoudness: false, subtitles: [] });
  };
  queue = new mod.JobQueue({
    store: new mod.JobStore(db),
    logger: mod.silentLogger(),
    runners: { [KIND]: runner },
    concurrency: () => mod.concurrencyFrom(0),
    stallMs: () => 60_000,
    maxAttempts: () => 1,
    onChange: () => {},
  });
  try {
    // All queued before the queue starts: they wait together.
    for (const j of jobs) j.id = queue.enqueue(KIND, `clip-${j.n}`, { durationSec: j.seconds, input: j.input, outDir: j.outDir }).id;
    const t0 = Date.now();
    queue.start();
    const total = clips.reduce((a, b) => a + b, 0);
    await waitFor('every ETA job finished', () => jobs.every((j) => ['done', 'failed', 'cancelled'].includes(queue.get(j.id)?.state)), (60 + total * 10) * 1000);
    for (const j of jobs) {
      const job = queue.get(j.id);
      if (job.state !== 'done') throw new Error(`ETA job ${j.n} ${job.state}: ${job.error?.code} ${job.error?.message}`);
      j.finishedAt = job.finishedAt;
      j.wallSec = (job.finishedAt - job.startedAt) / 1000;
    }
    console.log(`vod eta: ${jobs.length} jobs (${clips.join(', ')} s of 720p, preset fast), concurrency ${mod.concurrencyFrom(0)}, queue done in ${fmt((Date.now() - t0) / 1000, 1)} s; each ran ${jobs.map((j) => `${fmt(j.wallSec, 1)} s`).join(', ')}`);

    const pct = (x) => (x === null || !Number.isFinite(x) ? 'n/a' : `${x >= 0 ? '+' : ''}${fmt(x * 100, 0)} %`);
    const sec = (x) => (x === null || !Number.isFinite(x) ? 'n/a' : fmt(x, 1));
    console.log('| job | clip | while | at | ETA shown s | real s | error s | error | naive ETA error |');
    console.log('|---|---:|---|---:|---:|---:|---:|---:|---:|');
    const ours50 = [];
    const naive50 = [];
    for (const j of jobs) {
      const samples = own.get(j.id) ?? [];
      const naive = samples.map((s) => ({ ...s, etaSec: s.progress > 0 ? ((s.at - s.startedAt) / 1000) * ((1 - s.progress) / s.progress) : null }));
      const naiveErrors = mod.etaErrors(naive, j.finishedAt, MARKS);
      for (const [k, e] of mod.etaErrors(samples, j.finishedAt, MARKS).entries()) {
        const ne = naiveErrors[k].error;
        console.log(`| ${j.n} | ${j.seconds} s | running | ${e.mark * 100} % | ${sec(e.etaSec)} | ${sec(e.actualSec)} | ${sec(e.etaSec === null ? null : e.etaSec - e.actualSec)} | ${pct(e.error)} | ${pct(ne)} |`);
        if (e.mark === 0.5) {
          ours50.push(e.error === null ? NaN : Math.abs(e.error) * 100);
          naive50.push(ne === null ? NaN : Math.abs(ne) * 100);
        }
      }
      for (const a of jobs) {
        const s = waiting.get(`${j.id} ${a.id}`);
        if (!s) continue;
        for (const e of mod.etaErrors(s, j.finishedAt, MARKS)) {
          console.log(`| ${j.n} | ${j.seconds} s | waiting, job ${a.n} running | ${e.mark * 100} % | ${sec(e.etaSec)} | ${sec(e.actualSec)} | ${sec(e.etaSec === null ? null : e.etaSec - e.actualSec)} | ${pct(e.error)} | - |`);
        }
      }
    }
    bench.record('eta50', { ours: median(ours50), reference: median(naive50), note: `median over ${jobs.length} jobs; reference: the naive ETA (time so far x (1 - p) / p)` });
  } finally {
    await queue.dispose();
    await children.dispose();
    db.close();
  }
}
