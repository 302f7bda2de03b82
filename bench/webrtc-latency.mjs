#!/usr/bin/env node
// bench/webrtc-latency: glass-to-glass latency of WebRTC playback (WHEP) at 720p30, against the floor
// measured in the same run: the same kind of frames sent by ffmpeg as plain RTP straight into a
// werift track and on to the browser (no Path, no FLV, no repacketizing).
//  floor          ffmpeg (x264 ultrafast zerolatency, barcode) -> RTP -> werift track -> Chromium
//  RTMP -> WHEP   ffmpeg (same, FLV over RTMP) -> host Path -> H.264 repacketized -> Chromium
//  WHIP -> WHEP   Chromium canvas (barcode drawn each 10 ms, captureStream 30 fps) -> WHIP -> host SFU -> Chromium,
//                 once with webrtc.twcc off (the default) and once on: the publisher's bandwidth estimate
//                 (availableOutgoingBitrate) and sent frame width after the run say what TWCC does to Chrome.
// The barcode is the sender's wall clock in ms (bench/lib/live.mjs BARCODE); the viewer page decodes
// it in a video frame callback and subtracts it from Date.now(). SAMPLES samples after SETTLE_MS.
// Goals (as printed before): p50 within 1.3x of the floor and under 150 ms, judged for the two default
// paths, RTMP -> WHEP and WHIP -> WHEP with twcc off; twcc on is measured and shown, not judged.
// Needs ffmpeg and Chromium; skips (exit 2) without them. BENCH_SHORT=1: 20 samples each.
/* global window, document, RTCPeerConnection -- functions passed to page.evaluate run in the browser */
import { BARCODE, cleanup, fmt, percentile, ratio, sleep, startHost, startPublisher } from './lib/live.mjs';
import { launchPlayer, offerOf, watch } from './lib/player.mjs';
import { defineBench } from './lib/report.mjs';
import { startFloorRelay, whepSignal } from './lib/webrtc.mjs';

const NAME = 'bench/webrtc-latency';
const bench = defineBench(NAME, {
  rtmpP50: { what: 'glass-to-glass p50, RTMP -> WHEP (floor beside it)', on: 'ours', op: '<', target: 150, unit: 'ms', digits: 0 },
  rtmpVsFloor: { what: 'glass-to-glass p50, RTMP -> WHEP vs the floor', on: 'ratio', op: '<=', target: 1.3, unit: 'ms', digits: 0 },
  whipP50: { what: 'glass-to-glass p50, WHIP -> WHEP, twcc off (floor beside it)', on: 'ours', op: '<', target: 150, unit: 'ms', digits: 0 },
  whipVsFloor: { what: 'glass-to-glass p50, WHIP -> WHEP, twcc off vs the floor', on: 'ratio', op: '<=', target: 1.3, unit: 'ms', digits: 0 },
});
const SAMPLES = bench.knob('BENCH_SAMPLES', 60, 20);
const SETTLE_MS = 3000;
bench.requires('ffmpeg', 'chromium', 'build');

