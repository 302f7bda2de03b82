#!/usr/bin/env node
/* global window, document, MediaStream, RTCPeerConnection, RTCRtpSender, VideoEncoder, VideoFrame -- functions passed to page.evaluate run in the browser */
// bench/studio-encoder: how the studio's program should leave the page, measured. The issue lets the
// program be encoded with WebCodecs (VideoEncoder, the chunks carried over a WebSocket) or by WebRTC
// (WHIP): "choose by measurement". Both encode the same composed 1080p30 picture in the same Chromium,
// one after the other, at the studio's settings (H.264, 4500 kb/s constant, a keyframe every 2 s,
// realtime), with the same frame clock (the page draws a frame every 33.3 ms and hands exactly that
// frame to the encoder):
//
//   ours        WebRTC, as the program output does it (canvas.captureStream(0) + requestFrame, content
//               hint "motion", maintain-resolution, H.264 first); its packets go to a second Chromium
//               (not measured), as they would go to the host;
//   reference   WebCodecs VideoEncoder (H.264 Annex B, bitrateMode constant, latencyMode realtime),
//               frames dropped when the encoder's queue is more than 2 deep (as a live encoder must);
//   CPU         seconds of CPU per second of the encoding Chromium's whole process tree, from /proc,
//               minus what drawing alone costs (measured first, same clock);
//   frames      frames the encoder put out at the full 1920x1080;
//   encode      mean time a frame spends in the encoder (WebRTC: totalEncodeTime / framesEncoded;
//               WebCodecs: encode() to its chunk).
//
// The transport after the encoder is not in the figures: a WebSocket of WebCodecs chunks would add its
// own cost; WebRTC's packetizer, pacer and SRTP are in ours.
// BENCH_SHORT=1: 20 s per encoder (60 s otherwise, BENCH_SECONDS to choose).
import http from 'node:http';
import { chromium } from 'playwright-core';
import { cleanup, cpuSeconds, fmt, ratio, sleep } from './lib/live.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './lib/peers.mjs';
import { processTree } from '../test-support/machine.mjs';
import { defineBench } from './lib/report.mjs';

const bench = defineBench('bench/studio-encoder', {
  cpu: { what: 'CPU per second encoding a 1080p30 program in the page: WebRTC (our program out) vs WebCodecs VideoEncoder', on: 'ratio', op: '<=', target: 1.1, unit: 'CPU s/s', digits: 3 },
  frames: { what: 'program frames encoded at full 1080p over the run, WebRTC vs WebCodecs', on: 'ratio', op: '>=', target: 0.95, unit: 'frames', digits: 0 },
  encode: { what: 'mean time a frame spends in the encoder, WebRTC vs WebCodecs', on: 'ratio', op: '<=', target: 1.5, unit: 'ms', digits: 1 },
});
const SECONDS = bench.knob('BENCH_SECONDS', 60, 20);
const DRAW_SECONDS = Math.min(10, SECONDS);
const WIDTH = 1920;
const HEIGHT = 1080;
const FPS = 30;
const BITRATE = 4_500_000;
bench.requires('chromium');


/** CPU seconds so far of `root` and every process under it. */
const treeCpu = (root) => processTree(root).reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);

/** The page's program: a 1080p canvas drawn on a 30 fps clock (moving gradients, boxes and words: work for an encoder). */
function installProgram({ width, height, fps }) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  let n = 0;
  const draw = () => {
    const t = n / fps;
    const grad = g.createLinearGradient(0, 0, width, height);
    grad.addColorStop(0, `hsl(${(t * 40) % 360} 70% 40%)`);
    grad.addColorStop(1, `hsl(${(t * 40 + 180) % 360} 70% 30%)`);
    g.fillStyle = grad;
    g.fillRect(0, 0, width, height);
    for (let i = 0; i < 12; i++) {
      g.fillStyle = `hsl(${i * 30} 80% 60%)`;
      g.fillRect(((t * (80 + i * 23)) % (width + 200)) - 200, (i * height) / 12, 200, height / 14);
    }
    g.fillStyle = '#fff';
    g.font = 'bold 96px sans-serif';
    g.fillText(`frame ${n}`, 80, height / 2);
    n += 1;
  };
  /** Draws a frame every 1/fps s for `ms`, calling `each(frameIndex)` after each. */
  const run = (ms, each) =>
    new Promise((resolve) => {
      const start = performance.now();
      let i = 0;
      const tick = () => {
        const now = performance.now();
        if (now - start >= ms) return resolve(i);
        draw();
        each(i);
        i += 1;
        setTimeout(tick, Math.max(0, start + (i * 1000) / fps - performance.now()));
      };
      tick();
    });
  window.program = { canvas, run };
}

