// Helpers of the remote-desktop benchmark (bench/remote-latency.mjs): the painter X client and its
// layout on a display, the host's own capture command line (read from /proc), a /remote viewer paired
// in Chromium, click-to-photon in that page, and the receiver's WebRTC stats.
/* global window, document -- functions passed to page.evaluate run in the browser */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BARCODE, cmdline, sleep, stopProcess, track } from './live.mjs';
import { processTree } from '../../test-support/machine.mjs';
import { samplerScript } from './player.mjs';

const PAINTER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'x-painter.mjs');

/**
 * Where the painter draws on a width x height display: the bench barcode scaled from its 1280-wide
 * geometry (the page decoder scales back by videoWidth / 1280), the black strip around it, the click
 * target (lower right), the point clicked (its centre) and the patch the viewer watches (its upper
 * left, away from the pointer that the capture draws at the click point).
 */
export function painterLayout(width, height) {
  const s = width / 1280;
  const r = Math.round;
  const barcode = { bits: BARCODE.bits, x0: r(BARCODE.x0 * s), y0: r(BARCODE.y0 * s), blockW: r(BARCODE.blockW * s), blockH: r(BARCODE.blockH * s) };
  const strip = { x: barcode.x0 - r(8 * s), y: barcode.y0 - r(8 * s), w: barcode.bits * barcode.blockW + r(16 * s), h: barcode.blockH + r(16 * s) };
  const target = { x: r(width * 0.69), y: r(height * 0.58), w: r(width * 0.28), h: r(height * 0.36) };
  const click = { x: target.x + r(target.w / 2), y: target.y + r(target.h / 2) };
  const patch = { x: target.x + r(target.w * 0.08), y: target.y + r(target.h * 0.1), w: r(target.w * 0.25), h: r(target.h * 0.3) };
  return { width, height, barcode, strip, target, click, patch };
}

/** Starts the painter on X display `display`; resolves once its window is up. `presses`: its toggles. */
export async function startPainter(display, layout, periodMs = 4) {
  const proc = track(spawn(process.execPath, [PAINTER, JSON.stringify({ ...layout, periodMs })], { env: { ...process.env, DISPLAY: display }, stdio: ['pipe', 'pipe', 'pipe'] }));
  const presses = [];
  let err = '';
  let buffered = '';
  proc.stderr.on('data', (d) => (err = (err + d).slice(-2000)));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`painter not ready in 10 s: ${err}`)), 10_000);
    proc.once('exit', (code) => reject(new Error(`painter exited (${code}): ${err}`)));
    proc.stdout.setEncoding('utf8').on('data', (text) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        }
        const m = /^press (\d+) ([01])$/.exec(line);
        if (m) presses.push({ at: Number(m[1]), white: m[2] === '1' });
      }
    });
  });
  return { proc, presses, stop: () => stopProcess(proc, 'SIGTERM', 2000) };
}

/**
 * The host's capture of display `display`: a descendant ffmpeg running x11grab of it, or for a Wayland
 * monitor (`wayland-0/Meta-0`) the one reading raw frames on stdin and sending RTP: { pid, argv }, or null.
 */
export function hostCapture(hostPid, display) {
  for (const pid of processTree(hostPid).slice(1)) {
    const argv = cmdline(pid);
    if (argv && argv.includes('x11grab') && argv.some((a) => a.startsWith(`${display}.`))) return { pid, argv };
    // A Wayland monitor: the native capture's raw frames on the encoder's stdin.
    if (argv && display.includes('/') && argv.includes('rawvideo') && argv.includes('pipe:0') && argv.some((a) => a.startsWith('rtp://'))) return { pid, argv };
  }
  return null;
}

/** `argv` (an ffmpeg command line sending RTP to loopback) with its RTP destination moved to `port`. */
export function withRtpPort(argv, port) {
  const i = argv.findIndex((a) => /^rtp:\/\/127\.0\.0\.1:\d+/.test(a));
  if (i < 0) throw new Error(`no rtp://127.0.0.1 output in ${argv.join(' ')}`);
  const out = [...argv];
  out[i] = argv[i].replace(/^(rtp:\/\/127\.0\.0\.1:)\d+/, `$1${port}`);
  return out;
}

/**
 * Opens the viewer page of `hostUrl` in `context`, pairs with `code`, waits for decoded frames, and
 * loads the barcode decoder (samplerScript) for its <video id="video">. The page's peer connection is
 * kept in window.benchPcs for the stats (a subclass that records instances; nothing else changes).
 */
