#!/usr/bin/env node
// bench/restream-cpu: CPU of our restreaming (1 ingest -> 4 passthrough RTMP destinations) against the
// same fan-out done by hand with one ffmpeg `-f tee` (the reference), in the same run. Both sides are
// fed a 1280x720@30 test pattern by an identical publisher ffmpeg (x264 ultrafast zerolatency, 2 s
// GOP, AAC, -re) and push to the same receivers: one nginx-rtmp on loopback (1 worker, 4 `live on`
// applications, nothing recorded), which is not measured and costs the same whatever side feeds it.
//  - ours: publisher -> RTMP -> `streams host` (stream `bench`, ladder passthrough) -> 4 destinations
//    (POST .../destinations, POST .../start). A passthrough destination on rtmp(s):// is pushed by the
//    host process itself (RtmpPush: a reader on the stream's Path hub writing to its own RTMP client
//    connection), with no ffmpeg per destination; so its cost is all in the host. Relay ffmpegs whose
//    command line names the receivers' address (pgrep -f) would be counted too; today there are none,
//    and the table says so.
//  - reference: publisher -> FLV on a pipe -> `ffmpeg -f flv -i pipe:0 -map 0 -c copy -f tee
//    "[f=flv]rtmp://...|... x4"` (one process: reads and demuxes the FLV once, writes 4 RTMP outputs).
// CPU = utime+stime from /proc/<pid>/stat over the same window: WARMUP_S after every destination is
// live (ours) / after the tee process starts (reference), then MEASURE_S. Ours then stops the
// destinations (POST .../stop) and measures the host alone for BASELINE_S (after WARMUP_S) with the
// stream still live: the host's CPU with the destinations minus that (per second) is the part of the
// host that restreams (Path readers, 4 RTMP pushes, destination stats and events): the goal figure,
// plus any relay ffmpeg. The receivers' bytes_in over the window (rtmp_stat) checks that both sides
// delivered the same media. Sides alternate, BENCH_RUNS each, medians.
// Needs ffmpeg and nginx with the rtmp module; skips (exit 2) without them.
// BENCH_SHORT=1: 1 run, an 8 s window, a 5 s baseline.
import { spawn } from 'node:child_process';
import {
  cleanup,
  cmdline,
  cpuSeconds,
  fmt,
  median,
  pidsMatching,
  ratio,
  sleep,
  startHost,
  startNginxReceivers,
  startPublisher,
  stopProcess,
  track,
  waitFor,
} from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/restream-cpu';
const bench = defineBench(NAME, {
  cpu: {
    what: 'restream CPU to 4 RTMP destinations: host work for them (+ relay ffmpegs) vs one ffmpeg tee',
    on: 'ratio',
    op: '<=',
    target: 1.1,
    unit: 'CPU s',
  },
});
const RUNS = bench.knob('BENCH_RUNS', 3, 1);
const WARMUP_S = bench.knob('BENCH_WARMUP_S', 3);
const MEASURE_S = bench.knob('BENCH_MEASURE_S', 15, 8);
const BASELINE_S = bench.knob('BENCH_BASELINE_S', 10, 5);
const DESTINATIONS = 4;
bench.requires('ffmpeg', 'nginx-rtmp', 'build');

const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);

/** CPU of `pids` (and of `hostPid` when given) and the receivers' bytes over WARMUP_S + MEASURE_S. */
async function measureWindow({ pids, hostPid, receivers }) {
  await sleep(WARMUP_S * 1000);
  const c0 = pids.map(cpuSeconds);
  const h0 = hostPid ? cpuSeconds(hostPid) : 0;
  const b0 = await receivers.bytesIn();
  const t0 = performance.now();
  await sleep(MEASURE_S * 1000);
  const c1 = pids.map(cpuSeconds);
  const h1 = hostPid ? cpuSeconds(hostPid) : 0;
  const wall = (performance.now() - t0) / 1000;
  const b1 = await receivers.bytesIn();
  if (c1.some((c) => c === null)) throw new Error('a relay process exited during the window (restart?)');
  return { wall, cpu: sum(c1) - sum(c0), hostCpu: h1 - h0, mbps: ((b1 - b0) * 8) / 1e6 / wall };
}

