#!/usr/bin/env node
// bench/data-bridges: messages per second into NATS JetStream and Redis Streams through the host's data
// bridges, beside the engine's own Node client publishing the same messages.
// Ours, the bridge: BENCH_BRIDGE_MESSAGES (20,000; short 5,000) JSON messages are published over a data
// channel's WebSocket while the engine's URL is empty (the out-bridge holds them, as while an engine is
// away), then the URL is set: the clock runs from that PATCH (the connection is made then, inside the
// timed span) until the bridge reports every message
// acknowledged, each a JetStream publish with its Nats-Msg-Id and headers, or an XADD through the
// bridge's script in pipelined batches. End to end (the WebSocket publisher, the hub and the bridge at
// once) and the host's WebSocket ingest alone are printed beside it.
// Reference, same run, same engine process, same messages (the data JSON and the seq/at headers or
// fields): nats.js `js.publish` with the same ids and headers, 1000 in flight; ioredis `XADD ... MAXLEN ~`
// pipelined 1000 at a time. Each engine is measured on its own (the other's bridge is not running).
// Goal from the issue: >= 0.8x the reference's messages per second for each engine.
// Debian's nats-server (-js, a store folder of its own) and redis-server (append-only, fsync every
// second as its default) on free loopback ports.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { connect, headers } from 'nats';
import WebSocket from 'ws';
import { cleanup, fmt, freePort, median, sleep, startHost, stopProcess, tempDir, track } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';
import { which } from '../test-support/machine.mjs';

const NAME = 'bench/data-bridges';
const bench = defineBench(NAME, {
  nats: { what: 'messages per second into JetStream, our bridge vs nats.js publishing them', on: 'ratio', op: '>=', target: 0.8, unit: 'msg/s', digits: 0 },
  redis: { what: 'messages per second into Redis Streams, our bridge vs ioredis publishing them', on: 'ratio', op: '>=', target: 0.8, unit: 'msg/s', digits: 0 },
});
const MESSAGES = bench.knob('BENCH_BRIDGE_MESSAGES', 20_000, 5000);
const RUNS = bench.knob('BENCH_BRIDGE_RUNS', 3, 1);
const WINDOW = 256;
const IN_FLIGHT = 1000;
bench.requires('build', 'nats', 'redis');

const listening = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function startEngine(command, args, port) {
  const proc = track(spawn(command, args, { stdio: 'ignore' }));
  for (let i = 0; i < 300 && !(await listening(port)); i++) await sleep(50);
  if (!(await listening(port))) throw new Error(`${command} did not listen on ${port}`);
  return proc;
}

const dataOf = (i) => ({ i, kind: 'telemetry', text: 'x'.repeat(100) });

async function openSocket(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

/** Publishes MESSAGES over the channel's socket, at most WINDOW unacknowledged. */
function publish(ws, offset) {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const send = () => {
      while (sent < MESSAGES && sent - acked < WINDOW) ws.send(JSON.stringify({ type: 'publish', ref: sent, data: dataOf(offset + sent++) }));
    };
    ws.on('message', (raw) => {
      const frame = JSON.parse(String(raw));
      if (frame.type === 'error') return reject(new Error(`publish refused: ${JSON.stringify(frame.error)}`));
      if (frame.type !== 'ack') return;
      if (++acked === MESSAGES) resolve();
      else send();
    });
    send();
  });
}

const statusOf = async (host, bridge) => (await host.api('GET', '/api/v1/streams/show/data/bridges')).json.status.find((s) => s.id === bridge);

async function waitStatus(host, bridge, what, check, timeoutMs = 120_000) {
  const start = performance.now();
  for (;;) {
    const s = await statusOf(host, bridge);
    if (check(s)) return s;
    if (performance.now() - start > timeoutMs) throw new Error(`${bridge}: no ${what} after ${timeoutMs / 1000} s (${JSON.stringify(s)})`);
    await sleep(5);
  }
}

/**
 * Ours, the bridge alone: MESSAGES published while the engine's URL is empty (the bridge holds them), then
 * the URL set again: the time from that PATCH to the bridge's report of every message acknowledged.
 */
async function ours(host, key, engine, bridge, run, setUrl) {
  await setUrl('');
  const before = await statusOf(host, bridge);
  const ws = await openSocket(`${host.url}/api/v1/streams/show/data/${engine}/ws?key=${key}`);
  await publish(ws, run * MESSAGES);
  ws.close();
  await waitStatus(host, bridge, 'backlog', (s) => s.buffered === MESSAGES);
  const start = performance.now();
  await setUrl(null);
  await waitStatus(host, bridge, 'acknowledgements', (s) => s.sent - before.sent >= MESSAGES && s.buffered === 0);
  return MESSAGES / ((performance.now() - start) / 1000);
}

/** End to end, for the record: the time from the first publish to the bridge's report of every message acknowledged. */
async function endToEnd(host, key, engine, bridge, run) {
  const before = await statusOf(host, bridge);
  const ws = await openSocket(`${host.url}/api/v1/streams/show/data/${engine}/ws?key=${key}`);
  const start = performance.now();
  await publish(ws, run * MESSAGES);
  ws.close();
  await waitStatus(host, bridge, 'acknowledgements', (s) => s.sent - before.sent >= MESSAGES && s.buffered === 0);
  return MESSAGES / ((performance.now() - start) / 1000);
}