/** WebCodecs: each frame into a VideoEncoder; what came out, when. */
async function encodeWithWebCodecs({ ms, fps, bitrate }) {
  const { canvas, run } = window.program;
  const sent = new Map();
  const times = [];
  let chunks = 0;
  let bytes = 0;
  let dropped = 0;
  let error = null;
  const encoder = new VideoEncoder({
    output: (chunk) => {
      const t0 = sent.get(chunk.timestamp);
      if (t0 !== undefined) times.push(performance.now() - t0);
      chunks += 1;
      bytes += chunk.byteLength;
    },
    error: (e) => (error = String(e)),
  });
  encoder.configure({ codec: 'avc1.42002a', width: canvas.width, height: canvas.height, bitrate, bitrateMode: 'constant', framerate: fps, latencyMode: 'realtime', avc: { format: 'annexb' } });
  const frames = await run(ms, (i) => {
    if (encoder.encodeQueueSize > 2) return void (dropped += 1);
    const timestamp = Math.round((i * 1e6) / fps);
    const frame = new VideoFrame(canvas, { timestamp });
    sent.set(timestamp, performance.now());
    encoder.encode(frame, { keyFrame: i % (2 * fps) === 0 });
    frame.close();
  });
  await encoder.flush().catch(() => undefined);
  encoder.close();
  const config = await VideoEncoder.isConfigSupported({ codec: 'avc1.42002a', width: canvas.width, height: canvas.height, bitrate, hardwareAcceleration: 'prefer-hardware' });
  return { frames, chunks, dropped, kbps: (bytes * 8) / ms, meanMs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length), hardware: config.supported === true, error };
}

/** WebRTC: the program output's way (captureStream(0) + requestFrame), to a peer in another browser. */
async function startWebRtc({ fps, bitrate }) {
  const { canvas } = window.program;
  const media = canvas.captureStream(0);
  const track = media.getVideoTracks()[0];
  track.contentHint = 'motion';
  const pc = new RTCPeerConnection();
  const t = pc.addTransceiver(track, { direction: 'sendonly', sendEncodings: [{ maxBitrate: bitrate, maxFramerate: fps }] });
  const codecs = RTCRtpSender.getCapabilities('video')?.codecs ?? [];
  t.setCodecPreferences([...codecs.filter((c) => /h264/i.test(c.mimeType)), ...codecs.filter((c) => !/h264/i.test(c.mimeType))]);
  const params = t.sender.getParameters();
  params.degradationPreference = 'maintain-resolution';
  await t.sender.setParameters(params);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
  window.rtc = { pc, track, sender: t.sender };
  return pc.localDescription.sdp;
}

