#!/usr/bin/env node
// bench/fleet: a fleet on one machine (test-support/fleet): a real origin (`streams host`), a live
// 3-rendition stream (ffmpeg test pattern, 720p at 10 fps: source + 480p + 360p, every rung capped at
// the source's bitrate; low latency, the host's default), three real edges (`streams edge`) each in its
// own network namespace behind a shaped link (20/50/80 ms, rate-limited, 1 % loss on the second), and
// thousands of simulated viewers (test-support/fleet/viewers.mjs: hls.js-like ABR, playlist pace,
// LL-HLS blocking reloads for a share of them, a playback buffer, failover between edges) in this
// process. Phases:
//  1. ramp: viewers join over BENCH_RAMP_S; 2. steady: BENCH_STEADY_S of play, with BENCH_PURGES purges
//  through POST /api/v1/cdn/purge while it serves (propagatedMs to every edge); 3. origin cut: the
//  namespaces cannot reach the origin for BENCH_CUT_S (packets dropped), then BENCH_AFTER_CUT_S with it
//  back; 4. kill: SIGKILL of the first edge's nginx and agent (by PID), BENCH_KILL_WATCH_S of watching
//  every one of its viewers play again from another edge. (The cut comes first so that a dead edge,
//  which viewers try again now and then, does not count among the cut's errors.)
// Figures: viewers, errors (by phase), stall ratio (stalled / played time), origin offload (1 - origin
// fetches of the edges / viewer requests, from the edges' /metrics), startup p50/p95, viewers per edge
// core (edge CPU from /proc: nginx workers + agent) and the edges that 10,000 / 100,000 viewers need,
// latency p50 per edge (program date-time of the playhead vs the wall clock), recovery after the kill.
// No reference: the goals bound our figures. The simulator's own CPU is printed: when it nears one
// core, it is the bottleneck and the figures are not the fleet's.
// BENCH_SHORT=1: 300 viewers, shorter phases. Needs root (namespaces), nginx, ffmpeg, the build.
import { bedUnavailable } from '../test-support/fleet/netns.mjs';
import { createFleet } from '../test-support/fleet/bed.mjs';
import { ViewerSim } from '../test-support/fleet/viewers.mjs';
import { cleanup, fmt, machineTicks, percentile, sleep } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/fleet';
const short = process.env.BENCH_SHORT === '1';
const VIEWERS_GOAL = short ? 300 : 2000;
const bench = defineBench(NAME, {
  viewers: { what: 'concurrent viewers playing (no reference)', on: 'ours', op: '>=', target: VIEWERS_GOAL, digits: 0 },
  steadyErrors: { what: 'viewer errors while steady (no reference)', on: 'ours', op: '<=', target: 0, digits: 0 },
  offload: { what: 'origin offload, 1 - origin fetches / viewer requests (no reference)', on: 'ours', op: '>=', target: 0.98, digits: 4 },
  recovery: { what: "killed edge: its viewers' longest wait to play from another edge (no reference)", on: 'ours', op: '<', target: 5000, unit: 'ms', digits: 0 },
  cutErrors: { what: 'viewer errors while the origin is cut (no reference)', on: 'ours', op: '<=', target: 0, digits: 0 },
  purgeP99: { what: 'purge to every edge while serving, p99 propagatedMs (no reference)', on: 'ours', op: '<', target: 200, unit: 'ms', digits: 1 },
});
const VIEWERS = bench.knob('BENCH_VIEWERS', 2000, 300);
const RAMP_S = bench.knob('BENCH_RAMP_S', 40, 10);
const STEADY_S = bench.knob('BENCH_STEADY_S', 60, 20);
const PURGES = bench.knob('BENCH_PURGES', 40, 15);
const KILL_WATCH_S = bench.knob('BENCH_KILL_WATCH_S', 15, 10);
const CUT_S = bench.knob('BENCH_CUT_S', 30, 30);
const AFTER_CUT_S = bench.knob('BENCH_AFTER_CUT_S', 15, 10);
const LL_SHARE = bench.knob('BENCH_LL_SHARE', 0.01, 0.05);
const KBPS = bench.knob('BENCH_KBPS', 150);
const RATE_MBIT = bench.knob('BENCH_RATE_MBIT', 400);
const HEADROOM = 0.7; // an edge core is planned at 70 % busy
bench.requires('nginx', 'ffmpeg', 'build');
const why = bedUnavailable();
if (why) bench.skip(why);

