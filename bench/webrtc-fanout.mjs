#!/usr/bin/env node
// bench/webrtc-fanout: how many WebRTC viewers one host serves. ffmpeg publishes 720p30 H.264 at
// 2.5 Mb/s over RTMP; headless Node viewers (werift: receive, count RTP sequence numbers, no decode)
// join over WHEP in steps until more than 1% of packets are lost in a 5 s window. Reported: the last
// step under 1% loss, the host's CPU (cores) at that step and viewers per core. The reference, in the
// same run: the floor relay (ffmpeg RTP written straight into one werift track per viewer, its own
// process) driven the same way.
// The viewers run in this process on the same machine: on a small machine they compete for the CPU.
// Goals (set when the bench got its verdict; it printed no goal before): max viewers and viewers per
// core at least 0.75 of the floor's (the floor has no Path, no FLV, no repacketizing: ours cannot beat
// it, and 0.75 is about the 1.3x of the latency benches).
// BENCH_SHORT=1: steps 4,8,16,32.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cleanup, cpuSeconds, fmt, publisherArgs, ratio, sleep, startHost, track } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';
import { nodeViewer, whepSignal } from './lib/webrtc.mjs';

const NAME = 'bench/webrtc-fanout';
const bench = defineBench(NAME, {
  maxViewers: { what: 'WHEP viewers under 1% loss, ours vs the floor relay', on: 'ratio', op: '>=', target: 0.75, unit: 'viewers', digits: 0 },
  perCore: { what: 'WHEP viewers per server core, ours vs the floor relay', on: 'ratio', op: '>=', target: 0.75, unit: 'viewers/core', digits: 1 },
});
const STEPS = (process.env.BENCH_FANOUT_STEPS ?? (bench.short ? '4,8,16,32' : '4,8,16,24,32,48,64')).split(',').map(Number);
const WINDOW_MS = 5000;
const SETTLE_MS = 3000;
const BITRATE_KBPS = 2500;
bench.requires('ffmpeg', 'build');

/** Adds viewers up to each step; stops after the first step over 1% loss. */
async function ladder(label, pid, addViewer) {
  const viewers = [];
  const rows = [];
  try {
    for (const n of STEPS) {
      while (viewers.length < n) viewers.push(await addViewer());
      await sleep(SETTLE_MS);
      for (const v of viewers) v.startWindow();
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      await sleep(WINDOW_MS);
      const cores = (cpuSeconds(pid) - cpu0) / ((performance.now() - t0) / 1000);
      let expected = 0;
      let lost = 0;
      for (const v of viewers) {
        const l = v.loss();
        expected += l.expected;
        lost += l.lost;
      }
      const loss = expected > 0 ? lost / expected : 1;
      rows.push({ n, loss, cores });
      console.log(`  ${label}: ${String(n).padStart(3)} viewers  loss ${fmt(loss * 100, 2)}%  server CPU ${fmt(cores, 2)} cores`);
      if (loss > 0.01) break;
    }
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
  }
  const ok = rows.filter((r) => r.loss <= 0.01).at(-1);
  return { label, max: ok?.n ?? 0, cores: ok?.cores ?? NaN, perCore: ok && ok.cores > 0 ? ok.n / ok.cores : NaN, limited: rows.at(-1)?.loss > 0.01 };
}

const results = [];
try {
  const host = await startHost();
  try {
    const stream = await host.createStream('bench-fan', 'passthrough');
    const args = publisherArgs(stream.publishUrl, { fps: 30 });
    args.splice(args.indexOf('-f', args.indexOf('-pix_fmt')), 0, '-b:v', `${BITRATE_KBPS}k`, '-maxrate', `${BITRATE_KBPS}k`, '-bufsize', `${BITRATE_KBPS}k`, '-g', '30');
    const pub = track(spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    await sleep(3000);
    results.push(await ladder('ours (RTMP -> WHEP)', host.proc.pid, () => nodeViewer(whepSignal(`${host.url}/live/bench-fan/whep`))));
    pub.kill('SIGTERM');
  } finally {
    await host.stop();
  }

  const relay = track(
    spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib', 'floor-relay-process.mjs'), JSON.stringify({ bitrateKbps: BITRATE_KBPS })], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const pending = new Map();
  let nextId = 1;
  let ready;
  const isReady = new Promise((r) => (ready = r));
  readline.createInterface({ input: relay.stdout }).on('line', (line) => {
    const msg = JSON.parse(line);
    if (msg.ready) ready();
    else pending.get(msg.id)?.(msg);
  });
  await isReady;
  await sleep(2000);
  const signal = (offer) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, (msg) => (msg.error ? reject(new Error(msg.error)) : resolve({ sdp: msg.sdp })));
      relay.stdin.write(`${JSON.stringify({ id, offer })}\n`);
    });
  results.push(await ladder('floor (ffmpeg RTP -> werift tracks)', relay.pid, () => nodeViewer(signal)));
  relay.stdin.end();
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await cleanup();
}

const [ours, floor] = results;
if (ours && floor) {
  console.log(`\n${NAME}: 720p30 H.264 at ${BITRATE_KBPS} kb/s, viewers until loss > 1% (steps ${STEPS.join(',')}; ${os.availableParallelism()} CPUs here, viewers on the same machine)`);
  console.log('server                                  max viewers  server cores  viewers/core');
  for (const r of results) {
    console.log(`${r.label.padEnd(40)} ${String(r.max).padStart(6)}${r.limited ? '' : '+'}      ${fmt(r.cores, 2).padStart(6)}        ${fmt(r.perCore, 1).padStart(6)}`);
  }
  console.log(`ours / floor: max viewers ${ratio(ours.max, floor.max)}, viewers per core ${ratio(ours.perCore, floor.perCore)}  ("+": no step passed 1% loss)`);
  const reach = (r) => (r.limited ? 'stopped by loss' : `under 1% loss up to the last step (${STEPS.at(-1)})`);
  bench.record('maxViewers', { ours: ours.max, reference: floor.max, note: `ours ${reach(ours)}, floor ${reach(floor)}` });
  bench.record('perCore', { ours: ours.perCore, reference: floor.perCore, note: `server cores ${fmt(ours.cores, 2)} vs ${fmt(floor.cores, 2)}` });
}
bench.finish();
