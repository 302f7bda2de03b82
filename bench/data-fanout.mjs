#!/usr/bin/env node
// bench/data-fanout: messages to 10,000 WebSocket subscribers of one data channel on loopback. A
// publisher sends `messages` JSON publish frames (carrying their send time) over the channel's
// WebSocket as fast as the server takes them (at most 4 unacknowledged: the server acks after its
// fan-out loop), or at a fixed `rate`; subscribers in two child processes measure each delivery's delay.
// Ours: the host's /api/v1/streams/<name>/data/<channel>/ws (the hub, its per-subscriber queues; each
// message framed once, each subscriber's socket corked for the turn: messages read together leave in
// one write per socket).
// Reference, same run, same load, same subscribers: a plain `ws` broadcast loop in its own process that
// wraps each message once in the same envelope and sends it to every socket.
// Figures: deliveries per second (every subscriber's every message, over the span from the first send
// to the last receipt) and delivery delay p50/p99. Goals from the issues: >= 1.0x the reference's
// throughput (the performance issue; the data issue asked 0.9x), p99 within 1.5x.
// Then MQTT: the same kind of load (a steady rate for latency, a burst for throughput) to
// BENCH_DATA_MQTT_SUBSCRIBERS (1000; short 200) MQTT subscribers through the host's broker (aedes, the
// access checks, every message into the hub) and through Debian's `mosquitto` (bench/lib/data-mqtt.mjs).
// The performance issue's MQTT goal: >= 0.9x mosquitto's deliveries per second (a broker in JavaScript
// beside one in C); p99 within 5x is ours.
// Knobs: BENCH_DATA_SUBSCRIBERS (10000; short 2000), BENCH_DATA_MESSAGES (200; short 100),
// BENCH_DATA_RATE (msgs/s; 0, the default: as fast as acked), BENCH_DATA_SECONDS (with a rate; 10). BENCH_DATA_URL + BENCH_DATA_KEY + BENCH_DATA_STREAM: measure a host already running
// instead of starting the built one.
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { measureMosquitto, measureMqttFanout, printMqttComparison } from './lib/data-mqtt.mjs';
import { cleanup, fmt, freePort, median, sleep, startHost, track } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/data-fanout';
const bench = defineBench(NAME, {
  throughput: { what: 'WebSocket deliveries per second to the subscribers, ours vs a plain ws broadcast loop', on: 'ratio', op: '>=', target: 1.0, unit: 'msg/s', digits: 0 },
  p99: { what: 'delivery delay p99, ours vs a plain ws broadcast loop', on: 'ratio', op: '<=', target: 1.5, unit: 'ms', digits: 1 },
  mqttThroughput: { what: 'MQTT deliveries per second (QoS 0 burst), our broker vs mosquitto', on: 'ratio', op: '>=', target: 0.9, unit: 'msg/s', digits: 0 },
  mqttP99: { what: 'MQTT delivery delay p99 at a steady rate, our broker vs mosquitto', on: 'ratio', op: '<=', target: 5, unit: 'ms', digits: 1 },
});
const MQTT_SUBSCRIBERS = bench.knob('BENCH_DATA_MQTT_SUBSCRIBERS', 1000, 200);
const SUBSCRIBERS = bench.knob('BENCH_DATA_SUBSCRIBERS', 10_000, 2000);
const RATE = bench.knob('BENCH_DATA_RATE', 0);
const SECONDS = bench.knob('BENCH_DATA_SECONDS', 10, 5);
const MESSAGES = bench.knob('BENCH_DATA_MESSAGES', 200, 100);
const WINDOW = 4;
const CHILDREN = SUBSCRIBERS > 1000 ? 2 : 1;
const BUCKET_MS = 0.1;
const external = process.env.BENCH_DATA_URL;
if (!external) bench.requires('build');
bench.requires('mosquitto');

const here = path.dirname(fileURLToPath(import.meta.url));
const now = () => performance.timeOrigin + performance.now();

