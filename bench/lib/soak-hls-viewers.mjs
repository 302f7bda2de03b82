// A child of bench/soak: HLS viewers that come and go. Each slot holds one viewer of the fleet's viewer
// simulator (test-support/fleet: hls.js-like ABR, playlist pace, LL-HLS blocking reloads and parts, a
// playback buffer, the player page's failover between edges), alone in its own simulator so that it has
// its own connections and can leave: it lives a random `lifeS` seconds, leaves, and a new viewer takes
// the slot. A slot watches one stream, from the origin or through the edges (the playback API's order).
// Errors are sorted as the parent's state says: while a stream's publisher is away or an edge is down
// (and `graceMs` after it is back) they are expected; any other is counted as an error.
// IPC: {init}, {state}, {report} -> {report}, {stop} -> {stopped}.
import { FetchError, ViewerSim } from '../../test-support/fleet/viewers.mjs';
import { cutShortSleeps, seededRandom, Tally } from './soak-stats.mjs';

let init;
let state = { streams: {}, edges: {} };
let stopping = false;
const sims = new Set();
const done = { requests: 0, bytes: 0, stalls: 0, stalledMs: 0, playedMs: 0, failovers: 0, stallSwitches: 0 };
let last = { ...done };
let errors = new Tally();
let expected = new Tally();
let fatal = new Tally();
let samples = [];
let sampled = new Tally();
let started = 0;
let startups = [];
const slots = [];

const { sleep, end: wakeSleepers } = cutShortSleeps();

/**
 * Why an error now on `stream` through `edge` comes from the chaos (its publisher away or just back, the
 * edge down or just back in rotation), or null when it does not.
 */
function chaosOf(stream, edge) {
  const now = Date.now();
  const s = state.streams[stream];
  if (!s || !s.up) return 'publisher away';
  if (now - s.since < init.graceMs) return 'publisher just back';
  if (edge && edge !== 'origin') {
    const e = state.edges[edge];
    if (!e || !e.up) return 'edge down';
    if (now - e.since < init.graceMs) return 'edge just back';
  }
  return null;
}

function watchErrors(sim, viewer, slot) {
  const fetch = viewer.fetch.bind(viewer);
  viewer.fetch = async (uri, options) => {
    const edge = viewer.edge?.id;
    try {
      return await fetch(uri, options);
    } catch (error) {
      // A viewer that leaves drops what it was fetching: its own doing, not the server's.
      if (error instanceof FetchError && !sim.stopped) {
        const kind = `hls ${error.kind}`;
        const why = chaosOf(slot.stream, edge);
        if (why) expected.add(`${kind} (${why})`);
        else {
          errors.add(kind);
          const what = uri === null ? 'master' : String(uri).split('?')[0].split('/').slice(-1)[0];
          sampled.add(kind);
          if (sampled.counts[kind] <= 3) samples.push(`${kind} ${slot.stream} ${slot.ll ? 'LL' : 'standard'} via ${edge}, ${what}${String(uri).includes('_HLS_msn') ? ' (blocking)' : ''}: ${error.message.slice(0, 120)}`);
        }
      }
      throw error;
    }
  };
}

const add = (into, phase) => {
  for (const k of Object.keys(done)) into[k] += phase[k] ?? 0;
};

async function runSlot(slot, random) {
  while (!stopping) {
    const sim = new ViewerSim({ playbackUrl: slot.playbackUrl, maxHeights: [slot.maxHeight ?? Infinity] });
    if (slot.via === 'origin') sim.playbackEdges = async () => [sim.edgeOf({ id: 'origin', region: '', hls: slot.originHls })];
    sims.add(sim);
    await sim.add(1, { stream: slot.stream, playbackUrl: slot.playbackUrl, lowLatencyShare: slot.ll ? 1 : 0 });
    started++;
    const viewer = sim.viewers[0];
    watchErrors(sim, viewer, slot);
    await sleep(random.between(init.lifeS[0], init.lifeS[1]) * 1000);
    await sim.stop();
    if (viewer.startupMs !== null) startups.push(viewer.startupMs);
    if (viewer.fatal) {
      const why = chaosOf(slot.stream, viewer.edge?.id);
      (why ? expected : fatal).add(`hls viewer gave up: ${viewer.fatal.slice(0, 80)}${why ? ` (${why})` : ''}`);
    }
    sims.delete(sim);
    add(done, sim.phase);
  }
}

function totals() {
  const t = { ...done };
  for (const sim of sims) add(t, sim.phase);
  return t;
}

function report() {
  const t = totals();
  const delta = Object.fromEntries(Object.keys(t).map((k) => [k, t[k] - last[k]]));
  last = t;
  const viewers = [...sims].flatMap((s) => s.viewers);
  const out = {
    type: 'report',
    active: viewers.length,
    playing: viewers.filter((v) => v.playing).length,
    ...delta,
    errors: errors.counts,
    expected: expected.counts,
    fatal: fatal.counts,
    samples,
    started,
    startups,
    cpu: process.cpuUsage(),
  };
  errors = new Tally();
  expected = new Tally();
  fatal = new Tally();
  samples = [];
  sampled = new Tally();
  started = 0;
  startups = [];
  return out;
}

process.on('message', async (msg) => {
  if (msg.type === 'init') {
    init = msg;
    // Joins spread over the first seconds, as an audience arrives.
    msg.slots.forEach((slot, i) => slots.push(sleep((i * msg.rampMs) / msg.slots.length).then(() => runSlot(slot, seededRandom(msg.seed + i + 1)))));
    process.send({ type: 'ready' });
  } else if (msg.type === 'state') {
    state = msg;
  } else if (msg.type === 'report') {
    process.send(report());
  } else if (msg.type === 'stop') {
    stopping = true;
    wakeSleepers();
    await Promise.all(slots);
    process.send({ ...report(), type: 'stopped' });
    setTimeout(() => process.exit(0), 100);
  }
});
process.on('disconnect', () => process.exit(0));
