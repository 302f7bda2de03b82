#!/usr/bin/env node
// bench/soak: a long day without loss. One host (its home on a size-limited disk: a tmpfs, as root)
// runs for SOAK_MINUTES (20; `--minutes N` when run directly; 2 hours is the documented long run) with:
//  - 4 live streams whose publishers drop and come back at random (every 1-4 min each, back after
//    1-10 s; one in two drops is a SIGKILL, the other a clean stop): `ll-rtmp` (low latency, RTMP,
//    recorded, with the data channel and the chat), `ll-srt` (low latency, SRT), `ladder` (standard
//    latency, the `standard` ladder on an 854x480 source: source + 360p encoded; restreamed to an
//    nginx-rtmp receiver), `whip` (standard latency, WHIP from werift fed by ffmpeg's RTP);
//  - 100 HLS viewers (test-support/fleet's simulated players: LL-HLS blocking reloads and parts on the
//    low-latency streams), half of them through two edges, each living 20-120 s and replaced
//    (bench/lib/soak-hls-viewers.mjs), and 20 WHEP viewers churning the same way (soak-whep-viewers.mjs);
//  - data at 50 msg/s on one channel, acknowledged, with SSE, WebSocket and MQTT subscribers, some kept
//    all run and checked, some churning; chat lines from viewers that come and go (soak-data.mjs);
//  - an upload (tus) and its processing (preset fast) every few minutes, then its deletion;
//  - the two edges killed (SIGKILL or clean stop) and started again at random, one at a time;
//  - the disk filled below the recording floor once (a file leaves FLOOR_MB/2 free) for up to a minute.
// Every minute one line: host RSS, heap (and the live heap: in use after the last full collection), open descriptors, child processes, event-loop delay p99 (its
// /metrics, read once a minute: the histogram covers that minute), SQLite size, disk used, viewers,
// returns so far, errors in the minute by kind (host log level >= 50, and the clients' own). The end:
// slopes (least squares over 10 s samples after the warm-up: the first quarter, at least 3 minutes) in
// % of the mean per hour and in absolute, then the checks, then the goals.
// Goals (the issue's): RSS and descriptors flat (slope < 1 %/h after warm-up; the reference printed
// beside each is its value right after the warm-up), and the live heap beneath RSS (the heap in use
// after each full collection, per minute: RSS and the heap used saw up and down by hundreds of MiB as
// V8 lets garbage pile up before a full collection, the live set does not) at the same 1 %/h, the leak
// the RSS goal is there to catch; event-loop delay p99 < 50 ms in the worst minute;
// 0 lost recordings (every publish run of `ll-rtmp` has its recording, complete, on disk, as long as
// the run; one that met the disk floor is judged by the floor's rules: see soak-recordings.mjs);
// 0 lost acknowledged data messages (every acknowledged message in the host's kept history and in what
// every checked subscriber connected throughout received); every publisher's return playing again
// within 5 s (restart to the first new segment or part in the playlist; for WHIP, to the first packet
// at a WHEP viewer).
// Knobs: SOAK_MINUTES (20; short 6), SOAK_HLS_VIEWERS (100), SOAK_WHEP_VIEWERS (20), SOAK_DATA_RATE (50),
// SOAK_DISK_MB (1536), SOAK_FLOOR_MB (64), SOAK_FLOOR_AT_MIN (40 % of the run), SOAK_UPLOAD_EVERY_S
// (180; short 120), SOAK_DVR_MINUTES (2: the DVR window of the low-latency streams fills during the
// warm-up, so that a slope measures leaks rather than a window filling), SOAK_SEED (the chaos's seed,
// printed: the same seed replays the same schedule), SOAK_RECORD (a file: every sample and minute row
// written there as JSON at the end, to read a long run again). Needs ffmpeg, nginx with the rtmp module and the
// build; without root there is no tmpfs and no disk floor (said so). The run.mjs timeout (BENCH_TIMEOUT_S,
// 1800 s) must cover longer runs: SOAK_MINUTES=120 BENCH_TIMEOUT_S=8000 npm run bench -- soak.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, cpuSeconds, fmt, freePort, machineTicks, percentile, sleep, startNginxReceivers, tempDir, track, waitFor } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';
import { edgeChaos, floorEpisode } from './lib/soak-chaos.mjs';
import { diskOf, hostLog, mountSmallDisk, processFigures, processTree, soakEdge, sqliteBytes, startHostAt } from './lib/soak-host.mjs';
import { mediaPlaylist, mediaUris, returnWatch, stopStrays, streamPublisher } from './lib/soak-publishers.mjs';
import { recordingChecker } from './lib/soak-recordings.mjs';
import { printFinal } from './lib/soak-report.mjs';
import { cutShortSleeps, leastSquares, MiB, metricValue, seededRandom, slopePercentPerHour, Tally } from './lib/soak-stats.mjs';
import { uploadLoop } from './lib/soak-uploads.mjs';