function request(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`subscriber child: no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (msg) => {
      if (msg.type === 'error') reject(new Error(`subscriber child: ${msg.message}`));
      if (msg.type !== type && msg.type !== 'error') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(msg);
    };
    child.on('message', onMessage);
  });
}

async function openSocket(url, headers = {}) {
  const ws = new WebSocket(url, { headers, perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

/** `MESSAGES` publish frames with at most WINDOW unacknowledged; or `rate` a second for `seconds` on a schedule. */
async function publish(ws) {
  const start = now();
  if (RATE <= 0) {
    let acked = 0;
    let sent = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`publisher: ${acked}/${MESSAGES} acks after 120 s`)), 120_000);
      const send = () => {
        while (sent < MESSAGES && sent - acked < WINDOW) ws.send(JSON.stringify({ type: 'publish', ref: sent, data: { i: sent++, t: now() } }));
      };
      ws.on('message', (raw) => {
        const frame = JSON.parse(String(raw));
        if (frame.type === 'error') return reject(new Error(`publish refused: ${JSON.stringify(frame.error)}`));
        if (frame.type !== 'ack') return;
        acked++;
        if (acked === MESSAGES) {
          clearTimeout(timer);
          resolve();
        } else send();
      });
      send();
    });
    return { total: MESSAGES, start };
  }
  const total = Math.round(RATE * SECONDS);
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    ws.send(JSON.stringify({ type: 'publish', ref: i, data: { i, t: now() } }));
  }
  return { total, start };
}

function percentileOf(histogram, p) {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= rank) return i * BUCKET_MS;
  }
  return NaN;
}

/** Subscribers join `subUrl`, the publisher sends the load on `pubUrl`; the figures of one target. */
async function measure(label, subUrl, pubUrl, pubHeaders) {
  const per = Math.ceil(SUBSCRIBERS / CHILDREN);
  const children = [];
  try {
    for (let c = 0; c < CHILDREN; c++) {
      children.push(track(fork(path.join(here, 'lib', 'data-subscribers.mjs'), [subUrl, String(Math.min(per, SUBSCRIBERS - c * per))], { stdio: 'inherit' })));
    }
    const joinStart = Date.now();
    await Promise.all(children.map((ch) => request(ch, 'ready', 120_000)));
    const joinMs = Date.now() - joinStart;
    await sleep(1000);
    const pub = await openSocket(pubUrl, pubHeaders);
    const { total, start } = await publish(pub);
    const expected = total * SUBSCRIBERS;
    // Until every delivery arrived or 10 s passed after the last send.
    let reports = [];
    const deadline = Date.now() + 10_000;
    for (;;) {
      reports = await Promise.all(children.map((ch) => (ch.send({ type: 'report' }), request(ch, 'report', 30_000))));
      if (reports.reduce((a, r) => a + r.deliveries, 0) >= expected || Date.now() > deadline) break;
      await sleep(250);
    }
    pub.terminate();
    const delivered = reports.reduce((a, r) => a + r.deliveries, 0);
    const lastAt = Math.max(...reports.map((r) => r.lastAt));
    const histogram = reports[0].histogram.map((_, i) => reports.reduce((a, r) => a + r.histogram[i], 0));
    const result = {
      delivered,
      expected,
      perSecond: delivered / ((lastAt - start) / 1000),
      p50: percentileOf(histogram, 50),
      p99: percentileOf(histogram, 99),
      closed: reports.reduce((a, r) => a + r.closed, 0),
      joinMs,
    };
    console.log(
      `${NAME}: ${label}: ${SUBSCRIBERS} subscribers joined in ${joinMs} ms; ${delivered}/${expected} deliveries, ` +
        `${fmt(result.perSecond, 0)}/s, delay p50 ${fmt(result.p50, 1)} ms p99 ${fmt(result.p99, 1)} ms, ${result.closed} sockets closed`,
    );
    return result;
  } finally {
    for (const ch of children) {
      ch.send({ type: 'stop' });
    }
    await sleep(500);
    for (const ch of children) if (ch.exitCode === null) ch.kill('SIGKILL');
  }
}

/** Our target: the host given by BENCH_DATA_URL, else the built host started here with a public stream. */
async function startOurs() {
  if (external) {
    const url = `${external.replace(/^http/, 'ws')}/api/v1/streams/${process.env.BENCH_DATA_STREAM}/data/fanout/ws`;
    return { url, key: process.env.BENCH_DATA_KEY, mqttPort: Number(process.env.BENCH_DATA_MQTT_PORT) || null, stop: async () => {} };
  }
  const mqttPort = await freePort();
  const host = await startHost({ env: { STREAMS_MQTT_PORT: String(mqttPort) } });
  const res = await host.api('POST', '/api/v1/streams', { name: 'fanout', ladder: 'passthrough' });
  if (res.status !== 201) throw new Error(`POST /api/v1/streams -> ${res.status}: ${res.text}`);
  return { url: `${host.url.replace(/^http/, 'ws')}/api/v1/streams/fanout/data/fanout/ws`, key: res.json.key, mqttPort, stop: () => host.stop() };
}

async function startReference() {
  const server = track(fork(path.join(here, 'lib', 'data-reference.mjs'), [], { stdio: 'inherit' }));
  const { port } = await request(server, 'listening', 10_000);
  return { port, stop: () => server.send({ type: 'stop' }) };
}

const RUNS = bench.knob('BENCH_DATA_RUNS', 3, 1);
let target;
let ref;
try {
  const load = RATE > 0 ? `${RATE} msg/s for ${SECONDS} s` : `${MESSAGES} messages as fast as acked (${WINDOW} in flight)`;
  console.log(`${NAME}: ${SUBSCRIBERS} subscribers in ${CHILDREN} processes, ${load}, ${RUNS} runs of each, alternating`);
  target = await startOurs();
  ref = await startReference();
  const runs = { ours: [], ref: [] };
  for (let r = 0; r < RUNS; r++) {
    runs.ref.push(await measure('plain ws broadcast', `ws://127.0.0.1:${ref.port}/sub`, `ws://127.0.0.1:${ref.port}/pub`, {}));
    runs.ours.push(await measure('ours', target.url, target.url, { Authorization: `Bearer ${target.key}` }));
  }
  const med = (list, field) => median(list.map((x) => x[field]));
  const lost = (list) => list.reduce((a, x) => a + x.expected - x.delivered, 0);
  const note = `medians of ${RUNS}; undelivered ${lost(runs.ours)} vs ${lost(runs.ref)}; p50 ${fmt(med(runs.ours, 'p50'), 1)} vs ${fmt(med(runs.ref, 'p50'), 1)} ms`;
  bench.record('throughput', { ours: med(runs.ours, 'perSecond'), reference: med(runs.ref, 'perSecond'), note });
  bench.record('p99', { ours: med(runs.ours, 'p99'), reference: med(runs.ref, 'p99') });

  if (target.mqttPort) {
    const stream = process.env.BENCH_DATA_STREAM ?? 'fanout';
    const options = { subscribers: MQTT_SUBSCRIBERS, processes: MQTT_SUBSCRIBERS > 500 ? 2 : 1, topic: `streams/${stream}/data/mqtt` };
    console.log(`${NAME}: MQTT, ${MQTT_SUBSCRIBERS} subscribers in ${options.processes} processes: ours, then mosquitto`);
    const ours = await measureMqttFanout('ours', { ...options, port: target.mqttPort, password: target.key });
    const mosquitto = await measureMosquitto(options);
    printMqttComparison(ours, mosquitto);
    bench.record('mqttThroughput', { ours: ours.burst.deliveriesPerSec, reference: mosquitto.burst.deliveriesPerSec });
    bench.record('mqttP99', { ours: ours.steady.p99, reference: mosquitto.steady.p99, note: `steady p50 ${fmt(ours.steady.p50, 1)} vs ${fmt(mosquitto.steady.p50, 1)} ms` });
  }
} catch (error) {
  console.error(error);
  bench.fail(error);
} finally {
  ref?.stop();
  await target?.stop().catch(() => undefined);
  await cleanup();
}
bench.finish();