export async function pairViewer(context, hostUrl, code) {
  const page = await context.newPage();
  await page.addInitScript(() => {
    const Base = window.RTCPeerConnection;
    window.benchPcs = [];
    window.RTCPeerConnection = class extends Base {
      constructor(...args) {
        super(...args);
        window.benchPcs.push(this);
      }
    };
  });
  await page.goto(`${hostUrl}/remote`);
  await page.fill('#code', code);
  await page.click('#connect');
  await page.waitForFunction(() => window.remote.phase === 'connected' && document.getElementById('video').videoWidth > 0 && window.remote.frames > 5, null, {
    timeout: 30_000,
    polling: 100,
  });
  await page.evaluate(samplerScript('video'));
  return page;
}

/** Cumulative inbound video stats of the page's peer connection (window.viewerPc or the recorded one). */
export function receiverStats(page) {
  return page.evaluate(async () => {
    const pc = window.viewerPc ?? window.benchPcs?.at(-1);
    let out = null;
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      out = {
        at: s.timestamp,
        frames: s.framesDecoded ?? 0,
        jitterDelay: s.jitterBufferDelay ?? 0,
        emitted: s.jitterBufferEmittedCount ?? 0,
        decodeTime: s.totalDecodeTime ?? 0,
        lost: s.packetsLost ?? 0,
        dropped: s.framesDropped ?? 0,
      };
    });
    return out;
  });
}

/** Per-frame figures between two receiverStats readings: fps, jitter-buffer and decode ms per frame. */
export function statsDelta(a, b) {
  if (!a || !b) return { fps: NaN, jitterMs: NaN, decodeMs: NaN, lost: NaN, dropped: NaN };
  const frames = b.frames - a.frames;
  return {
    fps: (frames * 1000) / (b.at - a.at),
    jitterMs: ((b.jitterDelay - a.jitterDelay) * 1000) / Math.max(1, b.emitted - a.emitted),
    decodeMs: ((b.decodeTime - a.decodeTime) * 1000) / Math.max(1, frames),
    lost: b.lost - a.lost,
    dropped: b.dropped - a.dropped,
  };
}

/** Client coordinates in `page` of display pixel (x, y) in the <video id="video"> (object-fit: contain). */
function clientPoint(page, point) {
  return page.evaluate(({ x, y }) => {
    const v = document.getElementById('video');
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const left = r.left + (r.width - v.videoWidth * scale) / 2;
    const top = r.top + (r.height - v.videoHeight * scale) / 2;
    return { x: left + (x + 0.5) * scale, y: top + (y + 0.5) * scale };
  }, point);
}

/** In the page: waits for the pointerdown, then for the first frame whose patch crossed to the other colour. */
function arm(page, patch, timeoutMs) {
  return page.evaluate(
    ({ p, timeoutMs }) => {
      const v = document.getElementById('video');
      const wasWhite = window.regionLuma(p.x, p.y, p.w, p.h) > 128;
      const r = { downAt: null, seenAt: null, frameAge: null };
      window.clickResult = new Promise((resolve) => {
        window.addEventListener('pointerdown', () => (r.downAt = Date.now()), { capture: true, once: true });
        const deadline = Date.now() + timeoutMs;
        const step = () => {
          const now = Date.now();
          if (r.downAt !== null && window.regionLuma(p.x, p.y, p.w, p.h) > 128 !== wasWhite) {
            r.seenAt = now;
            r.frameAge = window.frameLatency(now);
            return resolve(r);
          }
          if (now > deadline) return resolve(r);
          v.requestVideoFrameCallback(step);
        };
        v.requestVideoFrameCallback(step);
      });
    },
    { p: patch, timeoutMs },
  );
}

/**
 * Click-to-photon: `n` clicks (after `warmup` unmeasured ones) on the painter's target through the
 * page's own pointer handlers; each from the pointerdown in the page to the first presented frame that
 * shows the target's new colour. Also split at the painter's ButtonPress: input (pointerdown ->
 * ButtonPress) and display (ButtonPress -> frame), and `stampMs`, the frame's own capture-to-display.
 */
export async function clickToPhoton(page, painter, layout, { n = 20, warmup = 2, timeoutMs = 3000 } = {}) {
  const at = await clientPoint(page, layout.click);
  const out = { total: [], input: [], display: [], stampMs: [], missed: 0 };
  for (let i = 0; i < warmup + n; i++) {
    const pressesBefore = painter.presses.length;
    await arm(page, layout.patch, timeoutMs);
    await page.mouse.click(at.x, at.y);
    const r = await page.evaluate(() => window.clickResult);
    await sleep(150);
    const press = painter.presses[pressesBefore];
    if (i >= warmup) {
      if (r.downAt === null || r.seenAt === null) out.missed++;
      else {
        out.total.push(r.seenAt - r.downAt);
        if (press) {
          out.input.push(press.at - r.downAt);
          out.display.push(r.seenAt - press.at);
        }
        if (r.frameAge !== null) out.stampMs.push(r.frameAge);
      }
    }
    // Random pauses: clicks land at random phases of the capture's frame clock.
    await sleep(250 + Math.random() * 350);
  }
  return out;
}
