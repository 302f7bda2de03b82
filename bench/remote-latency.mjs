#!/usr/bin/env node
// bench/remote-latency: remote-desktop latency at 720p30 and 1080p30, against the floor measured in the
// same run on the same display. Overhead only: the floor is our own capture command line replayed
// (same ffmpeg, same arguments), so `ours / floor` says what the host adds between the capture and
// the browser (RTP in, the session, WebRTC out), not whether the capture and encoder settings are good
// ones; the p50 and click-to-photon goals bound our own figures.
//  painter   an ordinary X client (bench/lib/x-painter.mjs) on a virtual display of the host: it paints
//            the wall clock as the bench barcode every 4 ms, and a target that switches black <-> white
//            on each click in it.
//  ours      the host's display + remote session; Chromium on /remote paired with the code: x11grab ->
//            x264 -> RTP -> host -> WebRTC -> <video id="video">, barcode decoded in a frame callback.
//  floor     the host's own capture command line (read from /proc: same ffmpeg, same arguments, same
//            display), its RTP written straight into a werift track -> Chromium (no host in between).
//  click     click-to-photon (ours only: the floor has no input path): Playwright clicks the target in the
//            /remote page (its pointer handlers -> data channel -> nut-js -> X) and the time runs from the
//            page's pointerdown to the first presented frame showing the target's new colour.
// Per size: ours (half the samples; its capture's command line is what the floor replays), the floor,
// ours again (the other half, then the clicks). BENCH_SAMPLES barcode samples (150 ms apart) per
// scenario and BENCH_CLICKS clicks per size. Goals at 720p30.
// wayland   (where mutter, PipeWire and the native addon are here; as root) the same painter as a web page
//            in Chromium, once as a Wayland client of a headless mutter desktop (the host captures it
//            through mutter's screen cast, PipeWire and the native addon) and once on an X display
//            (x11grab), 720p30, in alternating segments in one host: capture-to-display, click-to-photon
//            and the capture's CPU per frame (encoder + display server + the host's capture thread).
// sway      the same against a headless sway desktop (wlroots: screencopy, virtual pointer and keyboard,
//            through the addon's wlroots part), where sway and that part are here.
// BENCH_PARTS=x11,gateway,mutter,sway (the default: all) runs only those parts.
// gateway   (where FreeRDP's shadow server and xfreerdp are here) the painter on a virtual display let in
//            by an RDP access of the host, and the host's RDP gateway signed in to it: xfreerdp draws the
//            remote desktop into a virtual display of its own, which /remote shows. Beside it, the direct
//            path to the painter's display, in alternating segments; click-to-photon through both.
// Needs ffmpeg, Xvfb and Chromium; skips (exit 2) without them. BENCH_SHORT=1: 20 samples, 8 clicks.
/* global window, document -- functions passed to page.evaluate run in the browser */
import os from 'node:os';
import { cleanup, cmdline, cpuSeconds, fmt, machineTicks, percentile, ratio, sleep, startHost, waitFor } from './lib/live.mjs';
import { launchPlayer, watch } from './lib/player.mjs';
import { clickToPhoton, hostCapture, painterLayout, pairViewer, receiverStats, startPainter, statsDelta, withRtpPort } from './lib/remote.mjs';
import { defineBench } from './lib/report.mjs';
import { painterPageUrl, startBrowserPainter } from './lib/browser-painter.mjs';
import { CHROMIUM_DESKTOP_ARGS, startMutterSession, startSwaySession } from '../test-support/desktop-session.mjs';
import { findChromium, freePort as freeTcpPort, processTree, which } from '../test-support/machine.mjs';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startFloorRelay } from './lib/webrtc.mjs';

