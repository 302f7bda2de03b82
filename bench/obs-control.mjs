#!/usr/bin/env node
// bench/obs-control: median round trip of a scene switch through our API against obs-websocket-js
// calling SetCurrentProgramScene directly, same OBS, same run, interleaved. Ours, judged: a `call`
// message on the API's events socket (one persistent connection, as a control surface keeps; host ->
// obs-websocket -> OBS -> answer); shown beside it, not judged: the HTTP route (PUT program-scene, a
// request per switch). Two references: obs-websocket-js as connected by default
// (subscribed to events), and obs-websocket-js subscribed to nothing (how our host sends requests:
// OBS writes the scene event and the answer as two small segments, and the answer then waits ~40 ms
// for a delayed ACK on a socket that receives events). Goal: ratio <= 1.2 against each reference.
// Needs obs-studio and xvfb (xvfb-run); skips (exit 2) without them.
// BENCH_SHORT=1: 50 switches each.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js';
import WebSocket from 'ws';
import { cleanup, fmt, freePort, median, ratio, sleep, startHost, tempDir } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const bench = defineBench('bench/obs-control', {
  vsDefault: { what: 'scene switch round trip, our API\'s socket vs obs-websocket-js (default connect, events on)', on: 'ratio', op: '<=', target: 1.2, unit: 'ms' },
  vsQuiet: { what: 'scene switch round trip, our API\'s socket vs obs-websocket-js (no event subscriptions)', on: 'ratio', op: '<=', target: 1.2, unit: 'ms' },
});
const RUNS = bench.knob('BENCH_RUNS', 200, 50);
const WARMUP = 20;
bench.requires('obs', 'build');

/** OBS under xvfb-run with its websocket on `port` (the same files src-main/obs/obs-home.ts writes). */
async function startObs(port, password) {
  const home = tempDir('obs-bench-home-');
  const config = path.join(home, '.config', 'obs-studio');
  fs.mkdirSync(path.join(config, 'basic', 'profiles', 'Studio'), { recursive: true });
  fs.writeFileSync(
    path.join(config, 'global.ini'),
    `[General]\nFirstRun=true\n\n[Basic]\nProfile=Studio\nProfileDir=Studio\nSceneCollection=Studio\nSceneCollectionFile=Studio\n\n` +
      `[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\nServerPort=${port}\nAlertsEnabled=false\nAuthRequired=true\nServerPassword=${password}\n`,
    { mode: 0o600 },
  );
  const proc = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x720x24 -nolisten tcp', 'obs', '--multi', '--profile', 'Studio', '--collection', 'Studio', '--websocket_port', String(port)], {
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') },
    stdio: 'ignore',
    detached: true,
  });
  const stop = async () => {
    const exited = new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    const obsPid = spawnSync('pgrep', ['-P', String(proc.pid), '-x', 'obs'], { encoding: 'utf8' }).stdout.trim();
    try {
      if (obsPid) process.kill(Number(obsPid), 'SIGINT');
      else process.kill(-proc.pid, 'SIGTERM');
    } catch {
      // gone
    }
    await Promise.race([exited, sleep(8000)]);
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // the group is empty
    }
  };
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (Date.now() > deadline || proc.exitCode !== null) {
      await stop();
      throw new Error('OBS did not open its websocket within 45 s');
    }
    const open = await new Promise((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (open) break;
    await sleep(200);
  }
  return { stop };
}

