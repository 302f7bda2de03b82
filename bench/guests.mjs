#!/usr/bin/env node
// bench/guests: a guest's voice through the show to another guest, and what each guest costs the host.
//  ours   guest A (a beep every 2 s, made in its page) -> WHIP -> host relay -> the studio page (pull,
//         mixer) -> B's mix-minus over WHIP -> host -> B's return feed (WHEP) -> B's page hears it
//  floor  the same beeping page publishes over WHIP to a plain stream and B's page plays it over WHEP:
//         our own WHIP -> WHEP path, one hop, no studio in between
// Round trip: when B's page hears a beep (an onset in a 256-sample audio callback) less when A's page
// started it, on the same clock (one machine). CPU: the host's process tree over a window, per guest on
// the show (2 guests, studio pulls and return feeds running), against per stream of the floor (1 WHIP
// publisher, 1 WHEP viewer). Goals (issue "Guests on the show"): round trip p50 < 400 ms; host CPU per
// guest <= 1.0x the floor per stream. Needs Chromium; skips (exit 2) without it. BENCH_SHORT=1: fewer beeps.
/* global window, document, AudioContext, RTCPeerConnection, MediaStream */
import { chromium } from 'playwright-core';
import { cleanup, cpuMeter, fmt, percentile, ratio, sleep, startHost, waitFor } from './lib/live.mjs';
import { CHROMIUM_ARGS, chromiumPath } from './lib/peers.mjs';
import { defineBench } from './lib/report.mjs';
import { processTree } from '../test-support/machine.mjs';

const NAME = 'bench/guests';
const bench = defineBench(NAME, {
  roundTrip: { what: 'guest -> show -> guest round trip of a beep, p50 (WHIP -> WHEP floor beside it)', on: 'ours', op: '<', target: 400, unit: 'ms', digits: 0 },
  cpuPerGuest: { what: 'host CPU per guest on the show vs per WHIP -> WHEP stream', on: 'ratio', op: '<=', target: 1.0, unit: '% of a core', digits: 1 },
});
const BEEPS = bench.knob('BENCH_BEEPS', 30, 12);
const CPU_WINDOW_MS = bench.knob('BENCH_CPU_MS', 20_000, 10_000);
const BEEP_EVERY_MS = 2000;
bench.requires('chromium', 'build');

/** In a page, before its scripts: the microphone is a 1 kHz beep of 60 ms every 2 s, made here (window.__beeps: when each started, epoch ms). */
function beepingMicrophone(everyMs) {
  const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const video = constraints && constraints.video ? await real({ video: constraints.video }) : null;
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 1000;
    const gate = ctx.createGain();
    gate.gain.value = 0;
    const out = ctx.createMediaStreamDestination();
    osc.connect(gate).connect(out);
    osc.start();
    window.__beeps = [];
    const schedule = () => {
      const at = ctx.currentTime + 0.05;
      gate.gain.setValueAtTime(0.5, at);
      gate.gain.setValueAtTime(0, at + 0.06);
      window.__beeps.push(performance.timeOrigin + performance.now() + 50);
    };
    setInterval(schedule, everyMs);
    return new MediaStream([...(video ? video.getVideoTracks() : []), ...out.stream.getAudioTracks()]);
  };
}

/** In a page: onsets heard in `stream` (epoch ms), from a 256-sample callback's RMS rising past -30 dBFS after 300 ms under it. */
function listenForBeeps(selector) {
  const el = document.querySelector(selector);
  const ctx = new AudioContext();
  const node = ctx.createScriptProcessor(256, 1, 1);
  window.__heard = [];
  let quietSince = 0;
  node.onaudioprocess = (e) => {
    const x = e.inputBuffer.getChannelData(0);
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[i] * x[i];
    const loud = Math.sqrt(sum / x.length) > 0.03;
    const now = performance.timeOrigin + performance.now();
    if (loud && quietSince && now - quietSince > 300) window.__heard.push(now);
    if (loud) quietSince = 0;
    else if (!quietSince) quietSince = now;
  };
  ctx.createMediaStreamSource(el.srcObject).connect(node);
  node.connect(ctx.destination);
}

/** Each heard onset less the latest beep before it (within a beep interval): the round trips, ms. */
function roundTrips(beeps, heard) {
  const out = [];
  for (const h of heard) {
    const b = beeps.filter((t) => t <= h).at(-1);
    if (b !== undefined && h - b < BEEP_EVERY_MS) out.push(h - b);
  }
  return out;
}

/** Host CPU (% of one core) over the window. */
async function hostCpu(host) {
  const cpu = cpuMeter(() => processTree(host.proc.pid));
  const before = cpu.read();
  await sleep(CPU_WINDOW_MS);
  return ((cpu.read() - before) / (CPU_WINDOW_MS / 1000)) * 100;
}

async function guestPage(browser, url, beeping) {
  const page = await browser.newPage();
  if (beeping) await page.addInitScript(beepingMicrophone, BEEP_EVERY_MS);
  await page.goto(url);
  await page.getByTestId('guest-join').waitFor();
  await waitFor('devices open', () => page.getByTestId('guest-join').isEnabled(), 20_000);
  await page.getByTestId('guest-name').fill(beeping ? 'A' : 'B');
  await page.getByTestId('guest-join').click();
  return page;
}