const NAME = 'bench/remote-latency';
const bench = defineBench(NAME, {
  p50: { what: 'capture-to-display p50 at 720p30 (floor beside it)', on: 'ours', op: '<', target: 60, unit: 'ms', digits: 0 },
  vsFloor: {
    what: 'capture-to-display p50 at 720p30, host vs its own capture command line replayed (overhead only)',
    on: 'ratio',
    op: '<=',
    target: 1.3,
    unit: 'ms',
    digits: 0,
  },
  clickP50: { what: 'click-to-photon p50 at 720p30 (no reference: the floor has no input path)', on: 'ours', op: '<', target: 120, unit: 'ms', digits: 0 },
  gateway: { what: 'RDP gateway capture-to-display p50 at 720p30 (painter on an RDP server of this host -> xfreerdp -> our viewer); the direct path to the same display beside it', on: 'ours', op: '<', target: 100, unit: 'ms', digits: 0 },
  wayland: { what: "Wayland capture-to-display p50 at 720p (the monitor's rate) vs x11grab of the same painter (same run)", on: 'ratio', op: '<=', target: 1.1, unit: 'ms', digits: 0 },
  waylandCpu: { what: "Wayland capture CPU per frame vs x11grab (encoder + the display server's capture share + host capture thread)", on: 'ratio', op: '<=', target: 1.0, unit: 'ms', digits: 2 },
  sway: { what: "sway (wlroots screencopy) capture-to-display p50 at 720p (the output's rate) vs x11grab of the same painter (same run)", on: 'ratio', op: '<=', target: 1.1, unit: 'ms', digits: 0 },
  swayCpu: { what: "sway capture CPU per frame vs x11grab (encoder + the compositor's capture share + host capture thread)", on: 'ratio', op: '<=', target: 1.0, unit: 'ms', digits: 2 },
});
const PARTS = new Set((process.env.BENCH_PARTS ?? 'x11,gateway,mutter,sway').split(',').map((p) => p.trim()));

/** The Wayland desktops compared with x11grab: how to start each, its compositor's process, the addon part and the capture thread. */
const DESKTOPS = {
  mutter: { start: startMutterSession, server: 'mutter', commands: ['mutter', 'pipewire', 'wireplumber'], feature: 'pipewire', dev: 'libpipewire-0.3-dev', thread: /^(streams-capture|pw-|data-loop)/, label: 'Wayland: mutter + PipeWire + addon', goals: ['wayland', 'waylandCpu'] },
  sway: { start: startSwaySession, server: 'sway', commands: ['sway'], feature: 'wlroots', dev: 'libwayland-dev and libxkbcommon-dev', thread: /^streams-wlr/, label: 'Wayland: sway + screencopy (addon)', goals: ['sway', 'swayCpu'] },
};
const SAMPLES = bench.knob('BENCH_SAMPLES', 60, 20);
const CLICKS = bench.knob('BENCH_CLICKS', 20, 8);
const SETTLE_MS = 3000;
const FPS = 30;
const SIZES = [
  [1280, 720],
  [1920, 1080],
];
bench.requires('ffmpeg', 'xvfb', 'chromium', 'build');

/**
 * `n` capture-to-display samples in `page` (any page with one <video> and samplerScript loaded), with
 * the receiver's stats and the CPU over the sampling: the capture ffmpeg's and the relay's (the host,
 * or this process for the floor) in % of one core, the machine's in % of all its cores.
 */
