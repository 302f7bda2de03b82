#!/usr/bin/env node
// bench/webrtc-fanout: how many WebRTC viewers one host serves. ffmpeg publishes 720p30 H.264 at
// 2.5 Mb/s over RTMP; headless Node viewers (werift: receive, count RTP sequence numbers from the
// header, no decrypt, no decode) join over WHEP in steps until more than 1% of packets are lost in a
// 5 s window, or the viewers get under 90% of the first step's packet rate (the server fell behind:
// its packets queue rather than drop). Reported: the last step under 1% loss, the host's CPU (cores) at that step and viewers
// per core, for the host's native fan-out (libsrtp, one call per packet) and for its JavaScript path
// (webrtc.fanout js: werift sends, as where the addon is not built). The reference, in the same
// run: the floor relay (ffmpeg RTP written straight into one werift track per viewer, its own process)
// driven the same way.
// The viewers run in this process on the same machine: on a small machine they compete for the CPU,
// so the figures are a lower bound for the server.
// Goals: viewers per server core >= 300 (the anchor: C forwarders such as mediasoup's worker are
// documented at about 500 consumers per core; 300 with Node viewers sharing the machine), and max
// viewers and viewers per core at least those of the floor relay (werift alone, no Path, no FLV).
// BENCH_SHORT=1: steps 4,8,16,32. BENCH_FANOUT_JS=0 leaves the JavaScript path out.
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
  perCoreTarget: { what: 'WHEP viewers per server core at 2.5 Mb/s (native fan-out), against the fixed anchor', on: 'ours', op: '>=', target: 300, unit: 'viewers/core', digits: 1 },
  maxViewers: { what: 'WHEP viewers under 1% loss, ours vs the floor relay', on: 'ratio', op: '>=', target: 1, unit: 'viewers', digits: 0 },
  perCore: { what: 'WHEP viewers per server core, ours vs the floor relay', on: 'ratio', op: '>=', target: 1, unit: 'viewers/core', digits: 1 },
});
const STEPS = (process.env.BENCH_FANOUT_STEPS ?? (bench.short ? '4,8,16,32' : '8,16,32,64,96,128,160,192,256')).split(',').map(Number);
const WINDOW_MS = 5000;
const SETTLE_MS = 3000;
const BITRATE_KBPS = 2500;
bench.requires('ffmpeg', 'build');

/**
 * Adds viewers up to each step; stops after the first step over 1% loss, or whose viewers got less
 * than 90% of the packet rate of the first step (a server that cannot keep up falls behind before it
 * drops: its packets queue, and the window sees fewer of them, not gaps).
 */
async function ladder(label, pid, addViewer) {
  const viewers = [];
  const rows = [];
  let firstRate = null;
  const bad = (r) => r.loss > 0.01 || r.behind;
  try {
    for (const n of STEPS) {
      while (viewers.length < n) viewers.push(await addViewer());
      await sleep(SETTLE_MS);
      for (const v of viewers) v.startWindow();
      const cpu0 = cpuSeconds(pid);
      const t0 = performance.now();
      await sleep(WINDOW_MS);
      const seconds = (performance.now() - t0) / 1000;
      const cores = (cpuSeconds(pid) - cpu0) / seconds;
      let expected = 0;
      let lost = 0;
      for (const v of viewers) {
        const l = v.loss();
        expected += l.expected;
        lost += l.lost;
      }
      const loss = expected > 0 ? lost / expected : 1;
      const rate = expected / viewers.length / seconds;
      firstRate ??= rate;
      const row = { n, loss, cores, rate, behind: rate < 0.9 * firstRate };
      rows.push(row);
      console.log(`  ${label}: ${String(n).padStart(3)} viewers  loss ${fmt(loss * 100, 2)}%  ${fmt(rate, 0)} packets/s per viewer${row.behind ? ' (behind)' : ''}  server CPU ${fmt(cores, 2)} cores`);
      if (bad(row)) break;
    }
  } finally {
    await Promise.all(viewers.map((v) => v.close()));
  }
  const ok = rows.filter((r) => !bad(r)).at(-1);
  return { label, max: ok?.n ?? 0, cores: ok?.cores ?? NaN, perCore: ok && ok.cores > 0 ? ok.n / ok.cores : NaN, limited: rows.length > 0 && bad(rows.at(-1)) };
}