const LINKS = [
  { region: 'eu', rttMs: 20, rateMbit: RATE_MBIT, loss: 0 },
  { region: 'us', rttMs: 50, rateMbit: RATE_MBIT, loss: 0.01 },
  { region: 'ap', rttMs: 80, rateMbit: RATE_MBIT, loss: 0 },
];
const deadlineMs = (RAMP_S + STEADY_S + KILL_WATCH_S + CUT_S + AFTER_CUT_S + 180) * 1000;
const t0 = performance.now();
const log = (line) => console.log(`${NAME}: ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${line}`);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

async function metricsOf(edges) {
  return Promise.all(edges.map((e) => e.metrics().catch(() => ({ requests: NaN, hits: NaN, originFetches: NaN }))));
}

/** Phase counters as one table row. */
function phaseRow(p) {
  const kinds = Object.entries(p.errorsByKind).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
  const ratio = p.playedMs > 0 ? p.stalledMs / p.playedMs : NaN;
  return `| ${p.name} | ${((p.endedAt - p.startedAt) / 1000).toFixed(0)} | ${p.requests} | ${(p.bytes / 1e6).toFixed(0)} | ${p.errors} (${p.errorsLowLatency} LL) | ${kinds} | ${p.stalls} | ${fmt(ratio, 4)} | ${p.failovers} | ${p.stallSwitches} |`;
}