async function measure(page, n, { ffmpegPid, relayPid, serverPid, capturePid }) {
  await page.waitForFunction(() => document.querySelector('video').videoWidth > 0, null, { timeout: 30_000 });
  await sleep(SETTLE_MS);
  const before = await receiverStats(page);
  const extra = () => [serverPid ? cpuSeconds(serverPid) : 0, capturePid ? threadCpuSeconds(capturePid.pid, capturePid.thread) : 0];
  const cpu0 = [cpuSeconds(ffmpegPid), cpuSeconds(relayPid), machineTicks(), performance.now(), ...extra()];
  const r = await page.evaluate((k) => window.sampleLatency(k, 150, 40_000), n);
  const cpu1 = [cpuSeconds(ffmpegPid), cpuSeconds(relayPid), machineTicks(), performance.now(), ...extra()];
  const seconds = (cpu1[3] - cpu0[3]) / 1000;
  return {
    samples: r.samples,
    received: r.received,
    ...statsDelta(before, await receiverStats(page)),
    cpu: {
      ffmpeg: ((cpu1[0] - cpu0[0]) / seconds) * 100,
      relay: ((cpu1[1] - cpu0[1]) / seconds) * 100,
      machine: ((cpu1[2].busy - cpu0[2].busy) / (cpu1[2].total - cpu0[2].total)) * 100,
      server: ((cpu1[4] - cpu0[4]) / seconds) * 100,
      captureThread: ((cpu1[5] - cpu0[5]) / seconds) * 100,
    },
  };
}