const NAME = 'bench/soak';
const bench = defineBench(NAME, {
  rssSlope: { what: 'host RSS slope after warm-up, % of its mean per hour (least squares)', on: 'ours', op: '<', target: 1, unit: '%/h', digits: 2 },
  liveSlope: { what: 'host live heap (in use after each full collection) slope after warm-up, % of its mean per hour: the leak beneath RSS\'s sawtooth', on: 'ours', op: '<', target: 1, unit: '%/h', digits: 2 },
  fdSlope: { what: 'host open file descriptors slope after warm-up, % of the mean per hour', on: 'ours', op: '<', target: 1, unit: '%/h', digits: 2 },
  eventLoopP99: { what: 'host event-loop delay p99, the worst minute (its /metrics)', on: 'ours', op: '<', target: 50, unit: 'ms', digits: 1 },
  lostRecordings: { what: 'publish runs of the recorded stream without a good recording', on: 'ours', op: '<=', target: 0, digits: 0 },
  lostData: { what: 'acknowledged data messages missing from the history or a subscriber connected throughout', on: 'ours', op: '<=', target: 0, digits: 0 },
  returnMax: { what: "publisher returns: the longest from the publisher's restart to playing again", on: 'ours', op: '<=', target: 5, unit: 's', digits: 2 },
});
const minutesArg = process.argv.indexOf('--minutes');
const MINUTES = minutesArg > 0 ? Number(process.argv[minutesArg + 1]) : bench.knob('SOAK_MINUTES', 20, 6);
if (!(MINUTES >= 2)) throw new Error(`${NAME}: --minutes / SOAK_MINUTES must be at least 2 (got ${MINUTES})`);
const HLS_VIEWERS = bench.knob('SOAK_HLS_VIEWERS', 100);
const WHEP_VIEWERS = bench.knob('SOAK_WHEP_VIEWERS', 20);
const DATA_RATE = bench.knob('SOAK_DATA_RATE', 50);
const DISK_MB = bench.knob('SOAK_DISK_MB', 1536);
const FLOOR_MB = bench.knob('SOAK_FLOOR_MB', 64);
const FLOOR_AT_S = bench.knob('SOAK_FLOOR_AT_MIN', Math.max(1.5, 0.4 * MINUTES)) * 60;
const FLOOR_HOLD_S = Math.min(60, Math.max(30, 0.15 * MINUTES * 60));
const LIBRARY_FLOOR_MB = Math.round(FLOOR_MB * 0.75);
const UPLOAD_EVERY_S = bench.knob('SOAK_UPLOAD_EVERY_S', 180, 120);
const DVR_MINUTES = bench.knob('SOAK_DVR_MINUTES', 2);
const SEED = bench.knob('SOAK_SEED', Math.floor(Math.random() * 1e9));
const RUN_S = MINUTES * 60;
const WARMUP_S = Math.min(RUN_S - 60, Math.max(180, Math.round(0.25 * RUN_S / 60) * 60));
/** Errors right after a publisher or an edge came back are still the chaos's. */
const GRACE_MS = 15_000;
const here = path.dirname(fileURLToPath(import.meta.url));
bench.requires('ffmpeg', 'nginx', 'nginx-rtmp', 'build');

const STREAMS = [
  { name: 'll-rtmp', protocol: 'rtmp', latency: 'low', ladder: 'passthrough', record: true, size: '426x240', fps: 20, kbps: 300, hls: 0.3, whep: 0.2 },
  { name: 'll-srt', protocol: 'srt', latency: 'low', ladder: 'passthrough', size: '426x240', fps: 20, kbps: 300, hls: 0.2, whep: 0.2 },
  { name: 'ladder', protocol: 'rtmp', latency: 'standard', ladder: 'standard', size: '854x480', fps: 20, kbps: 800, hls: 0.3, whep: 0.2 },
  { name: 'whip', protocol: 'whip', latency: 'standard', ladder: 'passthrough', size: '426x240', fps: 20, kbps: 300, hls: 0.2, whep: 0.4 },
];
const RECORDED = 'll-rtmp';
const DATA_CHANNEL = 'soak';