const results = [];
try {
  for (const [label, env] of [['ours, native fan-out', {}], ...(process.env.BENCH_FANOUT_JS === '0' ? [] : [['ours, JavaScript path', { STREAMS_WEBRTC_FANOUT: 'js' }]])]) {
    const host = await startHost({ env });
    try {
      // Every viewer comes from 127.0.0.1: the per-address limit (64 by default) is lifted.
      const patched = await host.api('PATCH', '/api/v1/config', { limits: { connectionsPerIp: 0 } });
      if (patched.status !== 200) throw new Error(`PATCH /api/v1/config -> ${patched.status}: ${patched.text}`);
      const stream = await host.createStream('bench-fan', 'passthrough');
      const args = publisherArgs(stream.publishUrl, { fps: 30 });
      args.splice(args.indexOf('-f', args.indexOf('-pix_fmt')), 0, '-b:v', `${BITRATE_KBPS}k`, '-maxrate', `${BITRATE_KBPS}k`, '-bufsize', `${BITRATE_KBPS}k`, '-g', '30');
      const pub = track(spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
      await sleep(3000);
      const system = (await host.api('GET', '/api/v1/system').catch(() => null))?.json;
      const path = system?.webrtc?.fanout?.path;
      if (label.includes('native') && path && path !== 'native') throw new Error(`the host's fan-out is ${path}: ${system.webrtc.fanout.reason}`);
      results.push(await ladder(label, host.proc.pid, () => nodeViewer(whepSignal(`${host.url}/live/bench-fan/whep`), { light: true })));
      pub.kill('SIGTERM');
    } finally {
      await host.stop();
    }
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
  results.push(await ladder('floor (ffmpeg RTP -> werift tracks)', relay.pid, () => nodeViewer(signal, { light: true })));
  relay.stdin.end();
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await cleanup();
}

const ours = results.find((r) => r.label.includes('native'));
const floor = results.find((r) => r.label.startsWith('floor'));
if (ours && floor) {
  console.log(`\n${NAME}: 720p30 H.264 at ${BITRATE_KBPS} kb/s, viewers until loss > 1% (steps ${STEPS.join(',')}; ${os.availableParallelism()} CPUs here, viewers on the same machine)`);
  console.log('server                                  max viewers  server cores  viewers/core');
  for (const r of results) {
    console.log(`${r.label.padEnd(40)} ${String(r.max).padStart(6)}${r.limited ? '' : '+'}      ${fmt(r.cores, 2).padStart(6)}        ${fmt(r.perCore, 1).padStart(6)}`);
  }
  console.log(`ours / floor: max viewers ${ratio(ours.max, floor.max)}, viewers per core ${ratio(ours.perCore, floor.perCore)}  ("+": every step under 1% loss and at the full packet rate)`);
  const js = results.find((r) => r.label.includes('JavaScript'));
  if (js) console.log(`native / JavaScript path: viewers per core ${ratio(ours.perCore, js.perCore)}`);
  const reach = (r) => (r.limited ? 'stopped by loss or by falling behind' : `under 1% loss up to the last step (${STEPS.at(-1)})`);
  bench.record('perCoreTarget', { ours: ours.perCore, note: `${ours.max} viewers on ${fmt(ours.cores, 2)} server cores${js ? `; the JavaScript path ${fmt(js.perCore, 1)}/core (${js.max} viewers, ${fmt(js.cores, 2)} cores)` : ''}` });
  bench.record('maxViewers', { ours: ours.max, reference: floor.max, note: `ours ${reach(ours)}, floor ${reach(floor)}` });
  bench.record('perCore', { ours: ours.perCore, reference: floor.perCore, note: `server cores ${fmt(ours.cores, 2)} vs ${fmt(floor.cores, 2)}` });
}
bench.finish();
