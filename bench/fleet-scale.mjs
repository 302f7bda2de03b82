#!/usr/bin/env node
// bench/fleet-scale: the fleet's autoscaler under a ramp of viewers and of jobs. One host (`streams
// host`), a real sshd on loopback and the tests' provider command (test-support/scaling-provider.mjs:
// each "machine" a folder on this machine, with its own HTTP port); every edge and runner the scaler
// adds is provisioned over SSH (nginx and the agent; `streams runner`) and removed the same way. One
// live stream (passthrough, a 640x360 test pattern at BENCH_KBPS) watched by simulated viewers
// (test-support/fleet/viewers.mjs: hls.js-like players that follow the player page's rule, leaving an
// edge that is drained).
//   1. The edges' minimum (1) brings the first edge.
//   2. BENCH_BASE viewers (200) join; after a minute the traffic per viewer is measured on the edges'
//      heartbeats and the target (Mbit/s per edge core) is set so that BENCH_PEAK viewers need about
//      three edges: the edges here share this machine's cores, so the target is what makes the
//      scaler's arithmetic meet the ramp, not a capacity of this machine.
//   3. Up to BENCH_PEAK (2,000) over BENCH_UP_S: edges are added as the traffic crosses the target
//      (at most 4), and the viewers joining after spread over them; held BENCH_HOLD_S.
//   4. Down to BENCH_BASE over 30 s: the edges it added are drained (their viewers move), decommissioned
//      and their machines destroyed, back to 1.
//   5. Jobs 0 -> BENCH_JOBS -> 0: clips uploaded at once to a host that processes one at a time; the
//      jobs wait, runners are added (at most 2, one slot each), take jobs, and are removed once idle.
// The viewer phases and the job phase run one after the other: on 2 cores, transcoding beside 2,000
// simulated viewers would measure the machine. Printed: edges and runners in service over time, every
// decision with its reason, viewer errors, stalls and moves per phase, the jobs (ready, attempts, where
// they ran). Goals: edges added at the peak and removed after, 0 viewer errors, runners added and
// removed, every job done exactly once. No reference: the goals bound our figures.
// BENCH_SHORT=1: 60 -> 600 -> 60 viewers, 8 jobs. Needs nginx, sshd, ffmpeg and the build.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publisherArgs } from '../test-support/fleet/bed.mjs';
import { ViewerSim } from '../test-support/fleet/viewers.mjs';
import { startSshd } from '../test-support/sshd.mjs';
import { cleanup, fmt, ROOT, sleep, startHost, tempDir, track } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';
import { tusUpload } from './lib/tus-upload.mjs';

const NAME = 'bench/fleet-scale';
const bench = defineBench(NAME, {
  edgesUp: { what: 'edges in rotation at the peak, from 1 (added by the scaler as the traffic crossed the target)', on: 'ours', op: '>=', target: 3, digits: 0 },
  edgesDown: { what: 'edges in rotation after the ramp down (drained, decommissioned, back to the minimum)', on: 'ours', op: '<=', target: 1, digits: 0 },
  viewerErrors: { what: 'viewer errors over the whole ramp, scale-out and scale-in', on: 'ours', op: '<=', target: 0, digits: 0 },
  runnersUp: { what: 'runners added while jobs waited', on: 'ours', op: '>=', target: 1, digits: 0 },
  runnersDown: { what: 'runners left after the jobs (removed once idle)', on: 'ours', op: '<=', target: 0, digits: 0 },
  jobsLost: { what: 'jobs not done exactly once (a video not ready, or published twice)', on: 'ours', op: '<=', target: 0, digits: 0 },
});
bench.requires('nginx', 'ffmpeg', 'sshd', 'build');
const BASE = bench.knob('BENCH_BASE', 200, 60);
const PEAK = bench.knob('BENCH_PEAK', 2000, 600);
const UP_S = bench.knob('BENCH_UP_S', 90, 60);
const HOLD_S = bench.knob('BENCH_HOLD_S', 120, 90);
const JOBS = bench.knob('BENCH_JOBS', 20, 8);
const KBPS = bench.knob('BENCH_KBPS', 150);
const MAX_EDGES = 4;
const CORES = os.cpus().length;

const t0 = performance.now();
const clock = () => `${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s`;
const log = (line) => console.log(`${NAME}: ${clock()}  ${line}`);
const work = tempDir('bench-fleet-scale-');
const machines = path.join(work, 'machines');
fs.mkdirSync(machines, { recursive: true });
fs.chmodSync(work, 0o755);
fs.chmodSync(machines, 0o755);