const t0 = Date.now();
const clock = () => `${((Date.now() - t0) / 60_000).toFixed(2).padStart(6)} min`;
const say = (line) => console.log(`${NAME}: ${clock()}  ${line}`);

/** Everything the run measures, for the final report. */
const run = {
  minutes: MINUTES,
  warmupS: WARMUP_S,
  seed: SEED,
  samples: [],
  rows: [],
  soakStart: null,
  returns: [],
  edgeRestarts: [],
  floor: { start: null, end: null, bytes: 0, resumedAt: null, resumedWithoutReconnect: null, leaveMiB: FLOOR_MB / 2, floorMB: FLOOR_MB, enabled: false },
  hostErrors: new Tally(),
  hostWarnings: new Tally(),
  clientErrors: new Tally(),
  expected: new Tally(),
  hls: { requests: 0, bytes: 0, stalls: 0, stalledMs: 0, playedMs: 0, failovers: 0, started: 0, startups: [], samples: [] },
  whep: { sessions: 0, stalls: 0, loss: { expected: 0, lost: 0 }, samples: [] },
  data: { published: 0, acked: 0, notSent: 0, ackP99: [], final: null },
  uploads: { tries: 0, ready: 0, failed: 0, refusedAtFloor: 0, processingS: [], errors: [] },
  restream: { wentLive: 0, retries: 0, notLiveMinutes: 0, bytes: 0, lastState: null },
  recordings: null,
};

const streamState = {};
const edgeState = {};
let children = [];
let whep = null;
const broadcast = () => {
  for (const c of children) if (c.connected) c.send({ type: 'state', streams: streamState, edges: edgeState });
};
const setStream = (name, up) => {
  streamState[name] = { up, since: Date.now() };
  broadcast();
};

