// Two of bench/soak's disturbances, each a loop on its own: the edges killed and started again at
// random (one at a time, as seen by the origin: the other must have been in rotation for 30 s), and the
// disk filled below the recording floor once. The publishers' drops live in bench/soak.mjs, beside the
// return timing they feed.
import fs from 'node:fs';
import { sleep } from './live.mjs';
import { diskOf, fillDisk } from './soak-host.mjs';
import { MiB } from './soak-stats.mjs';
import { uploadOnce } from './soak-uploads.mjs';

/**
 * Kills `edge` every so often (SIGKILL or a clean stop, at random), starts it again 2-5 s later on the
 * same port and folder, and waits until the origin has it in rotation. `ctx`: { other, random, runS,
 * edgeState (id -> { up, since }, updated here), broadcast(), inRotation(edge), sleep (wakes when the
 * run ends), ending(), restarts (pushed to), errors (a Tally), say }.
 */
export async function edgeChaos(edge, ctx) {
  const { other, random, edgeState } = ctx;
  const lo = Math.min(240, Math.max(60, 0.1 * ctx.runS));
  const hi = Math.min(480, Math.max(120, 0.3 * ctx.runS));
  for (;;) {
    await ctx.sleep(random.between(lo, hi) * 1000);
    while (!ctx.ending() && (!other.up || Date.now() - (edgeState[other.id]?.since ?? 0) < 30_000)) await ctx.sleep(1000);
    if (ctx.ending()) return;
    const signal = random.next() < 0.5 ? 'SIGKILL' : 'SIGTERM';
    const downAt = Date.now();
    edgeState[edge.id] = { up: false, since: downAt };
    ctx.broadcast();
    await edge.kill(signal);
    await sleep(random.between(2, 5) * 1000);
    let startS = NaN;
    for (let attempt = 0; attempt < 5 && !Number.isFinite(startS); attempt++) {
      startS = await edge.start().catch((error) => {
        ctx.errors.add('edge restart failed');
        ctx.say(`edge ${edge.region} restart failed: ${error.message.split('\n')[0]}`);
        return NaN;
      });
      if (!Number.isFinite(startS)) await sleep(5000);
    }
    const inRotationS = await ctx.inRotation(edge).then(() => (Date.now() - downAt) / 1000, () => NaN);
    edgeState[edge.id] = { up: true, since: Date.now() };
    ctx.broadcast();
    ctx.restarts.push({ edge: edge.region, signal, downS: (Date.now() - downAt) / 1000, startS, inRotationS });
  }
}

/**
 * At `atS`, a file leaves `floor.leaveMiB` free on the home's disk for `holdS` seconds (an upload is
 * tried meanwhile: it must be refused); then, with the recorded stream's publisher left alone, whether
 * its recording resumes by itself within 40 s. `floor` is filled in: start, end, bytes, upload,
 * resumedAt, resumedWithoutReconnect. `ctx`: { home, host, atS, holdS, recorded (its publisher),
 * library floor MiB, sleep, ending(), say }.
 */
export async function floorEpisode(floor, ctx) {
  const { home, host } = ctx;
  await ctx.sleep(ctx.atS * 1000);
  if (ctx.ending()) return;
  floor.start = Date.now();
  const filler = fillDisk(home, floor.leaveMiB);
  floor.bytes = filler.bytes;
  // An upload now must be refused (the library keeps its own floor), not fail half-way.
  void uploadOnce(host).then((u) => (floor.upload = u));
  ctx.say(`disk floor: a ${(filler.bytes / MiB).toFixed(0)} MiB file leaves ${(diskOf(home).free / MiB).toFixed(0)} MiB free (recording floor ${floor.floorMB} MiB, library floor ${ctx.libraryFloorMB} MiB) for ${ctx.holdS.toFixed(0)} s`);
  await sleep(ctx.holdS * 1000);
  fs.rmSync(filler.file, { force: true });
  floor.end = Date.now();
  const health = await fetch(`${host.url}/healthz`).then((r) => r.status).catch(() => 'down');
  ctx.say(`disk floor lifted: ${(diskOf(home).free / MiB).toFixed(0)} MiB free; host /healthz ${health}`);
  const runs = ctx.recorded.runs.length;
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    const list = (await host.api('GET', `/api/v1/recordings?stream=${ctx.recorded.name}`)).json ?? [];
    const resumed = list.find((r) => r.startedAt > floor.end);
    if (resumed) {
      floor.resumedAt = resumed.startedAt;
      floor.resumedWithoutReconnect = ctx.recorded.runs.length === runs;
      return;
    }
    await sleep(1000);
  }
  floor.resumedWithoutReconnect = false;
}