let host;
let sshd;
let sim;
let sampler;
try {
  sshd = await startSshd();
  host = await startHost({ env: { STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' } });
  const api = async (method, url, body) => {
    const res = await host.api(method, url, body);
    if (res.status >= 300) throw new Error(`${method} ${url} -> ${res.status}: ${res.text}`);
    return res.json;
  };
  const created = await api('POST', '/api/v1/streams', { name: 'ramp', ladder: 'passthrough' });
  track(spawn('ffmpeg', publisherArgs(`${created.ingest.rtmp}/${created.key}`, { fps: 10, kbps: KBPS, size: '640x360' }), { stdio: ['ignore', 'ignore', 'ignore'] }));
  const provider = `${process.execPath} ${path.join(ROOT, 'test-support', 'scaling-provider.mjs')} --dir ${machines} --port ${sshd.port} --user ${sshd.user} --regions ''`;
  await api('PATCH', '/api/v1/config', {
    library: { concurrency: 1 },
    scaling: {
      edges: true, edgesMin: 1, edgesMax: MAX_EDGES, edgeTargetMbps: 100_000, edgeDrainSeconds: 240,
      runners: true, runnersMin: 0, runnersMax: 2, queueWaitSeconds: 5, idleSeconds: 20, runnerSlots: 1,
      cooldownSeconds: 10, sshKeyFile: sshd.keyFile, origin: host.url, providerCommand: provider,
    },
  });

  // What is in service, every 2 s: edges in rotation taking viewers, runners connected.
  const timeline = [];
  const inRotation = (edges) => edges.filter((e) => e.healthy && e.draining === null).length;
  let current = { edges: 0, runners: 0 };
  sampler = setInterval(async () => {
    try {
      const [edges, runners] = await Promise.all([api('GET', '/api/v1/cdn/edges'), api('GET', '/api/v1/runners')]);
      current = { edges: inRotation(edges), runners: runners.length, viewers: sim?.active().length ?? 0 };
      const last = timeline.at(-1);
      if (!last || last.edges !== current.edges || last.runners !== current.runners) {
        timeline.push({ at: clock(), ...current });
        log(`in service: ${current.edges} edge${current.edges === 1 ? '' : 's'}, ${current.runners} runner${current.runners === 1 ? '' : 's'} (${current.viewers} viewers)`);
      }
    } catch {
      // The next look.
    }
  }, 2000);
  const until = async (what, check, timeoutMs) => {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (await check()) return true;
      await sleep(1000);
    }
    log(`not within ${timeoutMs / 1000} s: ${what}`);
    return false;
  };

  // ---- 1. the minimum ----
  log('edges: min 1, max 4; runners: min 0, max 2 (one slot each); provider: folders on this machine over loopback SSH');
  if (!(await until('the first edge', async () => current.edges === 1, 180_000))) throw new Error('the first edge did not come into rotation');

  // ---- 2. the base ----
  sim = new ViewerSim({ playbackUrl: `${host.url}/api/v1/cdn/streams/ramp/playback`, token: host.token, regions: [''] });
  log(`${BASE} viewers join over 20 s`);
  const base = sim.markPhase('base');
  await sim.add(BASE, { rampMs: 20_000 });
  await sleep(65_000);
  const edgesNow = await api('GET', '/api/v1/cdn/edges');
  const mbps = edgesNow.reduce((s, e) => s + (e.stats?.bytes ?? 0), 0) * 8 / 60 / 1e6;
  const perViewer = mbps / sim.active().length;
  const edgeCores = edgesNow[0]?.stats?.cores ?? CORES;
  // The peak on three edges at the target: the scaler adds the third as the traffic nears the peak, and a
  // fourth at it; and the base on one edge below 45 % of it, so that it can go back to one (the scaler
  // removes an edge only when the others would stay below half the target).
  const target = Math.max(1, Math.floor((perViewer * PEAK) / (3 * edgeCores) * 0.95), Math.ceil((perViewer * BASE) / (edgeCores * 0.45)));
  log(`base: ${fmt(mbps, 1)} Mbit/s for ${sim.active().length} viewers (${fmt(perViewer * 1000, 0)} kbit/s each) on edges of ${edgeCores} cores: target ${target} Mbit/s per edge core (the peak needs ${fmt((perViewer * PEAK) / (target * edgeCores), 1)} edges' worth)`);
  await api('PATCH', '/api/v1/config', { scaling: { edgeTargetMbps: target } });

  // ---- 3. up to the peak ----
  log(`${PEAK - BASE} more viewers over ${UP_S} s`);
  const up = sim.markPhase('up');
  await sim.add(PEAK - BASE, { rampMs: UP_S * 1000 });
  const hold = sim.markPhase('peak');
  let peakEdges = current.edges;
  const holdEnd = performance.now() + HOLD_S * 1000;
  while (performance.now() < holdEnd) {
    peakEdges = Math.max(peakEdges, current.edges);
    await sleep(1000);
  }
  log(`peak: ${sim.active().length} viewers, ${peakEdges} edges in rotation at most`);
  bench.record('edgesUp', { ours: peakEdges, note: `at most ${MAX_EDGES}; ${sim.active().length} viewers` });

  // ---- 4. back down ----
  const down = sim.markPhase('down');
  log(`${PEAK - BASE} viewers leave over 30 s`);
  await sim.remove(PEAK - BASE, { rampMs: 30_000 });
  const settled = await until('the edges back to 1, none draining', async () => {
    const s = await api('GET', '/api/v1/scaling');
    return current.edges === 1 && s.members.filter((m) => m.role === 'edge').length === 1;
  }, 420_000);
  const after = sim.markPhase('after');
  await sleep(5000);
  sim.markPhase('end');
  bench.record('edgesDown', { ours: settled ? current.edges : current.edges + 1, note: settled ? '' : 'members still draining or removing' });
  const phases = [base, up, hold, down, after];
  const errors = phases.reduce((s, p) => s + p.errors, 0);
  const fatal = sim.viewers.filter((v) => v.fatal !== null);
  for (const p of phases) {
    log(`phase ${p.name}: ${fmt((p.endedAt - p.startedAt) / 1000, 0)} s, ${p.requests} requests, ${p.errors} errors${p.errors ? ` (${Object.entries(p.errorsByKind).map(([k, n]) => `${k} ${n}`).join(', ')}; ${p.samples.slice(0, 3).join('; ')})` : ''}, ${p.stalls} stalls, ${p.drainMoves} moves off drained edges, ${p.failovers} failovers, ${p.stallSwitches} stall switches`);
  }
  bench.record('viewerErrors', { ours: errors + fatal.length, note: `${fatal.length} viewers gave up; ${phases.reduce((s, p) => s + p.drainMoves, 0)} moves off drained edges` });
  await sim.stop();
  sim = undefined;

  // ---- 5. jobs 0 -> N -> 0 ----
  const clip = path.join(work, 'clip.mp4');
  const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-t', '4', '-i', 'testsrc2=size=854x480:rate=30', '-f', 'lavfi', '-t', '4', '-i', 'sine=frequency=330:sample_rate=48000', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '60', '-pix_fmt', 'yuv420p', '-c:a', 'aac', clip]);
  if (made.status !== 0) throw new Error(`making the clip failed: ${made.stderr}`);
  log(`${JOBS} clips uploaded at once (4 s, 480p, the fast preset; this host processes one at a time)`);
  const ids = [];
  for (let i = 0; i < JOBS; i++) {
    ids.push(await uploadOnce(host, clip, `clip-${i}.mp4`));
  }
  let peakRunners = 0;
  const jobsDone = await until('every video ready', async () => {
    peakRunners = Math.max(peakRunners, current.runners);
    const videos = await Promise.all(ids.map((id) => api('GET', `/api/v1/videos/${id}`)));
    return videos.every((v) => v.state === 'ready' || v.state === 'failed');
  }, 900_000);
  bench.record('runnersUp', { ours: peakRunners, note: 'at most 2' });
  const jobs = (await api('GET', '/api/v1/jobs')).jobs;
  const videos = await Promise.all(ids.map((id) => api('GET', `/api/v1/videos/${id}`)));
  const ready = videos.filter((v) => v.state === 'ready').length;
  const ours = jobs.filter((j) => ids.includes(j.subject));
  const twice = ours.filter((j) => j.attempts > 1).length;
  log(`jobs: ${ready} of ${JOBS} videos ready${jobsDone ? '' : ' (timed out)'}; ${ours.filter((j) => j.state === 'done').length} jobs done, ${twice} of them after more than one attempt (a result is published once); ${peakRunners} runners in service at most`);
  bench.record('jobsLost', { ours: JOBS - ready, note: `${twice} jobs took more than one attempt` });
  const idle = await until('the runners removed once idle', async () => current.runners === 0 && (await api('GET', '/api/v1/scaling')).members.every((m) => m.role !== 'runner'), 240_000);
  bench.record('runnersDown', { ours: current.runners, note: idle ? '' : 'still there after 4 min' });

  const status = await api('GET', '/api/v1/scaling');
  console.log('');
  console.log('| at | edges | runners | viewers |');
  console.log('|---|---:|---:|---:|');
  for (const t of timeline) console.log(`| ${t.at} | ${t.edges} | ${t.runners} | ${t.viewers} |`);
  console.log('');
  console.log('| time | role | action | member | reason |');
  console.log('|---|---|---|---|---|');
  for (const d of [...status.decisions].reverse()) console.log(`| ${new Date(d.at).toISOString().slice(11, 19)} | ${d.role} | ${d.action} | ${d.member ?? ''} | ${d.reason} |`);
  console.log('');
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  clearInterval(sampler);
  await sim?.stop();
  await host?.stop().catch(() => {});
  // Edges and runners still installed: their supervisors, by the pid file of each machine folder.
  for (const entry of fs.existsSync(machines) ? fs.readdirSync(machines) : []) {
    for (const role of ['edge', 'runner']) {
      const pidFile = path.join(machines, entry, 'var', 'lib', `streams-${role}`, 'supervisor.pid');
      try {
        process.kill(-Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        // None.
      }
    }
  }
  await sshd?.stop();
  await cleanup();
}
bench.finish();

/** `file` uploaded over tus; resolves with the new video's id. */
async function uploadOnce(h, file, name) {
  const uploadId = await tusUpload(h, file, name);
  const res = await h.api('GET', `/api/v1/videos?uploadId=${uploadId}`);
  return res.json[0].id;
}