/** Sends `msg` to a child and resolves with its first answer of `type`. */
function ask(child, msg, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', on);
      reject(new Error(`${path.basename(child.spawnargs[1] ?? 'child')}: no ${type} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const on = (m) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    if (msg) child.send(msg);
  });
}

let ending = false;
/** Sleeps `ms`, or less once the run is ending. */
const { sleep: chaosSleep, end: wakeSleepers } = cutShortSleeps();

const floorActive = () => run.floor.start !== null && run.floor.end === null;

async function main() {
  const disk = mountSmallDisk(DISK_MB);
  run.floor.enabled = disk !== null;
  const home = path.join(disk ? disk.dir : tempDir('streams-soak-'), 'home');
  const mqttPort = await freePort();
  say(`seed ${SEED}; ${MINUTES} min, warm-up ${WARMUP_S / 60} min; home on ${disk ? `a ${DISK_MB} MB tmpfs (disk floor at ${(FLOOR_AT_S / 60).toFixed(1)} min for ${FLOOR_HOLD_S.toFixed(0)} s)` : 'the temp disk (not root: no tmpfs, no disk floor)'}`);
  const host = await startHostAt(home, {
    STREAMS_RTMP_PORT: String(await freePort()),
    STREAMS_SRT_PORT: String(await freePort()),
    STREAMS_MQTT_PORT: String(mqttPort),
    STREAMS_RECORDING_MIN_FREE_MEGABYTES: String(FLOOR_MB),
    STREAMS_LIBRARY_MIN_FREE_MEGABYTES: String(LIBRARY_FLOOR_MB),
    STREAMS_LIBRARY_DEFAULT_PRESET: 'fast',
    // e.g. "--cpu-prof --cpu-prof-dir=/some/folder" to see where the host's time goes (written at its exit).
    ...(process.env.SOAK_HOST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_HOST_NODE_OPTIONS } : {}),
  });
  const log = hostLog(home);
  say(`host ${host.url} (pid ${host.proc.pid})`);
  const receivers = await startNginxReceivers(1);
  const edges = [await soakEdge(host.url, host.token, 'soak-a'), await soakEdge(host.url, host.token, 'soak-b')];
  /** Until the origin lists the edge as healthy (in rotation): what viewers are sent to. */
  const inRotation = (edge) =>
    waitFor(`edge ${edge.region} in rotation`, async () => ((await host.api('GET', '/api/v1/cdn/edges')).json ?? []).some((x) => x.id === edge.id && x.healthy), 60_000);
  for (const e of edges) {
    await e.start();
    await inRotation(e);
    edgeState[e.id] = { up: true, since: Date.now() };
  }
  say(`edges ${edges.map((e) => `${e.id} ${e.url}`).join(', ')}; restream receiver ${receivers.servers[0]}`);

  // ---- streams and publishers ----
  const publishers = new Map();
  const checker = recordingChecker({ api: host.api, home, stream: RECORDED });
  const verifications = [];
  const verify = (r) => verifications.push(checker.verify(r, run.floor).catch((error) => say(`recording check failed: ${error.message}`)));
  const returning = new Set();
  const sids = {};
  for (const s of STREAMS) {
    const res = await host.api('POST', '/api/v1/streams', { name: s.name, latency: s.latency, ladder: s.ladder, ...(s.record ? { record: true } : {}), ...(s.latency === 'low' ? { dvrMinutes: DVR_MINUTES } : {}) });
    if (res.status !== 201) throw new Error(`POST /api/v1/streams ${s.name} -> ${res.status}: ${res.text}`);
    const { ingest, key } = res.json;
    const url = s.protocol === 'rtmp' ? `${ingest.rtmp}/${key}` : s.protocol === 'srt' ? `${ingest.srt}${key}` : `${host.url}/live/${s.name}/whip`;
    const p = streamPublisher({ ...s, url, key }, {
      exited: (pub, r, detail) => {
        if (pub.name === RECORDED) verify(r);
        // While it comes back, a refusal is the host still holding the previous publisher.
        if (returning.has(pub.name)) {
          pub.refusals++;
          run.expected.add(`publish refused while returning: ${pub.protocol}`);
          return;
        }
        run.clientErrors.add(detail.replace(/\(\d+\)|\d+/g, 'N').slice(0, 90));
        void comeBack(pub, 'exit', Date.now(), Date.now() + 1000);
      },
      refused: (pub, detail) => run.expected.add(`publish refused while returning: ${detail}`),
      whip: (pub, msg) => {
        if (msg.type === 'closed') say(`whip publisher: ${msg.reason}`);
        // The steps of a WHIP return: its offer out, the answer, connected (ICE + DTLS).
        const r = run.returns.findLast((x) => x.stream === pub.name);
        if (r && returning.has(pub.name) && msg.type === 'offering') r.offeringS = (msg.at - r.restartAt) / 1000;
        if (r && returning.has(pub.name) && msg.type === 'published') r.publishedS = (msg.at - r.restartAt) / 1000;
        if (r && returning.has(pub.name) && msg.type === 'connected') r.connectedS = (msg.at - r.restartAt) / 1000;
      },
    });
    publishers.set(s.name, p);
  }
  const dest = await host.api('POST', '/api/v1/streams/ladder/destinations', { url: receivers.servers[0], key: 'soak', autoStart: true, label: 'soak receiver' });
  if (dest.status !== 201) throw new Error(`POST destinations -> ${dest.status}: ${dest.text}`);
  for (const p of publishers.values()) p.start();
  for (const s of STREAMS) {
    await waitFor(`${s.name}: no media in its playlist`, async () => {
      const pl = await mediaPlaylist(host.url, s.name, 'soak');
      return pl.status === 200 && mediaUris(pl.text).length > 0;
    }, 60_000, () => host.output().slice(-3000));
    const master = await (await fetch(`${host.url}/live/${s.name}/index.m3u8`)).text();
    sids[s.name] = /sid=([A-Za-z0-9_-]+)/.exec(master)?.[1] ?? 'soak';
    streamState[s.name] = { up: true, since: Date.now() };
  }
  say(`streams live: ${STREAMS.map((s) => `${s.name} (${s.protocol}, ${s.latency}, ${s.ladder})`).join(', ')}`);

  /** A publisher is coming back (`kind`: kill, term, exit): time its return. */
  async function comeBack(p, kind, downAt, restartAt) {
    if (returning.has(p.name)) return;
    returning.add(p.name);
    setStream(p.name, false);
    const r = { stream: p.name, protocol: p.protocol, kind, downS: (restartAt - downAt) / 1000, restartAt, hlsS: NaN, whepS: NaN, refusals: 0 };
    run.returns.push(r);
    const refusals0 = p.refusals;
    if (p.protocol === 'whip') whep?.send({ type: 'returning', stream: p.name, whepUrl: `${host.url}/live/${p.name}/whep`, at: restartAt });
    r.hlsS = await returnWatch(host.url, p.name, sids[p.name], restartAt);
    r.refusals = p.refusals - refusals0;
    returning.delete(p.name);
    setStream(p.name, true);
  }

  // ---- clients ----
  const slotsOf = (total, share) => {
    const out = [];
    for (const s of STREAMS) for (let i = 0; i < Math.round(total * s[share]); i++) out.push(s);
    return out;
  };
  const hls = track(fork(path.join(here, 'lib', 'soak-hls-viewers.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  whep = track(fork(path.join(here, 'lib', 'soak-whep-viewers.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const data = track(fork(path.join(here, 'lib', 'soak-data.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const idle = track(fork(path.join(here, 'lib', 'soak-idle-probe.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  children = [hls, whep];
  broadcast();
  whep.on('message', (m) => {
    if (m.type !== 'resumed') return;
    const r = run.returns.find((x) => x.stream === m.stream && x.restartAt === m.restartAt);
    if (r) {
      r.whepS = m.firstPacketAt === null ? NaN : (m.firstPacketAt - m.restartAt) / 1000;
      r.whepVia = m.via;
    }
  });
  const hlsSlots = slotsOf(HLS_VIEWERS, 'hls').map((s, i) => ({
    stream: s.name,
    ll: s.latency === 'low',
    via: i % 2 === 0 ? 'origin' : 'edges',
    originHls: `${host.url}/live/${s.name}/index.m3u8`,
    playbackUrl: `${host.url}/api/v1/cdn/streams/${s.name}/playback`,
    maxHeight: s.ladder === 'standard' ? [Infinity, 360][Math.floor(i / 2) % 2] : Infinity,
  }));
  await ask(hls, { type: 'init', slots: hlsSlots, lifeS: [20, 120], graceMs: GRACE_MS, seed: SEED + 1000, rampMs: 30_000 }, 'ready', 60_000);
  const whepSlots = slotsOf(WHEP_VIEWERS, 'whep').map((s) => ({ stream: s.name, whepUrl: `${host.url}/live/${s.name}/whep` }));
  await ask(whep, { type: 'init', slots: whepSlots, lifeS: [20, 120], graceMs: GRACE_MS, seed: SEED + 2000, rampMs: 20_000 }, 'ready', 60_000);
  const dataReady = await ask(
    data,
    {
      type: 'init', url: host.url, stream: RECORDED, channel: DATA_CHANNEL, key: publishers.get(RECORDED).key, token: host.token, mqttPort, rate: DATA_RATE,
      checked: { sse: 3, ws: 3, mqtt: 3 }, churn: { sse: 2, ws: 2, mqtt: 2 },
      chat: { room: `stream:${RECORDED}`, chatters: 10, everyMs: [3000, 6000], lifeS: [60, 240] }, seed: SEED + 3000,
    },
    'ready',
    60_000,
  );
  say(`clients: ${hlsSlots.length} HLS viewers (${hlsSlots.filter((s) => s.via === 'edges').length} through the edges), ${whepSlots.length} WHEP viewers, data ${DATA_RATE} msg/s with 3+3+3 checked and 2+2+2 churning subscribers (SSE, WS, MQTT), 10 chatters${dataReady.notConnected.length ? `; not connected in 20 s: ${dataReady.notConnected.join(', ')}` : ''}`);

  // ---- chaos ----
  const publisherChaos = async (p, rnd) => {
    for (;;) {
      await chaosSleep(rnd.between(60, 240) * 1000);
      // The recorded stream keeps its publisher through the floor and 45 s after it: does the recording resume by itself?
      while (!ending && p.name === RECORDED && run.floor.start !== null && (floorActive() || Date.now() < run.floor.end + 45_000)) await chaosSleep(1000);
      while (!ending && returning.has(p.name)) await chaosSleep(1000);
      if (ending) return;
      const signal = rnd.next() < 0.5 ? 'SIGKILL' : 'SIGTERM';
      const downAt = Date.now();
      setStream(p.name, false);
      await p.drop(signal);
      if (p.name === RECORDED) verify(p.runs.at(-1));
      await sleep(rnd.between(1, 10) * 1000);
      const restartAt = Date.now();
      p.start();
      await comeBack(p, signal === 'SIGKILL' ? 'kill' : 'term', downAt, restartAt);
    }
  };
  const settle = (what, promise) =>
    promise.catch((error) => {
      run.clientErrors.add(`${what} failed`);
      say(`${what} failed: ${error.stack ?? error}`);
    });
  const chaos = [
    ...[...publishers.values()].map((p, i) => settle(`publisher chaos of ${p.name}`, publisherChaos(p, seededRandom(SEED + 10 + i)))),
    ...edges.map((edge, i) =>
      settle('edge chaos', edgeChaos(edge, {
        other: edges[1 - i], random: seededRandom(SEED + 20 + i), runS: RUN_S, edgeState, broadcast, inRotation,
        sleep: chaosSleep, ending: () => ending, restarts: run.edgeRestarts, errors: run.clientErrors, say,
      })),
    ),
    ...(disk
      ? [settle('disk floor', floorEpisode(run.floor, {
          home, host, atS: FLOOR_AT_S, holdS: FLOOR_HOLD_S, recorded: publishers.get(RECORDED), libraryFloorMB: LIBRARY_FLOOR_MB,
          sleep: chaosSleep, ending: () => ending, say,
        }))]
      : []),
    settle('uploads', uploadLoop({ host, work: tempDir('bench-soak-uploads-'), everyS: UPLOAD_EVERY_S, sleep: chaosSleep, stopped: () => ending, floorActive, stats: run.uploads, say })),
  ];

  // ---- sampling ----
  const scrape = async () => {
    const text = await (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${host.token}` }, signal: AbortSignal.timeout(10_000) })).text();
    return { eldP99: metricValue(text, 'streams_nodejs_eventloop_lag_p99_seconds') * 1000, heap: metricValue(text, 'streams_nodejs_heap_size_used_bytes'), live: metricValue(text, 'streams_nodejs_heap_live_after_full_gc_bytes') };
  };
  await scrape();
  await ask(idle, { type: 'report' }, 'report', 10_000);
  const soakStart = Date.now();
  run.soakStart = soakStart;
  log.read();
  const sample = () => {
    if (host.proc.exitCode !== null || host.proc.signalCode !== null) throw new Error(`the host exited (${host.proc.exitCode ?? host.proc.signalCode}):\n${host.output().slice(-2000)}`);
    const { rss, fds, sockets, files, deleted } = processFigures(host.proc.pid);
    const tree = processTree(host.proc.pid);
    const s = { t: (Date.now() - soakStart) / 1000, rss, fds, sockets, files, deleted, children: tree.length - 1, cpu: tree.reduce((a, pid) => a + (cpuSeconds(pid) ?? 0), 0) };
    run.samples.push(s);
    return s;
  };
  let machine0 = machineTicks();
  let cpu0 = sample().cpu;
  console.log('| min | RSS MiB | heap MiB (live after full GC) | FDs (sockets, files, deleted files) | children | ELD p99 ms (idle process) | SQLite MiB | disk MiB | host CPU | machine | HLS (playing) | WHEP (media) | data acked/s (p99 ms) | returns (max s) | host errors (warn) | client errors | expected |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|');
  for (let minute = 1; minute <= MINUTES; minute++) {
    const due = soakStart + minute * 60_000;
    while (Date.now() < due - 10_000) {
      await sleep(10_000 - ((Date.now() - soakStart) % 10_000));
      sample();
    }
    await sleep(Math.max(0, due - Date.now()));
    const s = sample();
    const [m, probe] = await Promise.all([scrape(), ask(idle, { type: 'report' }, 'report', 10_000)]);
    const hostLines = log.read();
    const errs = new Tally();
    for (const l of hostLines) {
      if (l.level === 'warn') run.hostWarnings.add(l.kind);
      else {
        errs.add(l.kind);
        run.hostErrors.add(l.kind);
      }
    }
    const [h, w, d] = await Promise.all([ask(hls, { type: 'report' }, 'report', 30_000), ask(whep, { type: 'report' }, 'report', 30_000), ask(data, { type: 'report' }, 'report', 30_000)]);
    const clientErrs = new Tally();
    for (const t of [h.errors, h.fatal, w.errors, d.errors]) clientErrs.merge(t);
    run.clientErrors.merge(clientErrs.counts);
    const expected = new Tally();
    for (const t of [h.expected, w.expected]) expected.merge(t);
    run.expected.merge(expected.counts);
    for (const k of ['requests', 'bytes', 'stalls', 'stalledMs', 'playedMs', 'failovers', 'started']) run.hls[k] += h[k];
    // The bench's own clients, in CPU seconds so far: what they take from the machine beside the host.
    run.clientsCpu = { hls: (h.cpu.user + h.cpu.system) / 1e6, whep: (w.cpu.user + w.cpu.system) / 1e6, data: (d.cpu.user + d.cpu.system) / 1e6, seconds: (Date.now() - soakStart) / 1000 };
    run.hls.startups.push(...h.startups);
    run.hls.samples.push(...h.samples.map((x) => `min ${minute}: ${x}`));
    run.whep.sessions += w.sessions;
    run.whep.stalls += w.stalls;
    run.whep.loss.expected += w.loss.expected;
    run.whep.loss.lost += w.loss.lost;
    run.whep.samples.push(...w.samples.map((x) => `min ${minute}: ${x}`));
    run.data.published += d.published;
    run.data.acked += d.acked;
    run.data.notSent += d.notSent;
    run.data.ackP99.push(d.ackP99);
    await restreamCheck(host, receivers);
    const machine1 = machineTicks();
    const row = {
      minute, rss: s.rss, heap: m.heap, live: m.live, fds: s.fds, children: s.children, eldP99: m.eldP99, idleP99: probe.p99Ms, sqlite: sqliteBytes(home), disk: diskOf(home).used,
      hostCpu: (s.cpu - cpu0) / 60, machine: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
      // The filler was on the disk during this minute: its disk figure is the floor's, not the host's.
      floor: run.floor.start !== null && run.floor.start < Date.now() && (run.floor.end === null || run.floor.end > Date.now() - 60_000),
    };
    cpu0 = s.cpu;
    machine0 = machine1;
    run.rows.push(row);
    // Returns timed so far (one that never played again counts as such).
    const done = run.returns.filter((r) => !returning.has(r.stream) || r !== run.returns.findLast((x) => x.stream === r.stream));
    const maxReturn = Math.max(...done.map((r) => (Number.isFinite(returnSeconds(r)) ? returnSeconds(r) : Infinity)), 0);
    console.log(
      `| ${minute} | ${fmt(row.rss / MiB, 1)} | ${fmt(row.heap / MiB, 1)} (${fmt(row.live / MiB, 1)}) | ${row.fds} (${s.sockets}, ${s.files}, ${s.deleted}) | ${row.children} | ${fmt(row.eldP99, 1)} (${fmt(row.idleP99, 1)}) | ${fmt(row.sqlite / MiB, 1)} | ${fmt(row.disk / MiB, 0)} | ${fmt(row.hostCpu, 2)} | ${fmt(row.machine * 100, 0)} % | ` +
        `${h.active} (${h.playing}) | ${w.active} (${w.withMedia}) | ${fmt(d.acked / 60, 1)} (${fmt(d.ackP99, 1)}) | ${run.returns.length} (${maxReturn === Infinity ? 'never' : fmt(maxReturn, 1)}) | ` +
        `${errs.total}${errs.total ? `: ${errs.text(2)}` : ''} (${hostLines.length - errs.total}) | ${clientErrs.total}${clientErrs.total ? `: ${clientErrs.text(3)}` : ''} | ${expected.total} |`,
    );
  }

  // ---- the end ----
  ending = true;
  wakeSleepers();
  say('the run is over: waiting for the chaos to settle (returns in progress, uploads)');
  await Promise.race([Promise.all(chaos), sleep(120_000)]);
  const [hEnd, wEnd] = await Promise.all([ask(hls, { type: 'stop' }, 'stopped', 60_000), ask(whep, { type: 'stop' }, 'stopped', 60_000)]);
  run.clientErrors.merge(hEnd.errors);
  run.clientErrors.merge(wEnd.errors);
  run.data.final = await ask(data, { type: 'finish' }, 'final', 180_000);
  for (const p of publishers.values()) {
    await p.drop('SIGTERM');
    if (p.name === RECORDED) verify(p.runs.at(-1));
  }
  say(`publishers stopped; waiting for the recordings to be final (${verifications.length} runs to check)`);
  await Promise.all(verifications);
  log.read();
  const deleted = new Map(log.records('recording deleted').map((e) => [e.id, e.at]));
  run.recordings = { verdicts: checker.verdicts, ...(await checker.recheck(deleted, run.floor.enabled ? run.floor : null)), deleted: deleted.size, tolerance: null };
  for (const l of log.read()) (l.level === 'warn' ? run.hostWarnings : run.hostErrors).add(l.kind);
  run.floor.stoppedAt = log.records('disk almost full: the recording stops')[0]?.at ?? null;
  run.floor.notStarted = log.records('automatic recording did not start').length;
  run.floor.retentionDeleted = log.records('retention deleted recordings').reduce((a, e) => a + (e.space ?? 0), 0);
  await host.stop();
  await receivers.stop();
  return run;
}