let ours = { trips: [], cpu: NaN };
let floor = { trips: [], cpu: NaN };
let browser;
try {
  const host = await startHost();
  browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] });
  const login = /Sign in:\s+(\S+)/.exec(host.output())?.[1];
  if (!login) throw new Error('the host printed no sign-in link');

  // ---- floor: one WHIP publisher (the beeping page), one WHEP viewer ----
  const created = await host.api('POST', '/api/v1/streams', { name: 'floor', ladder: 'passthrough' });
  const publisher = await browser.newPage();
  await publisher.addInitScript(beepingMicrophone, BEEP_EVERY_MS);
  await publisher.goto(`${host.url}/healthz`);
  await publisher.evaluate(async ({ url, key }) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: true });
    const pc = new RTCPeerConnection();
    for (const t of media.getTracks()) pc.addTransceiver(t, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${key}` }, body: pc.localDescription.sdp });
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    window.__pc = pc;
  }, { url: `${host.url}/live/floor/whip`, key: created.json.key });
  const viewer = await browser.newPage();
  await viewer.goto(`${host.url}/healthz`);
  await waitFor('the floor stream live', async () => (await host.api('GET', '/api/v1/streams/floor')).json.state === 'live', 20_000);
  await viewer.evaluate(async (url) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const v = Object.assign(document.createElement('video'), { id: 'v', autoplay: true });
    document.body.append(v);
    const media = new MediaStream();
    pc.ontrack = (e) => {
      media.addTrack(e.track);
      v.srcObject = media;
    };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: pc.localDescription.sdp });
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  }, `${host.url}/live/floor/whep`);
  await waitFor('the floor viewer playing', () => viewer.evaluate(() => (document.getElementById('v').srcObject?.getAudioTracks().length ?? 0) > 0), 20_000);
  await sleep(2000);
  await viewer.evaluate(listenForBeeps, '#v');
  floor.cpu = await hostCpu(host);
  await sleep(Math.max(0, BEEPS * BEEP_EVERY_MS - CPU_WINDOW_MS));
  floor.trips = roundTrips(await publisher.evaluate(() => window.__beeps), await viewer.evaluate(() => window.__heard));
  await publisher.close();
  await viewer.close();
  await host.api('DELETE', '/api/v1/streams/floor');
  await sleep(2000);

  // ---- ours: two guests on the show, the studio between them ----
  await host.api('POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
  await host.api('PATCH', '/api/v1/scenes/studio', { stream: 'show' });
  const studio = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await studio.goto(login);
  await studio.getByTestId('page-dashboard').waitFor();
  await studio.goto(`${host.url}/#/studio`);
  await studio.getByTestId('page-studio').waitFor();
  const links = [];
  for (const name of ['A', 'B']) links.push((await host.api('POST', '/api/v1/streams/show/guests', { name })).json);
  const a = await guestPage(browser, links[0].url, true);
  const b = await guestPage(browser, links[1].url, false);
  for (const g of links) await host.api('POST', `/api/v1/streams/show/guests/${g.id}/admit`);
  const items = [];
  for (const g of links) {
    const src = (await host.api('POST', '/api/v1/scenes/sources', { name: `Guest ${g.name}`, settings: { kind: 'guest', guestId: g.id } })).json;
    items.push({ sourceId: src.id, x: 0, y: 0, width: 640, height: 360 });
  }
  const scene = (await host.api('POST', '/api/v1/scenes', { name: 'Talk', layout: 'side-by-side', items })).json;
  await host.api('PATCH', '/api/v1/scenes/studio', { programSceneId: scene.id, previewSceneId: scene.id });
  await waitFor("B's return feed", () => b.evaluate(() => (document.querySelector('[data-testid=guest-return]')?.srcObject?.getAudioTracks().length ?? 0) > 0), 40_000);
  await sleep(3000);
  await b.evaluate(listenForBeeps, '[data-testid=guest-return]');
  ours.cpu = (await hostCpu(host)) / 2;
  await sleep(Math.max(0, BEEPS * BEEP_EVERY_MS - CPU_WINDOW_MS));
  ours.trips = roundTrips(await a.evaluate(() => window.__beeps), await b.evaluate(() => window.__heard));
} catch (error) {
  bench.fail(error);
} finally {
  await browser?.close().catch(() => undefined);
  await cleanup();
}

const p50 = (xs) => percentile(xs, 50);
console.log(`${NAME}: round trip p50 ${fmt(p50(ours.trips), 0)} ms (p90 ${fmt(percentile(ours.trips, 90), 0)}, ${ours.trips.length} beeps); floor (WHIP -> WHEP) p50 ${fmt(p50(floor.trips), 0)} ms (${floor.trips.length} beeps); ratio ${ratio(p50(ours.trips), p50(floor.trips))}`);
console.log(`${NAME}: host CPU per guest ${fmt(ours.cpu, 1)} % of a core; per WHIP -> WHEP stream ${fmt(floor.cpu, 1)} %; ratio ${ratio(ours.cpu, floor.cpu)}`);
if (ours.trips.length > 0) bench.record('roundTrip', { ours: p50(ours.trips), reference: p50(floor.trips), note: `p90 ${fmt(percentile(ours.trips, 90), 0)} ms, ${ours.trips.length} beeps` });
if (Number.isFinite(ours.cpu)) bench.record('cpuPerGuest', { ours: ours.cpu, reference: floor.cpu, note: 'host process tree; 2 guests with studio pulls and return feeds vs 1 WHIP publisher and 1 WHEP viewer' });
bench.finish();
