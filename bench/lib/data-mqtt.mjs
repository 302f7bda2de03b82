// MQTT fanout, for bench/data-fanout: one publisher, N subscribers on one topic, through a broker on
// loopback, measured twice with the same load: through ours (the host's broker: aedes, access checks,
// every message into the data hub) and through Debian's `mosquitto`, started here on a free port with a
// minimal config and stopped by its PID.
//
// Two phases per broker, QoS 0 (what a live overlay subscribes with):
// - latency: `rateHz` messages/s for `seconds`; delivery p50/p99 (publisher's wall time written in the
//   payload, read by the subscriber on the same clock) and the share delivered;
// - throughput: `burst` messages written as fast as the publisher's socket takes them; deliveries per
//   second from the first publish to the last delivery (or until no delivery for 2 s).
// Subscribers are mqtt.js clients in `processes` child processes (bench/lib/data-mqtt-subscribers.mjs).
//
// Use: `const ours = await measureMqttFanout('ours', { port, password, topic })`,
//      `const ref = await measureMosquitto(options)`, `printMqttComparison(ours, ref)`.
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { LatencyHistogram } from './latency-histogram.mjs';
import { fmt, freePort, ratio, removeDir, sleep, stopProcess, tempDir, track, waitFor } from './live.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));
const IDLE_MS = 2000;

export const MQTT_DEFAULTS = { subscribers: 1000, processes: 1, rateHz: 20, seconds: 5, burst: 2000, payloadBytes: 256, protocolVersion: 4 };

/** Debian's mosquitto on a free loopback port, anonymous, no persistence; `stop()` ends it by PID. */
export async function startMosquitto() {
  const port = await freePort();
  const home = tempDir('bench-mosquitto-');
  const conf = path.join(home, 'mosquitto.conf');
  fs.writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_type error', ''].join('\n'));
  const proc = track(spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  await waitFor('mosquitto listening', () => canConnect(port), 10_000, () => err);
  return {
    port,
    pid: proc.pid,
    async stop() {
      await stopProcess(proc, 'SIGTERM', 3000);
      removeDir(home);
    },
  };
}

const canConnect = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/** Sends `cmd` to a subscriber process and resolves with its answer. */
const ask = (child, cmd) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send({ cmd });
  });

