// A child of bench/soak: WebRTC viewers (werift in Node, bench/lib/webrtc.mjs nodeViewer: H.264
// received, RTP sequence numbers counted, nothing decoded) that come and go over WHEP. Each slot holds
// one viewer of one stream for a random `lifeS` seconds; it leaves by DELETE of its session (or, one in
// two, by just closing, as a closed tab does), and a new viewer takes the slot. A viewer without a
// packet for STALL_MS while its stream is up counts a stall and is replaced.
// It also times the WHIP publisher's returns: on {returning, stream, at} it watches for the first
// packet after `at`, from the slot's viewers that waited (the host parks them while a dropped WHIP
// publisher may come back) and from a new viewer asked for at once and again until it gets media.
// IPC: {init}, {state}, {returning}, {report} -> {report}, {stop} -> {stopped}; it sends {resumed}.
import { cutShortSleeps, seededRandom, Tally } from './soak-stats.mjs';
import { nodeViewer, whepSignal } from './webrtc.mjs';

const STALL_MS = 10_000;
/** How long a return is watched for before it is reported as never playing. */
const RETURN_WATCH_MS = 60_000;
let init;
let state = { streams: {} };
let stopping = false;
const slots = [];
const live = new Set();
let errors = new Tally();
let expected = new Tally();
let samples = [];
let sessions = 0;
let stalls = 0;
let loss = { expected: 0, lost: 0 };

const { sleep, end: wakeSleepers } = cutShortSleeps();

/** Why an error now on `stream` comes from the chaos (its publisher away or just back), or null. */
function chaosOf(stream) {
  const s = state.streams[stream];
  if (!s || !s.up) return 'publisher away';
  return Date.now() - s.since < init.graceMs ? 'publisher just back' : null;
}

/** "whep-404 STREAM_OFFLINE" from a failed WHEP POST, else the failure in a few words. */
function kindOf(error) {
  const text = String(error?.message ?? error);
  const m = /^WHEP (\d+): .*?"code":"([A-Z_]+)"/s.exec(text);
  if (m) return `whep-${m[1]} ${m[2]}`;
  const s = /^WHEP (\d+)/.exec(text);
  return s ? `whep-${s[1]}` : `whep ${text.split('\n')[0].slice(0, 60)}`;
}

function countError(stream, kind, detail) {
  const why = chaosOf(stream);
  if (why) expected.add(`${kind} (${why})`);
  else {
    errors.add(kind);
    if (samples.length < 8) samples.push(`${kind} ${stream}: ${detail.slice(0, 160)}`);
  }
}

async function leave(viewer, random) {
  live.delete(viewer);
  const l = viewer.loss();
  loss.expected += l.expected;
  loss.lost += l.lost;
  await viewer.close();
  if (random.next() < 0.5) await fetch(viewer.location, { method: 'DELETE', signal: AbortSignal.timeout(5000) }).catch(() => {});
}

async function runSlot(slot, random) {
  while (!stopping) {
    let viewer;
    try {
      viewer = await nodeViewer(whepSignal(slot.whepUrl));
    } catch (error) {
      countError(slot.stream, kindOf(error), String(error?.message ?? error));
      await sleep(2000);
      continue;
    }
    sessions++;
    viewer.stream = slot.stream;
    viewer.lastPacketAt = Date.now();
    viewer.lastCount = 0;
    live.add(viewer);
    const until = Date.now() + random.between(init.lifeS[0], init.lifeS[1]) * 1000;
    let windowed = false;
    while (!stopping && Date.now() < until) {
      await sleep(1000);
      const n = viewer.packets();
      if (n !== viewer.lastCount) {
        viewer.lastCount = n;
        viewer.lastPacketAt = Date.now();
        if (!windowed) {
          viewer.startWindow();
          windowed = true;
        }
      } else if (Date.now() - viewer.lastPacketAt > STALL_MS) {
        if (!chaosOf(slot.stream)) {
          stalls++;
          countError(slot.stream, 'whep no media for 10 s', `session ${viewer.location}`);
        }
        break;
      }
    }
    await leave(viewer, random);
  }
}

/** The first packet after `at` on `stream`: from a waiting viewer of the stream, or a new one. */
async function watchReturn(stream, whepUrl, at) {
  const deadline = at + RETURN_WATCH_MS;
  let found = null;
  let fresh = null;
  const counts = new Map([...live].filter((v) => v.stream === stream).map((v) => [v, v.packets()]));
  const asking = (async () => {
    while (!found && !stopping && Date.now() < deadline) {
      try {
        fresh = await nodeViewer(whepSignal(whepUrl));
        return;
      } catch {
        await sleep(300);
      }
    }
  })();
  while (!found && !stopping && Date.now() < deadline) {
    for (const [v, n] of counts) if (v.packets() > n) found = { at: Date.now(), via: 'a viewer that waited' };
    if (!found && fresh && fresh.packets() > 0) found = { at: Date.now(), via: 'a new viewer' };
    if (!found) await new Promise((r) => setTimeout(r, 20));
  }
  await asking;
  if (fresh) await fresh.close();
  process.send({ type: 'resumed', stream, restartAt: at, firstPacketAt: found?.at ?? null, via: found?.via ?? null });
}

function report() {
  const viewers = [...live];
  const out = {
    type: 'report',
    active: viewers.length,
    withMedia: viewers.filter((v) => Date.now() - v.lastPacketAt < 3000 && v.lastCount > 0).length,
    sessions,
    stalls,
    loss,
    errors: errors.counts,
    expected: expected.counts,
    samples,
    cpu: process.cpuUsage(),
  };
  errors = new Tally();
  expected = new Tally();
  samples = [];
  sessions = 0;
  stalls = 0;
  loss = { expected: 0, lost: 0 };
  return out;
}

process.on('message', async (msg) => {
  if (msg.type === 'init') {
    init = msg;
    msg.slots.forEach((slot, i) => slots.push(sleep((i * msg.rampMs) / msg.slots.length).then(() => runSlot(slot, seededRandom(msg.seed + i + 1)))));
    process.send({ type: 'ready' });
  } else if (msg.type === 'state') {
    state = msg;
  } else if (msg.type === 'returning') {
    void watchReturn(msg.stream, msg.whepUrl, msg.at);
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