/** The destination of `ladder`: its state transitions and retries, and whether it is live while the stream is. */
async function restreamCheck(host, receivers) {
  const list = (await host.api('GET', '/api/v1/streams/ladder/destinations')).json ?? [];
  const d = list[0];
  if (!d) return;
  if (d.state === 'live' && run.restream.lastState !== 'live') run.restream.wentLive++;
  run.restream.lastState = d.state;
  run.restream.retries = d.retries;
  const s = streamState.ladder;
  if (s?.up && Date.now() - s.since > 20_000 && d.state !== 'live') run.restream.notLiveMinutes++;
  const bytes = await receivers.bytesIn();
  if (Number.isFinite(bytes)) run.restream.bytes = bytes;
}

/** What a return is judged on: WHIP's first packet at a WHEP viewer, the others' first new segment or part. */
const returnSeconds = (r) => (r.protocol === 'whip' && Number.isFinite(r.whepS) ? r.whepS : r.hlsS);

const watchdogS = RUN_S + 900;
const watchdog = setTimeout(async () => {
  console.error(`${NAME}: watchdog: still running ${watchdogS} s after the start; stopping everything`);
  bench.fail(new Error(`watchdog: the run did not end within ${watchdogS} s`));
  await cleanup();
  bench.finish();
  process.exit(1);
}, watchdogS * 1000);