let bed;
let sim;
try {
  log(`building: 3 edges (${LINKS.map((l) => `${l.region} ${l.rttMs} ms${l.loss ? ` ${l.loss * 100} % loss` : ''}`).join(', ')}, ${RATE_MBIT} Mbit/s each way), a ${KBPS} kbps 3-rendition LL stream`);
  bed = await createFleet({ edges: LINKS, deadlineMs, stream: { kbps: KBPS, fps: 10 }, log });
  const delays = new Map(bed.edges.map((e) => [new URL(e.url).origin, e.link.delayInSimulator ? e.link.rttMs : 0]));
  log(bed.net.netem ? 'netem: the links delay packets' : 'no netem in this kernel: the simulator waits each link round trip before each request');
  sim = new ViewerSim({
    playbackUrl: bed.playbackUrl,
    token: bed.host.token,
    delayMs: (url) => delays.get(new URL(url).origin) ?? 0,
    lowLatencyShare: LL_SHARE,
    maxHeights: [720, 468, 360],
    regions: bed.edges.map((e) => e.region),
  });

  // A status line every 10 s: how many play, requests, errors, stalls, and this process's CPU.
  let last = { t: performance.now(), requests: 0 };
  const status = setInterval(() => {
    const p = sim.phase;
    const t = performance.now();
    const started = sim.viewers.filter((v) => v.startupMs !== null).length;
    const playing = sim.viewers.filter((v) => v.playing).length;
    const rps = p.requests >= last.requests ? (p.requests - last.requests) / ((t - last.t) / 1000) : NaN;
    last = { t, requests: p.requests };
    log(`${p.name}: ${sim.viewers.length} viewers, ${started} started, ${playing} playing; ${fmt(rps, 0)} req/s, ${p.errors} errors, ${p.stalls} stalls; simulator CPU ${fmt(sim.cpu().share, 2)}`);
  }, 10_000);
  status.unref();

  // ---- ramp ----
  log(`ramp: ${VIEWERS} viewers over ${RAMP_S} s (${(LL_SHARE * 100).toFixed(0)} % in LL mode)`);
  sim.markPhase('ramp');
  await sim.add(VIEWERS, { rampMs: RAMP_S * 1000 });
  await sleep(3000);

  // ---- steady, with purges under load ----
  const steady = sim.markPhase('steady');
  log(`steady: ${STEADY_S} s, ${PURGES} purges from a third of it on`);
  const simCpu0 = process.cpuUsage();
  const machine0 = machineTicks();
  const cpu0 = bed.edges.map((e) => e.cpu());
  const m0 = await metricsOf(bed.edges);
  const ts = performance.now();
  const propagated = [];
  const purgeFailures = [];
  const purging = (async () => {
    await sleep((STEADY_S * 1000) / 3);
    for (let i = 0; i < PURGES; i++) {
      const r = await bed.purge({ urls: Array.from({ length: 10 }, (_, k) => `/live/${bed.stream.name}/s/purge-${i}/seg-${k}.m4s`) });
      if (r.status === 200 && r.propagatedMs !== null) propagated.push(r.propagatedMs);
      else purgeFailures.push(`${r.status} ${r.text.slice(0, 200)}`);
      await sleep(250);
    }
  })();
  await sleep(STEADY_S * 1000);
  await purging;
  const wall = (performance.now() - ts) / 1000;
  const machine1 = machineTicks();
  const machineBusy = (machine1.busy - machine0.busy) / (machine1.total - machine0.total);
  const simCpuUsed = process.cpuUsage(simCpu0);
  const simCpu = (simCpuUsed.user + simCpuUsed.system) / 1e6 / wall;
  const edgeCpu = bed.edges.map((e, i) => (e.cpu() - cpu0[i]) / wall);
  const m1 = await metricsOf(bed.edges);
  sim.markPhase('origin cut');
  const playing = sim.viewers.filter((v) => v.playing || v.stalledSince !== null).length;
  const perEdge = new Map(bed.edges.map((e) => [e.id, sim.viewers.filter((v) => v.edge?.id === e.id).length]));
  const viewerRequests = sum(m1.map((m, i) => m.requests - m0[i].requests));
  const originFetches = sum(m1.map((m, i) => m.originFetches - m0[i].originFetches));
  const offload = 1 - originFetches / viewerRequests;

  const startups = sim.viewers.map((v) => v.startupMs).filter((x) => x !== null);
  const viewersPerCore = sum([...perEdge.values()]) / sum(edgeCpu);
  const edgesFor = (n) => Math.ceil(n / (viewersPerCore * HEADROOM));
  const latencies = (edgeId, ll) =>
    sim.viewers.filter((v) => v.lowLatency === ll).flatMap((v) => v.latencies.filter((l) => l.edge === edgeId && l.at >= Date.now() - wall * 1000).map((l) => l.ms));

  console.log('');
  console.log(`| edge | region | link | viewers | requests/s | CPU (cores) | viewers per core | origin fetches | LL latency p50 | standard latency p50 |`);
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|');
  bed.edges.forEach((e, i) => {
    const n = perEdge.get(e.id);
    console.log(
      `| ${e.index + 1} ${e.id} | ${e.region} | ${e.link.rttMs} ms, ${e.link.rateMbit} Mbit/s${e.link.loss ? `, ${e.link.loss * 100} % loss` : ''} | ${n} | ` +
        `${fmt((m1[i].requests - m0[i].requests) / wall, 0)} | ${fmt(edgeCpu[i], 3)} | ${fmt(n / edgeCpu[i], 0)} | ${m1[i].originFetches - m0[i].originFetches} | ` +
        `${fmt(percentile(latencies(e.id, true), 50) / 1000, 2)} s | ${fmt(percentile(latencies(e.id, false), 50) / 1000, 2)} s |`,
    );
  });
  console.log('');
  console.log(`${NAME}: steady ${wall.toFixed(0)} s: ${playing} of ${VIEWERS} viewers playing, ${steady.errors} errors, stall ratio ${fmt(steady.stalledMs / steady.playedMs, 4)} (${steady.stalls} stalls)`);
  console.log(`${NAME}: startup p50 ${fmt(percentile(startups, 50), 0)} ms, p95 ${fmt(percentile(startups, 95), 0)} ms (${startups.length} viewers started)`);
  console.log(`${NAME}: origin offload ${fmt(offload * 100, 2)} % (${originFetches} origin fetches for ${viewerRequests} viewer requests at the edges; the simulator sent ${steady.requests})`);
  console.log(`${NAME}: ${fmt(viewersPerCore, 0)} viewers per edge core -> at ${HEADROOM * 100} % busy, 10,000 viewers need ${edgesFor(10_000)} one-core edges, 100,000 need ${edgesFor(100_000)} (CPU only; at ${KBPS} kbps per rendition)`);
  console.log(
    `${NAME}: the simulator used ${fmt(simCpu, 2)} of a core${simCpu > 0.9 ? ' (near one core: it may be the bottleneck)' : ''}, the edges ${fmt(sum(edgeCpu), 2)}; ` +
      `the machine was ${fmt(machineBusy * 100, 0)} % busy (all its cores, other work included)`,
  );
  if (steady.samples.length) console.log(`${NAME}: steady errors, examples: ${steady.samples.join('; ')}`);
  console.log(`${NAME}: purges under load: ${propagated.length} confirmed, p50 ${fmt(percentile(propagated, 50), 1)} ms, p99 ${fmt(percentile(propagated, 99), 1)} ms${purgeFailures.length ? `; ${purgeFailures.length} failed: ${purgeFailures[0]}` : ''}`);
  bench.record('viewers', { ours: playing, note: `${startups.length} started` });
  bench.record('steadyErrors', { ours: steady.errors, note: `stall ratio ${fmt(steady.stalledMs / steady.playedMs, 4)}` });
  bench.record('offload', { ours: offload });
  bench.record('purgeP99', { ours: purgeFailures.length ? NaN : percentile(propagated, 99), note: `p50 ${fmt(percentile(propagated, 50), 1)} ms${purgeFailures.length ? `, ${purgeFailures.length} failed` : ''}` });

  // ---- cut the origin ----
  const cutPhase = sim.phase;
  log(`origin cut: every namespace drops packets to the origin for ${CUT_S} s`);
  bed.cutOrigin();
  await sleep(CUT_S * 1000);
  bed.restoreOrigin();
  sim.markPhase('after the cut');
  log(`origin back; watching ${AFTER_CUT_S} s`);
  await sleep(AFTER_CUT_S * 1000);
  sim.markPhase('kill');
  console.log(`${NAME}: origin cut ${CUT_S} s: ${cutPhase.errors} errors (${cutPhase.errorsLowLatency} of LL viewers), ${cutPhase.stalls} stalls, stall ratio ${fmt(cutPhase.stalledMs / cutPhase.playedMs, 4)}${cutPhase.samples.length ? `; examples: ${cutPhase.samples.join('; ')}` : ''}`);
  bench.record('cutErrors', { ours: cutPhase.errors, note: `${cutPhase.stalls} stalls while cut` });

  // ---- kill an edge while viewers play ----
  const victim = bed.edges[0];
  const victims = sim.viewers.filter((v) => v.edge?.id === victim.id);
  const killPhase = sim.phase;
  const stallsBefore = sum(victims.map((v) => v.stalls));
  log(`kill: SIGKILL of edge 1 (${victim.pids().join(', ')}) with ${victims.length} viewers on it`);
  const killAt = performance.now();
  victim.kill();
  await sleep(KILL_WATCH_S * 1000);
  const recoveries = victims.map((v) => {
    const moved = v.history.find((h) => h.at >= killAt && h.edge !== victim.id && h.firstMediaAt !== null);
    return moved ? moved.firstMediaAt - killAt : Infinity;
  });
  const stuck = recoveries.filter((r) => !Number.isFinite(r)).length;
  const victimStalls = sum(victims.map((v) => v.stalls)) - stallsBefore;
  const killErrorsElsewhere = Object.entries(killPhase.errorsByEdge).filter(([id]) => id !== victim.id).reduce((a, [, n]) => a + n, 0);
  console.log(
    `${NAME}: kill: ${victims.length} viewers moved; back to playing from another edge after p50 ${fmt(percentile(recoveries, 50), 0)} ms, p95 ${fmt(percentile(recoveries, 95), 0)} ms, ` +
      `max ${fmt(Math.max(...recoveries), 0)} ms${stuck ? ` (${stuck} never did)` : ''}; their stalls ${victimStalls}; errors ${killPhase.errors} (${killErrorsElsewhere} on the other edges)`,
  );
  sim.markPhase('end');
  bench.record('recovery', { ours: victims.length ? Math.max(...recoveries) : NaN, note: `${victims.length} viewers, p95 ${fmt(percentile(recoveries, 95), 0)} ms, ${victimStalls} stalls` });

  console.log('');
  console.log('| phase | s | requests | MB | errors | kinds | stalls | stall ratio | failovers | stall switches |');
  console.log('|---|---:|---:|---:|---:|---|---:|---:|---:|---:|');
  for (const p of sim.phases.filter((x) => x.endedAt && x.name !== 'start' && x.name !== 'end')) console.log(phaseRow(p));
  const fatal = sim.viewers.filter((v) => v.fatal);
  if (fatal.length) console.log(`${NAME}: ${fatal.length} viewers gave up: ${fatal[0].fatal}`);
  console.log('');
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await sim?.stop();
  await bed?.destroy();
  await cleanup();
}
bench.finish();