/** CPU seconds of the threads of `pid` whose name matches `thread` (the native capture's PipeWire thread). */
function threadCpuSeconds(pid, thread) {
  let ticks = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`, { withFileTypes: false })) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      if (!thread.test(comm)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the thread ended
    }
  }
  return ticks / 100;
}

/** Segments of one scenario as one result: samples pooled, rates and CPU averaged. */
function pooled(parts) {
  const samples = parts.flatMap((p) => p.samples);
  const received = parts.flatMap((p) => p.received);
  const toRx = received.length === samples.length ? samples.map((x, i) => x - received[i]) : [];
  const mean = (f) => parts.reduce((sum, p) => sum + f(p), 0) / parts.length;
  return {
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    n: samples.length,
    toRx50: percentile(toRx, 50),
    rxShown50: percentile(received, 50),
    fps: mean((p) => p.fps),
    jitterMs: mean((p) => p.jitterMs),
    decodeMs: mean((p) => p.decodeMs),
    cpu: {
      ffmpeg: mean((p) => p.cpu.ffmpeg),
      relay: mean((p) => p.cpu.relay),
      machine: mean((p) => p.cpu.machine),
      server: mean((p) => p.cpu.server ?? 0),
      captureThread: mean((p) => p.cpu.captureThread ?? 0),
    },
  };
}

/** Ours: a control session, /remote paired in Chromium, `n` samples, then `then(page)`; the viewer leaves. */
async function oursSegment(host, player, display, n, then = async () => undefined, cpu = {}) {
  const session = await host.api('POST', '/api/v1/remote/sessions', { displayId: display.id, permission: 'control' });
  if (session.status !== 201) throw new Error(`POST /api/v1/remote/sessions -> ${session.status}: ${session.text}`);
  const page = await pairViewer(player.context, host.url, session.json.pairingCode);
  const capture = await waitFor('no host capture ffmpeg', () => hostCapture(host.proc.pid, display.name), 5000);
  const measured = await measure(page, n, { ffmpegPid: capture.pid, relayPid: host.proc.pid, ...cpu });
  const extra = await then(page);
  await page.click('#leave');
  await page.close();
  await waitFor('the host capture did not stop', () => cpuSeconds(capture.pid) === null, 10_000);
  return { measured, capture, extra };
}

/** The floor: the host's capture command line replayed (RTP to our werift track), `n` samples in the bench page. */
async function floorSegment(player, argv, n) {
  const floor = await startFloorRelay({ ffmpegCommand: argv[0], ffmpegArgs: (port) => withRtpPort(argv, port).slice(1) });
  try {
    const page = await player.page();
    await watch(page, async (offer) => ({ sdp: await floor.answer(offer) }));
    const measured = await measure(page, n, { ffmpegPid: floor.ffmpeg.pid, relayPid: process.pid }).catch((error) => {
      throw new Error(`floor: ${error.message}\n${floor.errors()}`);
    });
    await page.close();
    return measured;
  } finally {
    await floor.stop();
  }
}

/**
 * One display size, in three segments so that a drift of the machine's load weighs on both sides alike:
 * ours (half the samples), the floor (all), ours again (the other half, then the clicks).
 */
async function runSize(host, player, width, height) {
  const label = `${height}p${FPS}`;
  const created = await host.api('POST', '/api/v1/displays', { width, height, refreshHz: FPS });
  if (created.status !== 201) throw new Error(`POST /api/v1/displays -> ${created.status}: ${created.text}`);
  const display = created.json;
  const layout = painterLayout(width, height);
  const painter = await startPainter(display.name, layout);
  try {
    const half = Math.ceil(SAMPLES / 2);
    const first = await oursSegment(host, player, display, half);
    const floor = await floorSegment(player, first.capture.argv, SAMPLES);
    const second = await oursSegment(host, player, display, SAMPLES - half, (page) => clickToPhoton(page, painter, layout, { n: CLICKS }));
    return { label, ours: pooled([first.measured, second.measured]), floor: pooled([floor]), clicks: second.extra, capture: first.capture.argv };
  } finally {
    await painter.stop();
    await host.api('DELETE', `/api/v1/displays/${display.id}`);
  }
}

/** A viewer paired with the gateway's own session: `n` samples, then `then(page)`; the viewer leaves. */
async function gatewaySegment(host, player, gateway, n, then = async () => undefined) {
  const displays = (await host.api('GET', '/api/v1/displays')).json;
  const shown = displays.find((d) => d.id === gateway.displayId);
  const page = await pairViewer(player.context, host.url, gateway.pairingCode);
  const capture = await waitFor('no host capture ffmpeg', () => hostCapture(host.proc.pid, shown.name), 5000);
  const measured = await measure(page, n, { ffmpegPid: capture.pid, relayPid: host.proc.pid });
  const extra = await then(page);
  await page.click('#leave');
  await page.close();
  await waitFor('the host capture did not stop', () => cpuSeconds(capture.pid) === null, 10_000);
  return { measured, extra };
}

/**
 * The RDP gateway at 720p30: the painter on a display the host lets RDP clients into, reached through
 * the gateway (xfreerdp in a display of its own); the direct path to the painter's display beside it,
 * direct / gateway / direct, then the clicks through each.
 */
async function runGateway(host, player) {
  const [width, height] = [1280, 720];
  const created = await host.api('POST', '/api/v1/displays', { width, height, refreshHz: FPS });
  if (created.status !== 201) throw new Error(`POST /api/v1/displays -> ${created.status}: ${created.text}`);
  const display = created.json;
  const layout = painterLayout(width, height);
  const painter = await startPainter(display.name, layout);
  let gateway = null;
  try {
    const access = await host.api('POST', '/api/v1/remote/rdp', { displayId: display.id });
    if (access.status !== 201) throw new Error(`POST /api/v1/remote/rdp -> ${access.status}: ${access.text}`);
    const opened = await host.api('POST', '/api/v1/remote/gateways', { host: '127.0.0.1', port: access.json.port, user: access.json.user, password: access.json.password, width, height });
    if (opened.status !== 201) throw new Error(`POST /api/v1/remote/gateways -> ${opened.status}: ${opened.text}`);
    gateway = opened.json;
    await sleep(SETTLE_MS);
    const half = Math.ceil(SAMPLES / 2);
    const first = await oursSegment(host, player, display, half);
    const through = await gatewaySegment(host, player, gateway, SAMPLES, (page) => clickToPhoton(page, painter, layout, { n: CLICKS }));
    const second = await oursSegment(host, player, display, SAMPLES - half, (page) => clickToPhoton(page, painter, layout, { n: CLICKS }));
    return { direct: pooled([first.measured, second.measured]), gateway: pooled([through.measured]), directClicks: second.extra, gatewayClicks: through.extra };
  } finally {
    if (gateway) await host.api('DELETE', `/api/v1/remote/gateways/${gateway.id}`);
    await painter.stop();
    await host.api('DELETE', `/api/v1/displays/${display.id}`);
  }
}

/** Why the gateway cannot be measured here, or null. */
function gatewayMissing() {
  const missing = ['freerdp-shadow-cli', 'xfreerdp'].filter((c) => !which(c));
  return missing.length > 0 ? `needs ${missing.join(' and ')} (Debian: freerdp2-shadow-x11, freerdp2-x11)` : null;
}

/** Why a Wayland comparison cannot run here, or null. */
function waylandMissing(kind) {
  const desktop = DESKTOPS[kind];
  if (!PARTS.has(kind)) return `not asked (BENCH_PARTS=${[...PARTS].join(',')})`;
  if (process.getuid?.() !== 0) return 'needs root (the desktop runs as an unprivileged user)';
  const missing = [...desktop.commands, 'dbus-run-session', 'runuser'].filter((c) => !which(c, [`/usr/sbin/${c}`]));
  if (missing.length > 0) return `needs ${missing.join(', ')} (node scripts/setup-system.mjs)`;
  const status = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'native', 'build', 'status.json');
  const built = fs.existsSync(status) ? JSON.parse(fs.readFileSync(status, 'utf8')) : { features: [] };
  if (!(built.features ?? []).includes(desktop.feature)) return `needs the native addon's ${desktop.feature} part (node native/build.mjs with ${desktop.dev})`;
  return null;
}