async function runOurs(receivers, run) {
  const host = await startHost();
  let pub = null;
  try {
    const created = await host.api('POST', '/api/v1/streams', { name: 'bench', ladder: 'passthrough' });
    if (created.status !== 201) throw new Error(`POST /api/v1/streams -> ${created.status}: ${created.text}`);
    pub = startPublisher(`${created.json.ingest.rtmp}/${created.json.key}`);
    await waitFor(
      'stream bench not live',
      async () => (await host.api('GET', '/api/v1/streams/bench')).json?.state === 'live',
      20_000,
      () => `${host.output()}\n${pub.errors()}`,
    );
    const ids = [];
    for (const [i, server] of receivers.servers.entries()) {
      const res = await host.api('POST', '/api/v1/streams/bench/destinations', { url: server, key: `ours-${run}-${i + 1}`, autoStart: true });
      if (res.status !== 201) throw new Error(`POST destinations -> ${res.status}: ${res.text}`);
      ids.push(res.json.id);
    }
    for (const id of ids) {
      const res = await host.api('POST', `/api/v1/streams/bench/destinations/${id}/start`);
      if (res.status >= 300) throw new Error(`POST destinations/${id}/start -> ${res.status}: ${res.text}`);
    }
    const destinationStates = async () => (await host.api('GET', '/api/v1/streams/bench/destinations')).json ?? [];
    await waitFor(
      `${DESTINATIONS} destinations not live`,
      async () => {
        const list = await destinationStates();
        return list.length === DESTINATIONS && list.every((d) => d.state === 'live');
      },
      20_000,
      () => host.output(),
    );
    const pids = pidsMatching(`127.0.0.1:${receivers.rtmpPort}/live`).filter((pid) => (cmdline(pid)?.[0] ?? '').includes('ffmpeg'));
    // 0: pushed in-process (RtmpPush), their cost is all in the host (host with destinations - without).
    if (pids.length !== DESTINATIONS && pids.length !== 0) throw new Error(`expected ${DESTINATIONS} relay ffmpegs (or 0, in-process), found ${pids.length}`);
    const r = await measureWindow({ pids, hostPid: host.proc.pid, receivers });
    const after = await destinationStates();
    if (!after.every((d) => d.state === 'live' && d.retries === 0)) throw new Error(`a destination left live: ${JSON.stringify(after)}`);
    // Baseline, after the window (the host is warm by then): relays stopped, the stream still live
    // (RTMP ingest, passthrough packager feed, API): the host's CPU per second without restreaming.
    for (const id of ids) {
      const res = await host.api('POST', `/api/v1/streams/bench/destinations/${id}/stop`);
      if (res.status >= 300) throw new Error(`POST destinations/${id}/stop -> ${res.status}: ${res.text}`);
    }
    await waitFor('relays not stopped', () => pids.every((pid) => cpuSeconds(pid) === null), 10_000);
    await sleep(WARMUP_S * 1000);
    const hb0 = cpuSeconds(host.proc.pid);
    const bb0 = await receivers.bytesIn();
    const tb0 = performance.now();
    await sleep(BASELINE_S * 1000);
    const baseSeconds = (performance.now() - tb0) / 1000;
    const baseRate = (cpuSeconds(host.proc.pid) - hb0) / baseSeconds;
    // The baseline is only one if nothing reaches the receivers any more.
    const baseMbps = (((await receivers.bytesIn()) - bb0) * 8) / 1e6 / baseSeconds;
    if (!(baseMbps < 0.1 * r.mbps)) throw new Error(`the receivers still got ${fmt(baseMbps, 1)} Mbit/s after the destinations were stopped`);
    if ((await host.api('GET', '/api/v1/streams/bench')).json?.state !== 'live') throw new Error('the stream ended during the baseline');
    return { ...r, relayProcesses: pids.length, hostFeedCpu: r.hostCpu - baseRate * r.wall, hostBaseRate: baseRate };
  } finally {
    if (pub) await stopProcess(pub, 'SIGTERM', 3000);
    await host.stop();
  }
}