async function startSubscribers({ port, password, topic, subscribers, processes, protocolVersion }) {
  const children = [];
  for (let i = 0; i < processes; i++) {
    const count = Math.floor(subscribers / processes) + (i < subscribers % processes ? 1 : 0);
    const child = track(fork(path.join(dir, 'data-mqtt-subscribers.mjs'), [JSON.stringify({ port, password, topic, count, protocolVersion })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    children.push(child);
  }
  const ready = await Promise.all(children.map((c) => new Promise((resolve) => c.once('message', resolve))));
  const failed = ready.find((r) => r.error);
  if (failed) throw new Error(`MQTT subscribers could not connect: ${failed.error}`);
  return {
    async counts() {
      const answers = await Promise.all(children.map((c) => ask(c, 'count')));
      return { received: answers.reduce((a, r) => a + r.received, 0), lastAt: Math.max(...answers.map((r) => r.lastAt)) };
    },
    async reset() {
      await Promise.all(children.map((c) => ask(c, 'reset')));
    },
    async report() {
      const answers = await Promise.all(children.map((c) => ask(c, 'report')));
      const latencies = new LatencyHistogram();
      for (const a of answers) latencies.merge(a.latencies);
      return { received: answers.reduce((a, r) => a + r.received, 0), lastAt: Math.max(...answers.map((r) => r.lastAt)), latencies };
    },
    async close() {
      for (const c of children) c.send({ cmd: 'close' });
      await Promise.all(children.map((c) => stopProcess(c, 'SIGTERM', 5000)));
    },
  };
}

const now = () => performance.timeOrigin + performance.now();
const payloadOf = (i, pad) => `{"t":${now().toFixed(3)},"i":${i},"p":"${pad}"}`;

/** Waits until `expected` deliveries arrived or none came for IDLE_MS. */
async function settle(subs, expected) {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const { received } = await subs.counts();
    if (received >= expected) return;
    if (received !== last) {
      last = received;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > IDLE_MS) return;
    await sleep(100);
  }
}

/** One broker, both phases. `options` over MQTT_DEFAULTS; `port`, `topic`, `password` (null: anonymous). */
export async function measureMqttFanout(label, options) {
  const o = { ...MQTT_DEFAULTS, ...options };
  const subs = await startSubscribers(o);
  const publisher = await mqtt.connectAsync({ host: '127.0.0.1', port: o.port, username: 'bench', password: o.password ?? undefined, protocolVersion: o.protocolVersion, reconnectPeriod: 0 });
  const pad = 'x'.repeat(Math.max(0, o.payloadBytes - 50));
  try {
    // Latency at a steady rate, paced every 10 ms.
    const total = Math.round(o.rateHz * o.seconds);
    const started = performance.now();
    for (let sent = 0; sent < total; ) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * o.rateHz) + 1);
      while (sent < due) publisher.publish(o.topic, payloadOf(sent++, pad), { qos: 0 });
      await sleep(10);
    }
    await settle(subs, total * o.subscribers);
    const steady = await subs.report();
    await subs.reset();

    // Throughput: a burst as fast as the publisher's socket takes it.
    const t0 = now();
    for (let i = 0; i < o.burst; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, o.burst - i) }, (_, j) => publisher.publishAsync(o.topic, payloadOf(i + j, pad), { qos: 0 })));
    }
    await settle(subs, o.burst * o.subscribers);
    const burst = await subs.report();
    const burstSeconds = burst.received > 0 ? (burst.lastAt - t0) / 1000 : NaN;
    const result = {
      label,
      subscribers: o.subscribers,
      steady: { rateHz: o.rateHz, expected: total * o.subscribers, delivered: steady.received, p50: steady.latencies.percentile(50), p99: steady.latencies.percentile(99) },
      burst: { messages: o.burst, expected: o.burst * o.subscribers, delivered: burst.received, seconds: burstSeconds, deliveriesPerSec: burst.received / burstSeconds, p99: burst.latencies.percentile(99) },
    };
    printFanout(result);
    return result;
  } finally {
    await publisher.endAsync(true).catch(() => {});
    await subs.close();
  }
}

/** The same load through a mosquitto started for it. */
export async function measureMosquitto(options) {
  const broker = await startMosquitto();
  try {
    return await measureMqttFanout('mosquitto', { ...options, port: broker.port, password: null });
  } finally {
    await broker.stop();
  }
}

const pct = (a, b) => (b > 0 ? `${fmt((a / b) * 100, 1)}%` : 'n/a');
/** Latencies past the histogram's last bucket (10 s) read as such, not as a figure. */
const ms = (x, digits) => (x >= 10_000 ? '>10000' : fmt(x, digits));

function printFanout(r) {
  console.log(
    `  ${r.label.padEnd(10)} ${r.subscribers} subscribers  steady ${r.steady.rateHz}/s: p50 ${ms(r.steady.p50, 2)} ms  p99 ${ms(r.steady.p99, 2)} ms  delivered ${pct(r.steady.delivered, r.steady.expected)}` +
      `  |  burst ${r.burst.messages}: ${fmt(r.burst.deliveriesPerSec, 0)} deliveries/s  p99 ${ms(r.burst.p99, 1)} ms  delivered ${pct(r.burst.delivered, r.burst.expected)}`,
  );
}

/** Ratios ours / mosquitto: throughput (higher is better), latency (lower is better). */
export function printMqttComparison(ours, reference) {
  const ratios = {
    throughput: Number(ratio(ours.burst.deliveriesPerSec, reference.burst.deliveriesPerSec)),
    p50: Number(ratio(ours.steady.p50, reference.steady.p50)),
    p99: Number(ratio(ours.steady.p99, reference.steady.p99)),
  };
  console.log(`  MQTT ours/mosquitto: throughput ${fmt(ratios.throughput, 2)}x  steady p50 ${fmt(ratios.p50, 2)}x  p99 ${fmt(ratios.p99, 2)}x`);
  return ratios;
}