/** A WHIP publisher in `page`: a 1280x720 canvas with the wall-clock barcode, 30 fps. */
async function publishCanvas(page, whipUrl, key) {
  await page.evaluate(async (B) => {
    const canvas = document.createElement('canvas');
    canvas.width = 1280;
    canvas.height = 720;
    document.body.append(canvas);
    const ctx = canvas.getContext('2d');
    const draw = () => {
      const code = Date.now() % 2 ** B.bits;
      ctx.fillStyle = '#404858';
      ctx.fillRect(0, 0, 1280, 720);
      ctx.fillStyle = '#000';
      ctx.fillRect(B.x0 - 8, B.y0 - 8, B.bits * B.blockW + 16, B.blockH + 16);
      ctx.fillStyle = '#fff';
      for (let k = 0; k < B.bits; k++) if (Math.floor(code / 2 ** k) % 2 === 1) ctx.fillRect(B.x0 + k * B.blockW, B.y0, B.blockW, B.blockH);
    };
    draw();
    setInterval(draw, 10);
    const stream = canvas.captureStream(30);
    const pc = new RTCPeerConnection();
    const t = pc.addTransceiver(stream.getVideoTracks()[0], { direction: 'sendonly' });
    const params = t.sender.getParameters();
    params.degradationPreference = 'maintain-resolution';
    await t.sender.setParameters(params).catch(() => {});
    window.publisherPc = pc;
  }, BARCODE);
  const offer = await offerOf(page, 'publisherPc');
  const res = await fetch(whipUrl, { method: 'POST', headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` }, body: offer });
  const sdp = await res.text();
  if (res.status !== 201) throw new Error(`WHIP ${res.status}: ${sdp}`);
  await page.evaluate((answer) => window.publisherPc.setRemoteDescription({ type: 'answer', sdp: answer }), sdp);
}

/** The WHIP publisher's view: Chrome's bandwidth estimate and what it sends. */
async function publisherStats(page) {
  return page.evaluate(async () => {
    const out = { estimateKbps: NaN, sentWidth: 0, sentKbps: NaN };
    (await window.publisherPc.getStats()).forEach((s) => {
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) out.estimateKbps = s.availableOutgoingBitrate / 1000;
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.sentWidth = s.frameWidth ?? 0;
    });
    return out;
  });
}

async function measure(page) {
  await page.waitForFunction(() => document.getElementById('v').videoWidth > 0, null, { timeout: 30_000 });
  await sleep(SETTLE_MS);
  const r = await page.evaluate((n) => window.sampleLatency(n, 150, 40_000), SAMPLES);
  const width = await page.evaluate(() => document.getElementById('v').videoWidth);
  return { p50: percentile(r.samples, 50), p90: percentile(r.samples, 90), n: r.samples.length, bad: r.bad, width };
}

let player = null;
const results = [];
try {
  player = await launchPlayer();
  {
    const floor = await startFloorRelay({ barcode: true });
    const page = await player.page();
    await watch(page, async (offer) => ({ sdp: await floor.answer(offer) }));
    results.push({ label: 'floor: ffmpeg RTP -> werift track', ...(await measure(page)) });
    await page.close();
    await floor.stop();
  }
  for (const twcc of [false, true]) {
    const host = await startHost({ env: { STREAMS_WEBRTC_TWCC: String(twcc) } });
    try {
      if (!twcc) await rtmpScenario(host);
      const created = await host.api('POST', '/api/v1/streams', { name: 'bench-whip', ladder: 'passthrough' });
      const publisher = await player.page();
      await publishCanvas(publisher, `${host.url}/live/bench-whip/whip`, created.json.key);
      await sleep(1500);
      const viewer = await player.page();
      await watch(viewer, whepSignal(`${host.url}/live/bench-whip/whep`));
      const r = await measure(viewer);
      results.push({ label: `WHIP -> WHEP (ours, twcc ${twcc ? 'on' : 'off'})`, ...r, publisher: await publisherStats(publisher) });
      await viewer.close();
      await publisher.close();
    } finally {
      await host.stop();
    }
  }
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await player?.close();
  await cleanup();
}

async function rtmpScenario(host) {
  {
    const rtmp = await host.createStream('bench-rtmp', 'passthrough');
    const pub = startPublisher(rtmp.publishUrl, { barcode: true });
    await sleep(2500);
    const page = await player.page();
    await watch(page, whepSignal(`${host.url}/live/bench-rtmp/whep`));
    results.push({ label: 'RTMP -> WHEP (ours)', ...(await measure(page)) });
    await page.close();
    pub.kill('SIGTERM');
  }
}

const floor = results.find((r) => r.label.startsWith('floor'));
if (floor) {
  console.log(`\n${NAME}: glass-to-glass at 720p30 (ms, ${SAMPLES} samples each; width = decoded frame width)`);
  console.log('scenario                              p50      p90   samples  width   p50 / floor');
  for (const r of results) {
    console.log(`${r.label.padEnd(36)} ${fmt(r.p50, 0).padStart(5)}   ${fmt(r.p90, 0).padStart(6)}   ${String(r.n).padStart(7)}  ${String(r.width).padStart(5)}   ${r === floor ? '(floor)' : ratio(r.p50, floor.p50)}`);
  }
  console.log(`goal: p50 within ${bench.goals.rtmpVsFloor.target}x of the floor and under ${bench.goals.rtmpP50.target} ms (RTMP -> WHEP, WHIP -> WHEP twcc off)`);
  for (const r of results.filter((x) => x.publisher)) {
    console.log(`${r.label}: publisher estimate ${fmt(r.publisher.estimateKbps, 0)} kb/s, sending ${r.publisher.sentWidth} px wide`);
  }
  for (const [label, p50Goal, ratioGoal] of [
    ['RTMP -> WHEP (ours)', 'rtmpP50', 'rtmpVsFloor'],
    ['WHIP -> WHEP (ours, twcc off)', 'whipP50', 'whipVsFloor'],
  ]) {
    const r = results.find((x) => x.label === label);
    if (!r) continue;
    bench.record(p50Goal, { ours: r.p50, reference: floor.p50, note: `p90 ${fmt(r.p90, 0)} ms, ${r.n} samples` });
    bench.record(ratioGoal, { ours: r.p50, reference: floor.p50, note: `floor p90 ${fmt(floor.p90, 0)} ms` });
  }
}
bench.finish();