/** The host's WebSocket ingest alone (no bridge on the channel): what bounds end to end. */
async function ingestOnly(host, key, run) {
  const ws = await openSocket(`${host.url}/api/v1/streams/show/data/plain/ws?key=${key}`);
  const start = performance.now();
  await publish(ws, run * MESSAGES);
  ws.close();
  return MESSAGES / ((performance.now() - start) / 1000);
}

async function natsReference(url, run) {
  const nc = await connect({ servers: url });
  try {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'REF', subjects: ['ref.>'] }).catch(() => undefined);
    const enc = new TextEncoder();
    const start = performance.now();
    const inFlight = new Set();
    for (let i = 0; i < MESSAGES; i++) {
      const h = headers();
      h.set('seq', String(i + 1));
      h.set('at', String(Date.now()));
      h.set('content-type', 'application/json');
      const p = js.publish('ref.show.telemetry', enc.encode(JSON.stringify(dataOf(run * MESSAGES + i))), { msgID: `ref/${run}/${i}`, headers: h });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => undefined);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return MESSAGES / ((performance.now() - start) / 1000);
  } finally {
    await nc.close();
  }
}

async function redisReference(url, run) {
  const r = new Redis(url);
  try {
    const start = performance.now();
    for (let from = 0; from < MESSAGES; from += IN_FLIGHT) {
      const p = r.pipeline();
      for (let i = from; i < Math.min(MESSAGES, from + IN_FLIGHT); i++) {
        p.xadd('ref:show:telemetry', 'MAXLEN', '~', '1000000', '*', 'seq', String(i + 1), 'at', String(Date.now()), 'content-type', 'application/json', 'data', JSON.stringify(dataOf(run * MESSAGES + i)));
      }
      const results = await p.exec();
      const failed = results.find(([e]) => e);
      if (failed) throw failed[0];
    }
    return MESSAGES / ((performance.now() - start) / 1000);
  } finally {
    r.disconnect();
  }
}

try {
  const natsPort = await freePort();
  const redisPort = await freePort();
  const nats = await startEngine(which('nats-server', ['/usr/bin/nats-server', '/usr/sbin/nats-server']), ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', tempDir('bench-nats-')], natsPort);
  const redis = await startEngine(which('redis-server', ['/usr/bin/redis-server']), ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', tempDir('bench-redis-'), '--appendonly', 'yes', '--save', ''], redisPort);
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const host = await startHost();
  const created = await host.api('POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
  if (created.status !== 201) throw new Error(`POST /api/v1/streams -> ${created.status}`);
  const key = created.json.key;
  const patched = await host.api('PATCH', '/api/v1/config', { bridges: { natsUrl, redisUrl } });
  if (patched.status !== 200) throw new Error(`PATCH /api/v1/config -> ${patched.status}: ${patched.text}`);

  for (const engine of ['nats', 'redis']) {
    const bridge = `to-${engine}`;
    const url = engine === 'nats' ? natsUrl : redisUrl;
    const setUrl = async (value) => {
      const res = await host.api('PATCH', '/api/v1/config', { bridges: { [`${engine}Url`]: value ?? url } });
      if (res.status !== 200) throw new Error(`PATCH /api/v1/config -> ${res.status}: ${res.text}`);
    };
    const put = await host.api('PUT', '/api/v1/streams/show/data/bridges', { bridges: [{ id: bridge, engine, direction: 'out', channel: engine }] });
    if (put.status !== 200) throw new Error(`PUT bridges -> ${put.status}: ${put.text}`);
    const reference = (run) => (engine === 'nats' ? natsReference(natsUrl, run) : redisReference(redisUrl, run));
    // A warm-up run each (connections, the JetStream stream, the script, the JIT), then alternating runs.
    let run = 0;
    await ours(host, key, engine, bridge, run++, setUrl);
    await reference(run);
    const runs = { ours: [], ref: [] };
    for (let i = 1; i <= RUNS; i++) {
      runs.ours.push(await ours(host, key, engine, bridge, run++, setUrl));
      runs.ref.push(await reference(run));
      console.log(`${NAME}: ${engine} run ${i}: the bridge ${fmt(runs.ours.at(-1), 0)} msg/s, ${engine === 'nats' ? 'nats.js' : 'ioredis'} ${fmt(runs.ref.at(-1), 0)} msg/s`);
    }
    const e2e = await endToEnd(host, key, engine, bridge, run++);
    console.log(`${NAME}: ${engine} end to end (WebSocket publish -> the hub -> the bridge -> acknowledged): ${fmt(e2e, 0)} msg/s`);
    bench.record(engine, { ours: median(runs.ours), reference: median(runs.ref), note: `${MESSAGES} messages per run, median of ${RUNS}; end to end with the WebSocket publisher ${fmt(e2e, 0)} msg/s` });
  }
  console.log(`${NAME}: the host's WebSocket ingest alone (no bridge): ${fmt(await ingestOnly(host, key, 1000), 0)} msg/s`);
  await host.stop();
  await Promise.all([stopProcess(nats), stopProcess(redis)]);
} catch (error) {
  console.error(error);
  bench.fail(error);
} finally {
  await cleanup();
}
bench.finish();