async function answerWebRtc(offer) {
  const pc = new RTCPeerConnection();
  pc.ontrack = (e) => {
    const v = document.createElement('video');
    v.muted = true;
    v.srcObject = new MediaStream([e.track]);
    void v.play();
  };
  await pc.setRemoteDescription({ type: 'offer', sdp: offer });
  await pc.setLocalDescription(await pc.createAnswer());
  await new Promise((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
  window.viewer = pc;
  return pc.localDescription.sdp;
}

async function encodeWithWebRtc({ ms, answer }) {
  const { pc, track, sender } = window.rtc;
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  const stats = async () => {
    for (const s of (await sender.getStats()).values()) if (s.type === 'outbound-rtp' && s.kind === 'video') return s;
    return null;
  };
  // Connected and sending before the clock starts.
  const t0 = performance.now();
  while (pc.connectionState !== 'connected' && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
  const before = await stats();
  const frames = await window.program.run(ms, () => track.requestFrame());
  await new Promise((r) => setTimeout(r, 500));
  const after = await stats();
  const d = (k) => (after?.[k] ?? 0) - (before?.[k] ?? 0);
  const encoded = d('framesEncoded');
  const codec = after?.codecId ? (await sender.getStats()).get(after.codecId)?.mimeType : null;
  pc.close();
  return {
    frames,
    encoded,
    fullSize: after?.frameWidth === 1920 && after?.frameHeight === 1080,
    size: `${after?.frameWidth}x${after?.frameHeight}`,
    kbps: (d('bytesSent') * 8) / ms,
    meanMs: encoded > 0 ? (d('totalEncodeTime') * 1000) / encoded : NaN,
    encoder: after?.encoderImplementation ?? null,
    hardware: after?.powerEfficientEncoder === true,
    limitation: after?.qualityLimitationReason ?? null,
    resolutionChanges: d('qualityLimitationResolutionChanges'),
    codec,
  };
}

async function main() {
  const server = http.createServer((_req, res) => res.end('<!doctype html><title>encoder bench</title><body></body>')).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const origin = `http://127.0.0.1:${server.address().port}/`;
  const encoding = await chromium.launchServer({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  const viewerBrowser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  const browser = await chromium.connect(encoding.wsEndpoint());
  const pid = encoding.process().pid;
  try {
    const page = await browser.newPage();
    await page.goto(origin);
    await page.evaluate(installProgram, { width: WIDTH, height: HEIGHT, fps: FPS });
    const viewer = await viewerBrowser.newPage();
    await viewer.goto(origin);

    /** CPU seconds per second of the encoding browser while `work` runs. */
    const measure = async (work) => {
      const c0 = treeCpu(pid);
      const t0 = performance.now();
      const result = await work();
      const cpu = treeCpu(pid) - c0;
      return { result, cpuPerS: cpu / ((performance.now() - t0) / 1000) };
    };

    await sleep(2000);
    const draw = await measure(() => page.evaluate((ms) => window.program.run(ms, () => undefined), DRAW_SECONDS * 1000));
    console.log(`drawing alone: ${fmt(draw.cpuPerS, 3)} CPU s/s (${draw.result} frames in ${DRAW_SECONDS} s)`);

    const wc = await measure(() => page.evaluate(encodeWithWebCodecs, { ms: SECONDS * 1000, fps: FPS, bitrate: BITRATE }));
    if (wc.result.error) throw new Error(`WebCodecs: ${wc.result.error}`);
    console.log(`WebCodecs: ${fmt(wc.cpuPerS, 3)} CPU s/s; ${wc.result.chunks} chunks of ${wc.result.frames} frames (${wc.result.dropped} dropped at the queue), ${fmt(wc.result.kbps, 0)} kb/s, ${fmt(wc.result.meanMs, 1)} ms a frame, hardware encoder offered: ${wc.result.hardware}`);

    const offer = await page.evaluate(startWebRtc, { fps: FPS, bitrate: BITRATE });
    const answer = await viewer.evaluate(answerWebRtc, offer);
    const rtc = await measure(() => page.evaluate(encodeWithWebRtc, { ms: SECONDS * 1000, answer }));
    const r = rtc.result;
    console.log(`WebRTC: ${fmt(rtc.cpuPerS, 3)} CPU s/s; ${r.encoded} of ${r.frames} frames encoded at ${r.size} (${r.resolutionChanges} resolution changes, limited by ${r.limitation}), ${fmt(r.kbps, 0)} kb/s, ${fmt(r.meanMs, 1)} ms a frame, ${r.codec} by ${r.encoder ?? 'an encoder Chromium does not name to this page'}, hardware: ${r.hardware}`);

    const netWc = Math.max(0.001, wc.cpuPerS - draw.cpuPerS);
    const netRtc = Math.max(0.001, rtc.cpuPerS - draw.cpuPerS);
    console.log(`encoding alone (minus drawing): WebRTC ${fmt(netRtc, 3)} vs WebCodecs ${fmt(netWc, 3)} CPU s/s, ratio ${ratio(netRtc, netWc)}`);
    bench.record('cpu', { ours: netRtc, reference: netWc, note: `${SECONDS} s each, drawing (${fmt(draw.cpuPerS, 3)} CPU s/s) taken off; WebRTC ${r.codec} vs WebCodecs H.264, both in software here` });
    bench.record('frames', { ours: r.fullSize ? r.encoded : 0, reference: wc.result.chunks, note: `WebRTC sent ${r.size}; WebCodecs dropped ${wc.result.dropped} at its queue` });
    bench.record('encode', { ours: r.meanMs, reference: wc.result.meanMs });
  } finally {
    await browser.close().catch(() => undefined);
    await encoding.close().catch(() => undefined);
    await viewerBrowser.close().catch(() => undefined);
    server.close();
  }
}

try {
  await main();
} catch (error) {
  console.error(error);
  bench.fail(error);
} finally {
  await cleanup();
}
bench.finish();