/**
 * The same painter page in Chromium on a Wayland desktop (mutter or sway) and on an X display of the
 * same host, at 720p30: x11grab then Wayland, twice, each half of the samples; then the clicks on each.
 */
async function runWayland(player, kind) {
  const which = DESKTOPS[kind];
  const [width, height] = SIZES[0];
  const layout = painterLayout(width, height);
  const url = painterPageUrl(layout);
  const { chromium } = await import('playwright-core');
  const desktop = await which.start({ width, height, clientUrl: url, cdpPort: await freeTcpPort() });
  let wHost = null;
  let xBrowser = null;
  let wClient = null;
  try {
    wClient = await chromium.connectOverCDP(desktop.cdpUrl);
    const wPainter = await startBrowserPainter(wClient.contexts()[0].pages()[0]);
    wHost = await startHost({ env: { ...desktop.env } });
    const displays = (await wHost.api('GET', '/api/v1/displays')).json;
    const wl = displays.find((d) => d.kind === 'wayland');
    if (!wl) throw new Error(`the host lists no Wayland display: ${JSON.stringify(displays)}`);
    // At the monitor's rate on both sides: the host captures a display at its refresh rate (up to 60).
    const created = await wHost.api('POST', '/api/v1/displays', { width, height, refreshHz: wl.refreshHz });
    if (created.status !== 201) throw new Error(`POST /api/v1/displays -> ${created.status}: ${created.text}`);
    const x = created.json;
    const profile = fs.mkdtempSync('/tmp/bench-painter-');
    xBrowser = await chromium.launchPersistentContext(profile, {
      executablePath: findChromium(process.env.CHROMIUM_PATH) ?? 'chromium',
      headless: false,
      viewport: null,
      env: { ...process.env, DISPLAY: x.name },
      args: [...CHROMIUM_DESKTOP_ARGS, '--kiosk', '--window-position=0,0', `--window-size=${width},${height}`],
    });
    const xPage = xBrowser.pages()[0] ?? (await xBrowser.newPage());
    await xPage.goto(url);
    const xPainter = await startBrowserPainter(xPage);
    const xvfb = processTree(wHost.proc.pid).find((pid) => (cmdline(pid) ?? []).some((a) => /(^|\/)Xvfb$/.test(a)));
    const server = Number(spawnSync('pgrep', ['-x', which.server], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
    const xCpu = { serverPid: xvfb };
    const wCpu = { serverPid: Number.isFinite(server) ? server : undefined, capturePid: { pid: wHost.proc.pid, thread: which.thread } };
    // Each display server's CPU with the painter running and nothing captured: what it costs to show
    // the page (the compositor composites in software here), so that only the capture's share is counted.
    const idle = async (pid) => {
      if (!pid) return 0;
      const a = [cpuSeconds(pid), performance.now()];
      await sleep(5000);
      return ((cpuSeconds(pid) - a[0]) / ((performance.now() - a[1]) / 1000)) * 100;
    };
    const [xIdle, wIdle] = await Promise.all([idle(xCpu.serverPid), idle(wCpu.serverPid)]);
    const half = Math.ceil(SAMPLES / 2);
    const x1 = await oursSegment(wHost, player, x, half, undefined, xCpu);
    const w1 = await oursSegment(wHost, player, wl, half, undefined, wCpu);
    const x2 = await oursSegment(wHost, player, x, SAMPLES - half, (page) => clickToPhoton(page, xPainter, layout, { n: CLICKS }), xCpu);
    const w2 = await oursSegment(wHost, player, wl, SAMPLES - half, (page) => clickToPhoton(page, wPainter, layout, { n: CLICKS }), wCpu);
    return { x: pooled([x1.measured, x2.measured]), w: pooled([w1.measured, w2.measured]), xClicks: x2.extra, wClicks: w2.extra, capture: w1.capture.argv, fps: wl.refreshHz, serverIdle: { x: xIdle, w: wIdle } };
  } finally {
    await xBrowser?.close().catch(() => undefined);
    await wClient?.close().catch(() => undefined);
    await wHost?.stop();
    await desktop.stop();
  }
}

const started = Date.now();
const loadBefore = os.loadavg()[0];
const results = [];
const waylands = {};
const waylandSkips = {};
let gateway = null;
const gatewaySkip = PARTS.has('gateway') ? gatewayMissing() : `not asked (BENCH_PARTS=${[...PARTS].join(',')})`;
let host = null;
let player = null;
try {
  host = await startHost();
  player = await launchPlayer();
  if (PARTS.has('x11')) for (const [w, h] of SIZES) results.push(await runSize(host, player, w, h));
  if (!gatewaySkip) gateway = await runGateway(host, player);
  await host.stop();
  host = null;
  for (const kind of Object.keys(DESKTOPS)) {
    waylandSkips[kind] = waylandMissing(kind);
    if (!waylandSkips[kind]) waylands[kind] = await runWayland(player, kind);
  }
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await player?.close();
  await host?.stop();
  await cleanup();
}

const col = (x, w, digits = 0) => fmt(x, digits).padStart(w);
const row = (label, r, floor) =>
  `${label.padEnd(38)} ${col(r.p50, 5)} ${col(r.p90, 6)} ${String(r.n).padStart(7)} ${col(r.toRx50, 8)} ${col(r.rxShown50, 8)} ${col(r.fps, 6, 1)} ${col(r.jitterMs, 7, 1)} ${col(r.decodeMs, 7, 1)}   ${floor ? ratio(r.p50, floor.p50) : '(floor)'}`;
if (results.length > 0) {
  console.log(`\n${NAME}: capture-to-display (ms; the painter's wall clock on a virtual display, decoded in Chromium; ${SAMPLES} samples each)`);
  console.log('overhead only: the floor replays the host\'s own capture command line, so p50 / floor is what the host adds');
  console.log(`capture: ${results[0].capture.join(' ')}`);
  console.log(`${'scenario'.padEnd(38)} ${'p50'.padStart(5)} ${'p90'.padStart(6)} ${'samples'.padStart(7)} ${'to rx'.padStart(8)} ${'rx>shown'.padStart(8)} ${'fps'.padStart(6)} ${'jitbuf'.padStart(7)} ${'decode'.padStart(7)}   p50 / floor`);
  for (const r of results) {
    console.log(row(`${r.label} floor: x11grab RTP -> werift`, r.floor));
    console.log(row(`${r.label} ours: host /remote`, r.ours, r.floor));
  }
  console.log('(to rx, rx>shown: medians of paint -> last packet of the frame received -> frame shown (jitter buffer, decode, render);');
  console.log(' fps, jitbuf, decode: the receiver\'s decoded frame rate, jitter-buffer delay and decode time per frame)');
  console.log('CPU while sampling: capture ffmpeg / relay (host or, for the floor, this process) in % of a core; machine in % of all cores');
  for (const r of results) {
    for (const [name, x] of [['floor', r.floor], ['ours', r.ours]]) {
      console.log(`  ${r.label} ${name.padEnd(5)}  ffmpeg ${fmt(x.cpu.ffmpeg, 0).padStart(3)}%  relay ${fmt(x.cpu.relay, 0).padStart(3)}%  machine ${fmt(x.cpu.machine, 0).padStart(3)}%`);
    }
  }
  console.log(`\nclick-to-photon (ours: pointerdown in /remote -> data channel -> nut-js -> X -> capture -> frame; ${CLICKS} clicks each)`);
  console.log('size        p50    p90  clicks  missed   input p50  display p50  frame age p50');
  for (const r of results) {
    const c = r.clicks;
    console.log(
      `${r.label.padEnd(9)} ${fmt(percentile(c.total, 50), 0).padStart(5)} ${fmt(percentile(c.total, 90), 0).padStart(6)} ${String(c.total.length).padStart(7)} ${String(c.missed).padStart(7)}   ${fmt(percentile(c.input, 50), 0).padStart(9)}  ${fmt(percentile(c.display, 50), 0).padStart(11)}  ${fmt(percentile(c.stampMs, 50), 0).padStart(13)}`,
    );
  }
  console.log('(input: pointerdown -> the painter\'s ButtonPress; display: ButtonPress -> frame seen; frame age: that frame\'s own capture-to-display)');
}
if (gateway) {
  console.log(`\nRDP gateway vs the direct path to the same display, 720p30 (${SAMPLES} samples each)`);
  console.log(`${'scenario'.padEnd(38)} ${'p50'.padStart(5)} ${'p90'.padStart(6)} ${'samples'.padStart(7)} ${'to rx'.padStart(8)} ${'rx>shown'.padStart(8)} ${'fps'.padStart(6)} ${'jitbuf'.padStart(7)} ${'decode'.padStart(7)}   p50 / direct`);
  console.log(row('direct: the display in /remote', gateway.direct));
  console.log(row('gateway: RDP -> xfreerdp -> /remote', gateway.gateway, gateway.direct));
  for (const [name, c] of [['direct', gateway.directClicks], ['gateway', gateway.gatewayClicks]]) {
    console.log(`  ${name.padEnd(8)} click-to-photon p50 ${fmt(percentile(c.total, 50), 0)} ms, p90 ${fmt(percentile(c.total, 90), 0)} ms (${c.total.length} clicks, ${c.missed} missed; input p50 ${fmt(percentile(c.input, 50), 0)} ms)`);
  }
  bench.record('gateway', { ours: gateway.gateway.p50, reference: gateway.direct.p50, note: `p90 ${fmt(gateway.gateway.p90, 0)} ms; clicks p50 ${fmt(percentile(gateway.gatewayClicks.total, 50), 0)} vs ${fmt(percentile(gateway.directClicks.total, 50), 0)} ms direct` });
} else {
  console.log(`\nRDP gateway: not run here: ${gatewaySkip ?? 'the run stopped before it'}`);
  bench.skipGoal('gateway', gatewaySkip ?? 'the run stopped before it');
}
for (const [kind, desktop] of Object.entries(DESKTOPS)) {
  const wayland = waylands[kind];
  const [latencyGoal, cpuGoal] = desktop.goals;
  if (!wayland) {
    const why = waylandSkips[kind] ?? 'the run stopped before it';
    console.log(`\n${desktop.label} vs x11grab: not run here: ${why}`);
    bench.skipGoal(latencyGoal, why);
    bench.skipGoal(cpuGoal, why);
    continue;
  }
  // The capture's CPU: the encoder, the display server above what showing the page costs it, the host's capture thread.
  const perFrame = (x, idle) => ((x.cpu.ffmpeg + Math.max(0, x.cpu.server - idle) + x.cpu.captureThread) * 10) / x.fps;
  const xPer = perFrame(wayland.x, wayland.serverIdle.x);
  const wPer = perFrame(wayland.w, wayland.serverIdle.w);
  console.log(`\n${desktop.label} vs x11grab, the same painter page in Chromium, 720p at the monitor's ${wayland.fps} Hz (${SAMPLES} samples each)`);
  console.log(`capture: ${wayland.capture.join(' ')}`);
  console.log(`${'scenario'.padEnd(38)} ${'p50'.padStart(5)} ${'p90'.padStart(6)} ${'samples'.padStart(7)} ${'to rx'.padStart(8)} ${'rx>shown'.padStart(8)} ${'fps'.padStart(6)} ${'jitbuf'.padStart(7)} ${'decode'.padStart(7)}   p50 / x11grab`);
  console.log(row('x11grab of Chromium (X display)', wayland.x));
  console.log(row(desktop.label, wayland.w, wayland.x));
  for (const [name, x, idle, per] of [['x11grab', wayland.x, wayland.serverIdle.x, xPer], [kind, wayland.w, wayland.serverIdle.w, wPer]]) {
    console.log(`  ${name.padEnd(8)} CPU: ffmpeg ${fmt(x.cpu.ffmpeg, 0).padStart(3)}%  display server ${fmt(x.cpu.server, 0).padStart(3)}% (${fmt(idle, 0)}% without capture)  host capture thread ${fmt(x.cpu.captureThread, 1).padStart(4)}%  -> ${fmt(per, 2)} ms of CPU per frame  (host ${fmt(x.cpu.relay, 0)}%, machine ${fmt(x.cpu.machine, 0)}%)`);
  }
  for (const [name, c] of [['x11grab', wayland.xClicks], [kind, wayland.wClicks]]) {
    console.log(`  ${name.padEnd(8)} click-to-photon p50 ${fmt(percentile(c.total, 50), 0)} ms, p90 ${fmt(percentile(c.total, 90), 0)} ms (${c.total.length} clicks, ${c.missed} missed; input p50 ${fmt(percentile(c.input, 50), 0)} ms)`);
  }
  bench.record(latencyGoal, { ours: wayland.w.p50, reference: wayland.x.p50, note: `p90 ${fmt(wayland.w.p90, 0)} vs ${fmt(wayland.x.p90, 0)} ms; clicks p50 ${fmt(percentile(wayland.wClicks.total, 50), 0)} vs ${fmt(percentile(wayland.xClicks.total, 50), 0)} ms` });
  bench.record(cpuGoal, { ours: wPer, reference: xPer, note: "encoder + the display server's capture share + host capture thread, per frame received" });
}
const goal = results.find((r) => r.label === `720p${FPS}`);
if (goal) {
  bench.record('p50', { ours: goal.ours.p50, reference: goal.floor.p50, note: `p90 ${fmt(goal.ours.p90, 0)} ms, ${goal.ours.n} samples` });
  bench.record('vsFloor', { ours: goal.ours.p50, reference: goal.floor.p50, note: 'overhead only: the floor is our own capture command line replayed' });
  bench.record('clickP50', { ours: percentile(goal.clicks.total, 50), note: `${goal.clicks.total.length} clicks, ${goal.clicks.missed} missed` });
} else {
  const why = PARTS.has('x11') ? 'the run stopped before it' : `not asked (BENCH_PARTS=${[...PARTS].join(',')})`;
  for (const name of ['p50', 'vsFloor', 'clickP50']) bench.skipGoal(name, why);
}
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s; 1-minute load average ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after, ${os.cpus().length} cores)`);
bench.finish();
