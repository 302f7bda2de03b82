#!/usr/bin/env node
/* global window, document, RTCPeerConnection, MediaStream -- functions passed to page.evaluate run in the browser */
// bench/studio: the same 1080p30 show made by our studio (the page in Chromium: WebGL2 compositor,
// Web Audio mixer, the browser's encoder, WHIP to our host) and by OBS 29 (software GL under Xvfb,
// x264 CBR, RTMP to the same host), one after the other in the same run:
//
//   the scene   a camera (ours: Chromium's fake camera from a file; OBS: a looping media source of the
//               same picture), a screen (an Xvfb display painted with the wall clock, captured by
//               Chromium's X11 capturer / OBS's xshm), two images and a text; two such scenes, and a
//               fade (300 ms) from one to the other every 10 s;
//   CPU         seconds of CPU per second of program, of the app's processes (Chromium's whole tree;
//               OBS's process), from /proc, over the run; the host and the X servers are not counted;
//   dropped     program frames that were not made or not encoded: ours, frames the page's frame clock
//               should have composed and did not, plus frames the encoder dropped; OBS, frames its
//               render loop skipped (it sends the last one again) plus frames its output skipped;
//   glass       the painted clock read at a WHEP viewer (headless Chromium, 50 ms polls), minus the
//               time it was painted: screen-to-viewer over WebRTC. The camera's capture time is not
//               known for OBS (a file), so both are measured on the screen.
//
// Goals: CPU <= 1.0x OBS, 0 frames dropped, glass-to-glass p50 < 150 ms. A/V sync is measured by
// e2e/studio-avsync.test.ts (a flash and a beep through the studio, read at the viewer).
// BENCH_SHORT=1: 60 s per side (5 minutes otherwise, BENCH_SECONDS to choose).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { OBSWebSocket } from 'obs-websocket-js';
import { chromium } from 'playwright-core';
import { cleanup, cpuMeter, fmt, freePort, median, percentile, ratio, ROOT, sleep, startHost, tempDir, track, waitFor } from './lib/live.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './lib/peers.mjs';
import { processTree } from '../test-support/machine.mjs';
import { defineBench } from './lib/report.mjs';

const bench = defineBench('bench/studio', {
  cpu: { what: 'CPU per second of a 1080p30 program, our studio (Chromium) vs OBS 29', on: 'ratio', op: '<=', target: 1.0, unit: 'CPU s/s', digits: 3 },
  dropped: { what: 'program frames dropped over the run (OBS: its skipped frames)', on: 'ours', op: '<=', target: 0, unit: 'frames', digits: 0 },
  glass: { what: 'screen-to-viewer glass-to-glass over WebRTC (WHEP), p50 (OBS: RTMP in, WHEP out)', on: 'ours', op: '<', target: 150, unit: 'ms', digits: 0 },
});
const SECONDS = bench.knob('BENCH_SECONDS', 300, 60);
const WIDTH = 1920;
const HEIGHT = 1080;
const FPS = 30;
const BITRATE_KBPS = 4500;
const FADE_EVERY_MS = 10_000;
bench.requires('obs', 'chromium', 'xvfb', 'ffmpeg', 'build');

const PAINTER = path.join(ROOT, 'bench', 'lib', 'x-painter.mjs');
/** The painted part of the screen (the top); below it, room for the studio's own window. */
const PAINT = { width: 1280, height: 720 };
const CLOCK = { bits: 12, x0: 64, y0: 252, blockW: 96, blockH: 216 };
/** Where the screen goes in the program: the bottom left quarter. */
const SCREEN_ITEM = { x: 0, y: HEIGHT / 2, width: WIDTH / 2, height: HEIGHT / 2 };

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')}... failed: ${r.stderr}`);
};

async function startXvfb(width, height) {
  const xvfb = track(spawn('Xvfb', ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-extension', 'RANDR'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] }));
  const display = await new Promise((resolve, reject) => {
    xvfb.stdio[3].once('data', (d) => resolve(`:${d.toString().trim()}`));
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)));
  });
  return { display, proc: xvfb };
}