let result = null;
try {
  result = await main();
} catch (error) {
  console.error(`${NAME}: FAILED at ${clock()}: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  ending = true;
  wakeSleepers();
  await cleanup();
  stopStrays();
  clearTimeout(watchdog);
}

if (process.env.SOAK_RECORD) {
  // Every sample and minute row as JSON, to read a long run again after it (the slopes of other windows).
  fs.writeFileSync(process.env.SOAK_RECORD, JSON.stringify({ seed: run.seed, minutes: run.minutes, warmupS: run.warmupS, samples: run.samples, rows: run.rows }));
  console.log(`${NAME}: samples and minute rows written to SOAK_RECORD`);
}
const figures = printFinal(result ?? run, { returnSeconds, leastSquares, slopePercentPerHour, percentile, say: (l) => console.log(l) });
const withBlocks = (f) => (f.blocks ? `${f.note}; ${f.blocks}` : f.note);
if (figures.rss) bench.record('rssSlope', { ours: figures.rss.slopePct, note: withBlocks(figures.rss) });
if (figures.live) bench.record('liveSlope', { ours: figures.live.slopePct, note: withBlocks(figures.live) });
if (figures.fds) bench.record('fdSlope', { ours: figures.fds.slopePct, note: withBlocks(figures.fds) });
if (figures.eld) bench.record('eventLoopP99', { ours: figures.eld.worst, note: figures.eld.note });
if (figures.recordings) bench.record('lostRecordings', { ours: figures.recordings.lost, note: figures.recordings.note });
if (figures.data) bench.record('lostData', { ours: figures.data.lost, note: figures.data.note });
if (figures.returns) bench.record('returnMax', { ours: figures.returns.max, note: figures.returns.note });
bench.finish();
process.exit();
