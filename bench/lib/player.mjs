// A headless hls.js / dash.js / Video.js player for latency benchmarks: Debian Chromium via playwright-core, a tiny
// local page server (the page, node_modules/hls.js and dashjs), and an in-page decoder of the publisher's
// wall-clock barcode (bench/lib/live.mjs BARCODE) read from a canvas copy of the <video>.
/* global window, document, RTCPeerConnection, MediaStream -- functions passed to page.evaluate run in the browser */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { BARCODE, ROOT } from './live.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './peers.mjs';

const HLS_JS = path.join(ROOT, 'node_modules/hls.js/dist/hls.min.js');
// dashjs exports no subpath for its UMD build: served from the package folder.
const DASH_JS = path.join(ROOT, 'node_modules/dashjs/dist/modern/umd/dash.all.min.js');
const VIDEO_JS = path.join(ROOT, 'node_modules/video.js/dist/video.min.js');
const SCRIPTS = { '/hls.min.js': HLS_JS, '/dash.all.min.js': DASH_JS, '/video.min.js': VIDEO_JS };

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>bench player</title></head>
<body style="margin:0;background:#000">
<video id="v" muted autoplay playsinline style="width:1280px;height:720px"></video>
<script src="/hls.min.js"></script>
<script src="/dash.all.min.js"></script>
<script src="/video.min.js"></script>
<script>
window.bench = { playingAt: null, loadAt: null, errors: [], hls: null };
const v = document.getElementById('v');
v.addEventListener('playing', () => { if (bench.playingAt === null) bench.playingAt = Date.now(); });
window.startPlayer = (src, config) => {
  bench.loadAt = Date.now();
  const hls = new Hls(config);
  bench.hls = hls;
  hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) bench.errors.push(d.type + ':' + d.details); });
  hls.loadSource(src);
  hls.attachMedia(v);
  v.play().catch(() => {});
};
window.startDash = (src, settings) => {
  bench.loadAt = Date.now();
  const player = dashjs.MediaPlayer().create();
  bench.dash = player;
  player.updateSettings(settings);
  player.on(dashjs.MediaPlayer.events.ERROR, (e) => bench.errors.push('dash:' + JSON.stringify(e.error && (e.error.code || e.error.message) || e.error)));
  player.initialize(v, src, true);
};
window.startVideoJs = (src) => {
  bench.loadAt = Date.now();
  const player = videojs(v, { muted: true, autoplay: true });
  bench.vjs = player;
  // Video.js renames the <video> it wraps and gives its id to its own wrapper; the sampler finds the video by id.
  player.el().id = 'vjs-player';
  v.id = 'v';
  player.on('error', () => bench.errors.push('videojs:' + JSON.stringify(player.error())));
  player.src({ src, type: 'application/x-mpegURL' });
  const started = player.play();
  if (started) started.catch(() => {});
};
${samplerScript('v')}
</script></body></html>`;

/**
 * The in-page barcode decoder for the <video> with id `videoId`, as script text (the bench page embeds
 * it; other pages get it through page.evaluate). Defines window.sampleLatency(n, intervalMs, timeoutMs),
 * window.frameLatency(now) (now minus the current frame's stamp, or null) and window.regionLuma(x, y,
 * w, h) (mean luma 0-255 of a rectangle of the current frame, in video pixels).
 */
export function samplerScript(videoId) {
  return `(() => {
const BARCODE = ${JSON.stringify(BARCODE)};
const MOD = 2 ** BARCODE.bits;
const v = document.getElementById(${JSON.stringify(videoId)});
const canvas = document.createElement('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true });
// The barcode strip of the current frame -> the publisher's ms clock (mod 2^bits), or null.
function decode() {
  const scale = v.videoWidth / 1280;
  if (!(scale > 0)) return null;
  const stripH = BARCODE.y0 + BARCODE.blockH + 8;
  const stripW = BARCODE.x0 + BARCODE.bits * BARCODE.blockW + 8;
  canvas.width = stripW; canvas.height = stripH;
  ctx.drawImage(v, 0, 0, stripW * scale, stripH * scale, 0, 0, stripW, stripH);
  const img = ctx.getImageData(0, 0, stripW, stripH).data;
  const luma = (x0, y0, w, h) => {
    let s = 0;
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) { const i = (y * stripW + x) * 4; s += img[i] + img[i + 1] + img[i + 2]; }
    return s / (3 * w * h);
  };
  // The black frame around the blocks must be black (else this is not a stamped frame).
  if (luma(BARCODE.x0 - 6, BARCODE.y0 + 8, 4, BARCODE.blockH - 16) > 60) return null;
  let code = 0;
  for (let k = 0; k < BARCODE.bits; k++) {
    const l = luma(BARCODE.x0 + k * BARCODE.blockW + 12, BARCODE.y0 + 14, BARCODE.blockW - 24, BARCODE.blockH - 28);
    if (l > 200 || l < 55) { if (l > 128) code += 2 ** k; } else return null; // ambiguous block: skip the frame
  }
  return code;
}
const latencyOf = (now, code) => (((now % MOD) - code) % MOD + MOD) % MOD;
// n samples, one per presented frame at least intervalMs apart: display time (Date.now() in the
// frame callback) minus the stamped capture time.
// WebRTC frames also give \`received\`: per sample, the time from the arrival of the frame's last packet
// (the frame callback's receiveTime) to display.
window.sampleLatency = (n, intervalMs, timeoutMs) => new Promise((resolve) => {
  const out = []; const received = []; let last = 0; let bad = 0;
  const deadline = Date.now() + timeoutMs;
  const step = (_t, meta) => {
    const now = Date.now();
    if (now - last >= intervalMs) {
      const code = decode();
      if (code === null) bad++;
      else {
        const lat = latencyOf(now, code);
        if (lat < 60000) {
          out.push(lat); last = now;
          if (meta && meta.receiveTime) received.push(now - (performance.timeOrigin + meta.receiveTime));
        } else bad++;
      }
    }
    if (out.length >= n || now > deadline) resolve({ samples: out, received, bad, currentTime: v.currentTime, stalls: window.bench ? window.bench.errors : [] });
    else v.requestVideoFrameCallback(step);
  };
  v.requestVideoFrameCallback(step);
});
// The current frame's age at \`now\` (its stamp subtracted), or null when it has no readable stamp.
window.frameLatency = (now) => { const code = decode(); return code === null ? null : latencyOf(now, code); };
const patch = document.createElement('canvas');
patch.width = 16; patch.height = 16;
const patchCtx = patch.getContext('2d', { willReadFrequently: true });
window.regionLuma = (x, y, w, h) => {
  patchCtx.drawImage(v, x, y, w, h, 0, 0, 16, 16);
  const img = patchCtx.getImageData(0, 0, 16, 16).data;
  let s = 0;
  for (let i = 0; i < img.length; i += 4) s += img[i] + img[i + 1] + img[i + 2];
  return s / (3 * 256);
};
})();`;
}

/** In `page`: the offer of `window[pcName]` once ICE gathering is complete (3 s at most). */
export function offerOf(page, pcName) {
  return page.evaluate(async (key) => {
    const pc = window[key];
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => {
      if (pc.iceGatheringState === 'complete') r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r();
      setTimeout(r, 3000);
    });
    return pc.localDescription.sdp;
  }, pcName);
}

/** Starts a recvonly WebRTC viewer in `page`; `signal(offer) -> {sdp}` answers it. */
export async function watch(page, signal) {
  await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    const v = document.getElementById('v');
    pc.ontrack = (e) => {
      v.srcObject = new MediaStream([e.track]);
      v.play().catch(() => {});
    };
    window.viewerPc = pc;
  });
  const answer = await signal(await offerOf(page, 'viewerPc'));
  await page.evaluate((sdp) => window.viewerPc.setRemoteDescription({ type: 'answer', sdp }), answer.sdp);
}

export async function launchPlayer() {
  const { chromium } = await import('playwright-core');
  const server = http.createServer((req, res) => {
    if (Object.hasOwn(SCRIPTS, req.url)) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      fs.createReadStream(SCRIPTS[req.url]).pipe(res);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(PAGE);
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const pageUrl = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: chromiumPath() ?? 'chromium',
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  return {
    /** The browser context (1280x720 viewport) the pages open in. */
    context,
    /** Opens a page, starts hls.js on `src`, returns { page, loadAt }. */
    async play(src, config) {
      const page = await context.newPage();
      await page.goto(pageUrl);
      await page.evaluate(({ src, config }) => window.startPlayer(src, config), { src, config });
      return page;
    },
    /** Opens a page, starts dash.js on `src` with `settings` (player.updateSettings), returns the page. */
    async playDash(src, settings) {
      const page = await context.newPage();
      await page.goto(pageUrl);
      await page.evaluate(({ src, settings }) => window.startDash(src, settings), { src, settings });
      return page;
    },
    /** Opens a page, starts Video.js (VHS) on `src` in its defaults, returns the page. */
    async playVideoJs(src) {
      const page = await context.newPage();
      await page.goto(pageUrl);
      await page.evaluate((src) => window.startVideoJs(src), src);
      return page;
    },
    /** A blank bench page (the barcode decoder loaded, no player started). */
    async page() {
      const page = await context.newPage();
      await page.goto(pageUrl);
      return page;
    },
    async close() {
      await browser.close().catch(() => {});
      await new Promise((r) => server.close(r));
    },
  };
}