async function startPainter(display) {
  const strip = { x: CLOCK.x0 - 8, y: CLOCK.y0 - 8, w: CLOCK.bits * CLOCK.blockW + 16, h: CLOCK.blockH + 16 };
  const layout = { ...PAINT, strip, barcode: CLOCK, target: { x: PAINT.width - 48, y: PAINT.height - 48, w: 32, h: 32 }, periodMs: 8 };
  const proc = track(spawn(process.execPath, [PAINTER, JSON.stringify(layout)], { env: { ...process.env, DISPLAY: display }, stdio: ['pipe', 'pipe', 'pipe'] }));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the painter was not up in 10 s')), 10_000);
    proc.stdout.on('data', (d) => d.toString().includes('ready') && (clearTimeout(timer), resolve()));
  });
  return proc;
}

/** The fixtures: the camera (a moving test picture, Y4M for Chromium and MP4 for OBS), two images. */
function fixtures(dir) {
  const y4m = path.join(dir, 'camera.y4m');
  const mp4 = path.join(dir, 'camera.mp4');
  run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS}`, '-t', '4', '-pix_fmt', 'yuv420p', y4m]);
  run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', y4m, '-c:v', 'libx264', '-preset', 'veryfast', '-g', String(FPS), '-pix_fmt', 'yuv420p', mp4]);
  const wav = path.join(dir, 'microphone.wav');
  run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4', wav]);
  const images = ['0xff8800', '0x2080ff'].map((c, i) => {
    const f = path.join(dir, `image${i}.png`);
    run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${c}:size=480x270`, '-frames:v', '1', '-vf', 'drawbox=x=40:y=40:w=400:h=190:color=white@0.5:t=fill', f]);
    return f;
  });
  return { y4m, mp4, wav, images };
}

/** The painted clock in the program's screen item, read in a viewer page; null when unreadable. */
async function readClock(page) {
  const scale = SCREEN_ITEM.width / PAINT.width;
  const points = [[CLOCK.x0 - 4, CLOCK.y0 + CLOCK.blockH / 2]];
  for (let k = 0; k < CLOCK.bits; k++) points.push([CLOCK.x0 + k * CLOCK.blockW + CLOCK.blockW / 2, CLOCK.y0 + CLOCK.blockH / 2]);
  const at = points.map(([x, y]) => [Math.round(SCREEN_ITEM.x + x * scale), Math.round(SCREEN_ITEM.y + y * scale)]);
  const luma = await page.evaluate(
    ({ at, w, h }) => {
      const v = document.querySelector('video');
      if (!v?.videoWidth) return null;
      const c = (window.__c ??= Object.assign(document.createElement('canvas'), { width: w, height: h }));
      const g = (window.__g ??= c.getContext('2d', { willReadFrequently: true }));
      g.drawImage(v, 0, 0, w, h);
      return at.map(([x, y]) => {
        const d = g.getImageData(x, y, 1, 1).data;
        return 0.299 * d[0] + 0.587 * d[1] + 0.114 * d[2];
      });
    },
    { at, w: WIDTH, h: HEIGHT },
  );
  if (!luma || luma[0] > 60) return null;
  let value = 0;
  for (let k = 0; k < CLOCK.bits; k++) {
    const v = luma[k + 1];
    if (v > 60 && v < 190) return null;
    if (v >= 190) value |= 1 << k;
  }
  return value;
}

/** A WHEP viewer of `stream` in `browser`; `ages()` samples the screen's age at it for `ms`. */
async function whepViewer(browser, host, stream) {
  const page = await browser.newPage();
  await page.goto(`${host.url}/healthz`);
  const status = await page.evaluate(async (url) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const video = Object.assign(document.createElement('video'), { muted: true, autoplay: true, playsInline: true });
    document.body.append(video);
    pc.ontrack = (e) => (video.srcObject = e.streams[0] ?? new MediaStream([e.track]));
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription.sdp });
    if (res.status !== 201) return res.status;
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    window.__pc = pc;
    return 201;
  }, `${host.url}/live/${stream}/whep`);
  if (status !== 201) throw new Error(`WHEP viewer of ${stream}: ${status}`);
  await waitFor(`the WHEP viewer of ${stream} plays`, async () => (await readClock(page)) !== null, 30_000);
  return {
    async ages(ms) {
      const out = [];
      let last = null;
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const value = await readClock(page);
        if (value !== null && value !== last) {
          const period = 2 ** CLOCK.bits;
          out.push((((Date.now() - value) % period) + period) % period);
          last = value;
        }
        await sleep(50);
      }
      return out;
    },
    close: () => page.close(),
  };
}