let obs;
let host;
let obsStarting;
let hostStarting;
try {
  const port = await freePort();
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  obsStarting = startObs(port, password);
  hostStarting = startHost();
  [obs, host] = await Promise.all([obsStarting, hostStarting]);
  const created = await host.api('POST', '/api/v1/obs/connections', { host: '127.0.0.1', port, password });
  if (created.status !== 201 || created.json.state !== 'connected') throw new Error(`connecting the host to OBS failed: ${created.text}`);
  const id = created.json.id;
  const connectionId = id;
  const direct = new OBSWebSocket();
  await direct.connect(`ws://127.0.0.1:${port}`, password);
  const quiet = new OBSWebSocket();
  await quiet.connect(`ws://127.0.0.1:${port}`, password, { eventSubscriptions: 0, rpcVersion: 1 });
  await direct.call('CreateScene', { sceneName: 'A' });
  await direct.call('CreateScene', { sceneName: 'B' });

  const viaApi = async (name) => {
    const t = performance.now();
    const res = await host.api('PUT', `/api/v1/obs/connections/${id}/program-scene`, { name });
    if (res.status !== 200) throw new Error(`PUT program-scene -> ${res.status}: ${res.text}`);
    return performance.now() - t;
  };
  // The API over its WebSocket: one socket, a call message per switch, answered by id.
  const events = new WebSocket(`${host.url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${host.token}` } });
  await new Promise((resolve, reject) => events.once('open', resolve).once('error', reject));
  events.send(JSON.stringify({ type: 'subscribe', events: [] }));
  const waiting = new Map();
  events.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    if (m.type === 'result' || m.type === 'error') waiting.get(m.id)?.(m);
  });
  let callId = 0;
  const viaSocket = async (name) => {
    const id = ++callId;
    const t = performance.now();
    const answer = await new Promise((resolve) => {
      waiting.set(id, resolve);
      events.send(JSON.stringify({ type: 'call', id, method: 'obs.programScene.set', input: { id: connectionId, name } }));
    });
    waiting.delete(id);
    if (answer.type !== 'result') throw new Error(`obs.programScene.set over the socket -> ${JSON.stringify(answer.error)}`);
    return performance.now() - t;
  };
  const viaClient = (client) => async (name) => {
    const t = performance.now();
    await client.call('SetCurrentProgramScene', { sceneName: name });
    return performance.now() - t;
  };
  const viaDirect = viaClient(direct);
  const viaQuiet = viaClient(quiet);

  const samples = { ours: [], http: [], direct: [], quiet: [] };
  const order = [
    ['ours', viaSocket],
    ['http', viaApi],
    ['direct', viaDirect],
    ['quiet', viaQuiet],
  ];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    // Interleaved, rotating which goes first, so that load on the machine hits all alike; every call
    // switches to the scene that is not on program.
    for (let k = 0; k < order.length; k++) {
      const [name, run] = order[(i + k) % order.length];
      const ms = await run((i * order.length + k) % 2 ? 'A' : 'B');
      if (i >= WARMUP) samples[name].push(ms);
    }
  }
  await direct.disconnect();
  await quiet.disconnect();
  events.close();
  const mo = median(samples.ours);
  const mr = median(samples.direct);
  const mq = median(samples.quiet);
  console.log(`bench/obs-control: ${RUNS} scene switches each, interleaved, medians (OBS ${spawnSync('obs', ['--version'], { encoding: 'utf8' }).stdout.trim() || '?'})`);
  const p90 = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * 0.9)];
  console.log('| what | median round trip | p90 | ours ÷ this |');
  console.log('|---|---:|---:|---:|');
  console.log(`| ours: a call on the API's events socket (obs.programScene.set) | ${fmt(mo)} ms | ${fmt(p90(samples.ours))} ms | 1.00 |`);
  console.log(`| ours over HTTP, not judged: PUT /obs/connections/:id/program-scene | ${fmt(median(samples.http))} ms | ${fmt(p90(samples.http))} ms | ${ratio(mo, median(samples.http))} |`);
  console.log(`| reference: obs-websocket-js SetCurrentProgramScene, default connect (events on) | ${fmt(mr)} ms | ${fmt(p90(samples.direct))} ms | ${ratio(mo, mr)} |`);
  console.log(`| reference: obs-websocket-js SetCurrentProgramScene, no event subscriptions | ${fmt(mq)} ms | ${fmt(p90(samples.quiet))} ms | ${ratio(mo, mq)} |`);
  const p90Of = (xs) => `p90 ${fmt(p90(xs))} ms`;
  bench.record('vsDefault', { ours: mo, reference: mr, note: `medians of ${RUNS}; ours ${p90Of(samples.ours)}, reference ${p90Of(samples.direct)}` });
  bench.record('vsQuiet', { ours: mo, reference: mq, note: `medians of ${RUNS}; ours ${p90Of(samples.ours)}, reference ${p90Of(samples.quiet)}` });
} catch (error) {
  console.error(`bench/obs-control: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  bench.fail(error);
} finally {
  // One of the two may have started while the other failed.
  host ??= await hostStarting?.catch(() => undefined);
  obs ??= await obsStarting?.catch(() => undefined);
  await host?.stop();
  await obs?.stop();
  await cleanup();
}
bench.finish();