async function runReference(receivers, run) {
  let pub = null;
  let ref = null;
  try {
    const tee = receivers.servers.map((s, i) => `[f=flv]${s}/ref-${run}-${i + 1}`).join('|');
    pub = startPublisher('pipe:1');
    ref = track(
      spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-f', 'flv', '-i', 'pipe:0', '-map', '0', '-c', 'copy', '-f', 'tee', tee], {
        stdio: [pub.stdout, 'ignore', 'pipe'],
      }),
    );
    let err = '';
    ref.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    const r = await measureWindow({ pids: [ref.pid], hostPid: null, receivers });
    if (ref.exitCode !== null) throw new Error(`reference ffmpeg exited ${ref.exitCode}: ${err}`);
    return r;
  } finally {
    if (pub) await stopProcess(pub, 'SIGTERM', 3000);
    if (ref) await stopProcess(ref, 'SIGTERM', 5000);
  }
}

const ours = [];
const reference = [];
const started = performance.now();
let receivers = null;
try {
  receivers = await startNginxReceivers(DESTINATIONS);
  for (let i = 1; i <= RUNS; i++) {
    ours.push(await runOurs(receivers, i));
    reference.push(await runReference(receivers, i));
  }
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await receivers?.stop();
  await cleanup();
}

if (ours.length > 0 && reference.length > 0) {
  const m = (xs, f) => median(xs.map(f));
  const refCpu = m(reference, (r) => r.cpu);
  const windowS = m([...ours, ...reference], (r) => r.wall);
  const relayProcesses = Math.max(...ours.map((r) => r.relayProcesses));
  const rows = [
    { name: 'reference: one ffmpeg `-f tee` (FLV on a pipe -> 4 RTMP)', cpu: refCpu, xs: reference },
    { name: relayProcesses > 0 ? `ours: ${relayProcesses} relay ffmpegs only` : 'ours: relay ffmpegs (none: the host pushes in-process)', cpu: m(ours, (r) => r.cpu), xs: ours },
    { name: 'ours: relays + host work for them (host with destinations - host without) **goal**', cpu: m(ours, (r) => r.cpu + r.hostFeedCpu), xs: ours },
    { name: 'ours: relays + whole host process (also RTMP ingest, HLS feed, API)', cpu: m(ours, (r) => r.cpu + r.hostCpu), xs: ours },
  ];
  console.log(
    `${NAME}: 1 ingest (1280x720@30 x264 + AAC, -re) -> ${DESTINATIONS} passthrough RTMP destinations (nginx-rtmp on loopback); ` +
      `CPU over ${fmt(windowS, 1)} s after ${WARMUP_S} s warm-up; ${RUNS} runs each, medians; ${fmt((performance.now() - started) / 1000, 0)} s total`,
  );
  console.log('| what | CPU s | % of a core | x reference | delivered to receivers |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${fmt(r.cpu, 2)} | ${fmt((100 * r.cpu) / windowS, 1)}% | ${ratio(r.cpu, refCpu)} | ${fmt(m(r.xs, (x) => x.mbps), 1)} Mbit/s |`);
  }
  const list = (xs, f) => xs.map((x) => fmt(f(x), 2)).join(', ');
  console.log(
    `${NAME}: per run CPU s: reference ${list(reference, (r) => r.cpu)}; relays ${list(ours, (r) => r.cpu)}; ` +
      `host ${list(ours, (r) => r.hostCpu)} (of which for the destinations ${list(ours, (r) => r.hostFeedCpu)}; host without them ${list(ours, (r) => r.hostBaseRate * 100)}% of a core)`,
  );
  console.log(
    `${NAME}: the tee reads and demuxes the FLV once; our RTMP ingest is not part of the goal: the host does it for the stream anyway (HLS), restreaming or not.`,
  );
  bench.record('cpu', {
    ours: m(ours, (r) => r.cpu + r.hostFeedCpu),
    reference: refCpu,
    note: `delivered ${fmt(m(ours, (x) => x.mbps), 1)} vs ${fmt(m(reference, (x) => x.mbps), 1)} Mbit/s`,
  });
}
bench.finish();