/** Runs the show for SECONDS while `fade()` runs every 10 s; samples glass-to-glass along the way. */
async function runShow({ fade, viewer }) {
  const ages = [];
  const end = Date.now() + SECONDS * 1000;
  let nextFade = Date.now() + FADE_EVERY_MS;
  while (Date.now() < end) {
    ages.push(...(await viewer.ages(Math.min(2000, end - Date.now()))));
    if (Date.now() >= nextFade) {
      await fade();
      nextFade += FADE_EVERY_MS;
    }
  }
  return ages;
}

// ---- ours ----

async function ours(host, fx, display, viewers) {
  const login = /Sign in:\s+(\S+)/.exec(host.output())?.[1];
  if (!login) throw new Error('the host printed no sign-in link');
  const server = await chromium.launchServer({
    executablePath: chromiumPath(),
    headless: false,
    env: { ...process.env, DISPLAY: display },
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${fx.y4m}`, `--use-file-for-fake-audio-capture=${fx.wav}`, '--auto-select-desktop-capture-source=Entire screen', `--window-position=0,${PAINT.height}`, `--window-size=${PAINT.width},${PAINT.height}`],
  });
  const browser = await chromium.connect(server.wsEndpoint());
  const pid = server.process().pid;
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, permissions: ['camera', 'microphone'] });
    await page.goto(login);
    await page.getByTestId('page-dashboard').waitFor();
    await page.goto(`${host.url}/#/studio`);
    await page.getByTestId('page-studio').waitFor();
    const add = async (name, settings) => {
      const res = await host.api('POST', '/api/v1/scenes/sources', { name, settings });
      if (res.status !== 201) throw new Error(`adding ${name}: ${res.status} ${res.text}`);
      return res.json.id;
    };
    const upload = async (file) => {
      const res = await fetch(`${host.url}/api/v1/scenes/media`, { method: 'POST', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'image/png' }, body: fs.readFileSync(file) });
      if (res.status !== 201) throw new Error(`upload: ${res.status}`);
      return (await res.json()).url;
    };
    const camera = await add('Camera', { kind: 'camera', deviceId: null, label: '' });
    const screen = await add('Screen', { kind: 'screen', surface: 'monitor', audio: false, frameRate: FPS });
    const img1 = await add('Image 1', { kind: 'image', url: await upload(fx.images[0]) });
    const img2 = await add('Image 2', { kind: 'image', url: await upload(fx.images[1]) });
    const text = await add('Title', { kind: 'text', text: 'Streams Studio bench', fontSize: 64, outline: { color: '#000000', width: 4 } });
    await add('Microphone', { kind: 'microphone', deviceId: null, label: '' });
    const items = (swap) => [
      { sourceId: camera, x: 0, y: 0, width: WIDTH, height: HEIGHT },
      { sourceId: screen, ...SCREEN_ITEM, crop: { left: 0, top: 0, right: 0, bottom: 0.5 } },
      { sourceId: img1, x: swap ? 1400 : 1000, y: 600, width: 480, height: 270 },
      { sourceId: img2, x: swap ? 1000 : 1400, y: 120, width: 480, height: 270 },
      { sourceId: text, x: 980, y: 960, width: 900, height: 80 },
    ];
    const state = (await host.api('GET', '/api/v1/scenes')).json;
    const a = state.scenes[0].id;
    await host.api('PATCH', `/api/v1/scenes/${a}`, { items: items(false) });
    const b = (await host.api('POST', '/api/v1/scenes', { name: 'Scene 2' })).json.id;
    await host.api('PATCH', `/api/v1/scenes/${b}`, { items: items(true) });
    await host.createStream('studio', 'passthrough');
    const set = await host.api('PATCH', '/api/v1/scenes/studio', { stream: 'studio', width: WIDTH, height: HEIGHT, fps: FPS, videoBitrateKbps: BITRATE_KBPS, transition: { kind: 'fade', durationMs: 300, stinger: null }, programSceneId: a });
    if (set.status !== 200) throw new Error(`studio settings: ${set.status} ${set.text}`);
    await page.getByTestId('capture-Screen').click();
    await waitFor('the screen and the camera are live in the studio', async () => (await page.getByTestId('source-Screen').getAttribute('data-status')) === 'live' && (await page.getByTestId('source-Camera').getAttribute('data-status')) === 'live', 30_000);
    await page.getByTestId('studio-go-live').click();
    await waitFor('the studio is live', async () => (await host.api('GET', '/api/v1/streams/studio')).json.state === 'live', 60_000);
    const viewer = await whepViewer(viewers, host, 'studio');
    await sleep(3000);
    const stats = () => page.evaluate(async () => ({ timing: { ...window.__studio.timing }, encoder: await window.__studio.encoderStats() }));
    const cpu = cpuMeter(() => processTree(pid));
    const before = await stats();
    const cpu0 = cpu.read();
    const t0 = performance.now();
    let onA = true;
    const ages = await runShow({
      viewer,
      fade: async () => {
        onA = !onA;
        await host.api('PATCH', '/api/v1/scenes/studio', { programSceneId: onA ? a : b });
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpuPerS = (cpu.read() - cpu0) / seconds;
    const after = await stats();
    await viewer.close();
    const late = after.timing.late - before.timing.late;
    // The browser's count can step back by one between two readings: never below 0.
    const encoderDropped = Math.max(0, (after.encoder?.framesDropped ?? 0) - (before.encoder?.framesDropped ?? 0));
    const sent = (after.encoder?.framesSent ?? 0) - (before.encoder?.framesSent ?? 0);
    const composed = after.timing.programFrames - before.timing.programFrames;
    const expected = Math.round(seconds * FPS);
    // Frames the program never composed (the page fell behind its frame clock) and frames the encoder dropped.
    const missing = Math.max(0, expected - composed);
    return { cpuPerS, seconds, dropped: missing + encoderDropped, missing, late, encoderDropped, composed, sent, expected, ages, encoder: after.encoder };
  } finally {
    await browser.close().catch(() => undefined);
    await server.close().catch(() => undefined);
  }
}

// ---- OBS ----

async function startObs(port, password, dir) {
  const home = tempDir('obs-studio-bench-home-');
  const config = path.join(home, '.config', 'obs-studio');
  const profile = path.join(config, 'basic', 'profiles', 'Studio');
  fs.mkdirSync(profile, { recursive: true });
  fs.writeFileSync(
    path.join(config, 'global.ini'),
    `[General]\nFirstRun=true\n\n[Basic]\nProfile=Studio\nProfileDir=Studio\nSceneCollection=Studio\nSceneCollectionFile=Studio\n\n` +
      `[OBSWebSocket]\nFirstLoad=false\nServerEnabled=true\nServerPort=${port}\nAlertsEnabled=false\nAuthRequired=true\nServerPassword=${password}\n`,
    { mode: 0o600 },
  );
  fs.writeFileSync(
    path.join(profile, 'basic.ini'),
    `[General]\nName=Studio\n\n[Output]\nMode=Advanced\n\n[AdvOut]\nEncoder=obs_x264\nRecEncoder=none\nRecFilePath=${dir}\n\n` +
      `[Video]\nBaseCX=${WIDTH}\nBaseCY=${HEIGHT}\nOutputCX=${WIDTH}\nOutputCY=${HEIGHT}\nFPSType=1\nFPSInt=${FPS}\n\n[Audio]\nSampleRate=48000\nChannelSetup=Stereo\n`,
  );
  // The same encoder settings as ours: CBR, the same bitrate, a keyframe every 2 s, no B-frames (WebRTC has none).
  fs.writeFileSync(path.join(profile, 'streamEncoder.json'), JSON.stringify({ rate_control: 'CBR', bitrate: BITRATE_KBPS, keyint_sec: 2, preset: 'veryfast', tune: 'zerolatency', x264opts: 'bframes=0' }));
  const proc = track(spawn('xvfb-run', ['-a', '-s', `-screen 0 ${WIDTH}x${HEIGHT}x24 -nolisten tcp`, 'obs', '--multi', '--profile', 'Studio', '--collection', 'Studio', '--websocket_port', String(port)], { env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') }, stdio: 'ignore', detached: true }));
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
    fs.rmSync(home, { recursive: true, force: true });
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
  const obsPid = () => Number(spawnSync('pgrep', ['-P', String(proc.pid), '-x', 'obs'], { encoding: 'utf8' }).stdout.trim().split('\n')[0]);
  return { stop, obsPid };
}

async function obs(host, fx, display, viewers, dir) {
  const port = await freePort();
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  const o = await startObs(port, password, dir);
  const ws = new OBSWebSocket();
  try {
    await ws.connect(`ws://127.0.0.1:${port}`, password);
    const { publishUrl } = await host.createStream('obs', 'passthrough');
    const server = publishUrl.slice(0, publishUrl.lastIndexOf('/'));
    const key = publishUrl.slice(publishUrl.lastIndexOf('/') + 1);
    await ws.call('SetStreamServiceSettings', { streamServiceType: 'rtmp_custom', streamServiceSettings: { server, key } });
    for (const name of ['A', 'B']) await ws.call('CreateScene', { sceneName: name });
    const place = async (scene, input, box, crop = {}) => {
      const { sceneItemId } = await ws.call('GetSceneItemId', { sceneName: scene, sourceName: input });
      await ws.call('SetSceneItemTransform', { sceneName: scene, sceneItemId, sceneItemTransform: { positionX: box.x, positionY: box.y, boundsType: 'OBS_BOUNDS_STRETCH', boundsWidth: box.width, boundsHeight: box.height, ...crop } });
    };
    const input = async (scene, name, kind, settings) => {
      await ws.call('CreateInput', { sceneName: scene, inputName: name, inputKind: kind, inputSettings: settings, sceneItemEnabled: true });
    };
    await input('A', 'Camera', 'ffmpeg_source', { local_file: fx.mp4, is_local_file: true, looping: true, restart_on_activate: false });
    await input('A', 'Screen', 'xshm_input', { advanced: true, server: display, screen: 0, show_cursor: false });
    await input('A', 'Image 1', 'image_source', { file: fx.images[0] });
    await input('A', 'Image 2', 'image_source', { file: fx.images[1] });
    await input('A', 'Title', 'text_ft2_source_v2', { text: 'Streams Studio bench', font: { face: 'Sans', size: 64, style: 'Regular', flags: 0 }, outline: true });
    for (const name of ['Camera', 'Screen', 'Image 1', 'Image 2', 'Title']) await ws.call('CreateSceneItem', { sceneName: 'B', sourceName: name });
    for (const [scene, swap] of [['A', false], ['B', true]]) {
      await place(scene, 'Camera', { x: 0, y: 0, width: WIDTH, height: HEIGHT });
      await place(scene, 'Screen', SCREEN_ITEM, { cropBottom: PAINT.height });
      await place(scene, 'Image 1', { x: swap ? 1400 : 1000, y: 600, width: 480, height: 270 });
      await place(scene, 'Image 2', { x: swap ? 1000 : 1400, y: 120, width: 480, height: 270 });
      await place(scene, 'Title', { x: 980, y: 960, width: 900, height: 80 });
    }
    await ws.call('SetCurrentProgramScene', { sceneName: 'A' });
    await ws.call('SetCurrentSceneTransition', { transitionName: 'Fade' });
    await ws.call('SetCurrentSceneTransitionDuration', { transitionDuration: 300 });
    await ws.call('StartStream');
    await waitFor('OBS is live', async () => (await host.api('GET', '/api/v1/streams/obs')).json.state === 'live', 60_000);
    const viewer = await whepViewer(viewers, host, 'obs');
    await sleep(3000);
    const pid = o.obsPid();
    const cpu = cpuMeter(() => processTree(pid));
    const before = await ws.call('GetStats');
    const streamBefore = await ws.call('GetStreamStatus');
    const cpu0 = cpu.read();
    const t0 = performance.now();
    let onA = true;
    const ages = await runShow({
      viewer,
      fade: async () => {
        onA = !onA;
        await ws.call('SetCurrentProgramScene', { sceneName: onA ? 'A' : 'B' });
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpuPerS = (cpu.read() - cpu0) / seconds;
    const after = await ws.call('GetStats');
    const streamAfter = await ws.call('GetStreamStatus');
    await viewer.close();
    await ws.call('StopStream').catch(() => undefined);
    const renderSkipped = after.renderSkippedFrames - before.renderSkippedFrames;
    const outputSkipped = after.outputSkippedFrames - before.outputSkippedFrames;
    const sent = streamAfter.outputTotalFrames - streamBefore.outputTotalFrames;
    return { cpuPerS, seconds, dropped: renderSkipped + outputSkipped, renderSkipped, outputSkipped, sent, expected: Math.round(seconds * FPS), ages };
  } finally {
    await ws.disconnect().catch(() => undefined);
    await o.stop();
  }
}

let host;
let viewers;
const stops = [];
try {
  const dir = tempDir('studio-bench-');
  stops.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fx = fixtures(dir);
  const x = await startXvfb(PAINT.width, PAINT.height * 2);
  stops.push(() => x.proc.kill('SIGTERM'));
  const painter = await startPainter(x.display);
  stops.push(() => painter.kill('SIGTERM'));
  host = await startHost();
  viewers = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  console.log(`bench/studio: ${WIDTH}x${HEIGHT} at ${FPS} fps, ${BITRATE_KBPS} kb/s, ${SECONDS} s per side, a fade every ${FADE_EVERY_MS / 1000} s; ours first, then OBS ${spawnSync('obs', ['--version'], { encoding: 'utf8' }).stdout.trim() || '?'}`);
  const a = await ours(host, fx, x.display, viewers);
  console.log(`ours: ${fmt(a.cpuPerS, 3)} CPU s/s; composed ${a.composed}, sent ${a.sent} of ${a.expected} frames; ${a.late} ticks late, encoder dropped ${a.encoderDropped}; encoder ${a.encoder?.encoder} (${a.encoder?.hardware ? 'hardware' : 'software'}) ${a.encoder?.width}x${a.encoder?.height}`);
  const o = await obs(host, fx, x.display, viewers, dir);
  console.log(`OBS:  ${fmt(o.cpuPerS, 3)} CPU s/s; sent ${o.sent} of ${o.expected} frames; render skipped ${o.renderSkipped}, output skipped ${o.outputSkipped}`);
  const g = (xs) => `p50 ${fmt(median(xs), 0)} ms, p90 ${fmt(percentile(xs, 90), 0)} ms (${xs.length} readings)`;
  console.log('| | CPU s per s of program | frames dropped | sent / expected | screen-to-viewer (WebRTC) |');
  console.log('|---|---:|---:|---:|---|');
  console.log(`| ours (Chromium) | ${fmt(a.cpuPerS, 3)} | ${a.dropped} | ${a.sent} / ${a.expected} | ${g(a.ages)} |`);
  console.log(`| OBS 29 | ${fmt(o.cpuPerS, 3)} | ${o.dropped} | ${o.sent} / ${o.expected} | ${g(o.ages)} |`);
  console.log(`| ours ÷ OBS | ${ratio(a.cpuPerS, o.cpuPerS)} | | | ${ratio(median(a.ages), median(o.ages))} |`);
  bench.record('cpu', { ours: a.cpuPerS, reference: o.cpuPerS, note: `${SECONDS} s each; Chromium's process tree vs the obs process` });
  bench.record('dropped', { ours: a.dropped, reference: o.dropped, note: `ours: ${a.missing} never composed (${a.late} ticks late), ${a.encoderDropped} dropped by the encoder; OBS: ${o.renderSkipped} render, ${o.outputSkipped} output` });
  bench.record('glass', { ours: median(a.ages), reference: median(o.ages), note: `p90 ours ${fmt(percentile(a.ages, 90), 0)} ms, OBS ${fmt(percentile(o.ages, 90), 0)} ms; 50 ms polls` });
} catch (error) {
  console.error(`bench/studio: FAILED: ${error instanceof Error ? error.stack : String(error)}`);
  bench.fail(error);
} finally {
  await viewers?.close().catch(() => undefined);
  await host?.stop().catch(() => undefined);
  for (const stop of stops.reverse()) stop();
  await cleanup();
}
bench.finish();
