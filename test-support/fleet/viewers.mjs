// A light viewer simulator: thousands of HLS viewers in one Node process, each behaving like hls.js
// closely enough to load a fleet as real players would, without decoding anything.
//  - Start: GET the playback API (the ordered edge list; the viewer's region first), the master
//    playlist on the first edge, a level by the ABR rule (abr.mjs), its media playlist and the audio
//    group's, the init segments, and the join position (3 segments back; LL: PART-HOLD-BACK back).
//  - Two loops per viewer, video and audio, each fetching the next segment (LL: the next part near the
//    live edge) once its playlist lists it, else reloading the playlist: at the playlist's pace (target
//    duration after a change, half of it otherwise, as hls.js) or, LL, with a blocking reload
//    (_HLS_msn/_HLS_part) for the next part.
//  - A simulated buffer: the playhead (a program date-time) advances in real time while both tracks
//    have media past it; it stalls when either runs out. Startup = first request to playing.
//  - Failover: the player page's rule (src-shared/edge-failover.ts, loaded from that source): a failed
//    request is tried again a second later; 2 failures within 10 s, a stall of 3 s on an edge it played
//    from (8 s on one it has not played from yet) move the viewer on: the playback order asked again,
//    the next edge that did not fail within the 30 s cooldown, opened again (master, playlists, init)
//    at the position reached. Requests still in flight on the edge left are aborted, not errors. Every
//    20-30 s the order is asked again and an edge no longer in it (drained) is left the same way, no failure.
//  - Errors: every request that failed (HTTP status other than 2xx, timeout, reset) on the edge the
//    viewer plays from. A playlist that loads but does not advance is no error: the viewer stalls once
//    it has played what it holds (counted as stalls and stalled time).
//  - Link delay: where the bed cannot delay packets (no netem), each request first waits the link's
//    round trip (`delayMs(edgeUrl)`).
// HTTP: node:http, one keep-alive agent per edge with a bounded socket pool, bodies counted, not kept.
import http from 'node:http';
import { FetchError, get, targetOf } from './http.mjs';
import { Viewer } from './viewer.mjs';

export { FetchError };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/**
 * How long after `since` (performance.now() ms) a viewer played again from an edge other than `left`:
 * playing, with media from that edge (Infinity: it did not).
 */
export function recoveryMs(viewer, since, left) {
  const moved = viewer.history.find((h) => h.at >= since && h.edge !== left && h.playingAt !== null);
  return moved ? moved.playingAt - since : Infinity;
}

/** Counters of one phase of a run (steady, kill, origin cut...). */
function newPhase(name) {
  return { name, startedAt: now(), requests: 0, bytes: 0, errors: 0, errorsLowLatency: 0, errorsByKind: {}, errorsByEdge: {}, stalls: 0, stalledMs: 0, playedMs: 0, failovers: 0, stallSwitches: 0, drainMoves: 0, samples: [], sampled: {}, streams: {} };
}

export class ViewerSim {
  /**
   * `playbackUrl`: GET /api/v1/cdn/streams/:name/playback of the host; `token`: its API token (sent
   * when given); `delayMs(edgeUrl)`: round trip to add before each request (0 where the network
   * delays packets itself); `lowLatencyShare`: share of viewers in LL mode (blocking reloads + parts);
   * `maxHeights`: picture caps given to viewers in turn (spreads them over the renditions); `regions`:
   * region hints given in turn; `maxSocketsPerEdge`. `add` may give a group of viewers another stream.
   */
  constructor({ playbackUrl, token, delayMs = () => 0, lowLatencyShare = 0, maxHeights = [Infinity], regions = [''], maxSocketsPerEdge = 2048 }) {
    Object.assign(this, { playbackUrl, token, delayMs, lowLatencyShare, maxHeights, regions, maxSocketsPerEdge });
    this.agents = new Map();
    this.edges = new Map();
    this.apiAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    this.viewers = [];
    this.phase = newPhase('start');
    this.phases = [this.phase];
    this.byEdge = new Map();
    this.stopped = false;
    this.regionQuery = true;
    this.cpu0 = process.cpuUsage();
    this.wall0 = now();
    // The player page checks its rule every 250 ms; one timer for every viewer here.
    this.watcher = setInterval(() => {
      for (const v of this.viewers) v.watch();
    }, 250);
    this.watcher.unref();
  }

  /**
   * An edge of the playback API with what each request needs worked out once: its agent, its link
   * delay, and where relative playlist URIs resolve (the master's folder).
   */
  edgeOf({ id, region, hls }) {
    const key = `${id} ${hls}`;
    let edge = this.edges.get(key);
    if (!edge) {
      const u = new URL(hls);
      let agent = this.agents.get(u.origin);
      if (!agent) {
        agent = new http.Agent({ keepAlive: true, maxSockets: this.maxSocketsPerEdge, maxFreeSockets: this.maxSocketsPerEdge, scheduling: 'lifo' });
        this.agents.set(u.origin, agent);
      }
      const host = u.hostname;
      const port = Number(u.port) || 80;
      const dir = u.pathname.slice(0, u.pathname.lastIndexOf('/') + 1);
      const master = { host, port, path: u.pathname + u.search };
      edge = {
        id, region, hls, agent, delay: this.delayMs(hls), master,
        /** A playlist-relative URI (what our playlists carry), else any URL. */
        target: (uri) => (/^[a-z]+:/i.test(uri) ? targetOf(uri) : { host, port, path: uri.startsWith('/') ? uri : dir + uri }),
      };
      this.edges.set(key, edge);
    }
    return edge;
  }

  edgeStats(edgeId) {
    let s = this.byEdge.get(edgeId);
    if (!s) this.byEdge.set(edgeId, (s = { requests: 0, bytes: 0, errors: 0 }));
    return s;
  }

  /** Starts a new phase of counters (the previous one keeps its figures). */
  markPhase(name) {
    for (const v of this.viewers) v.tick();
    this.phase.endedAt = now();
    this.phase = newPhase(name);
    this.phases.push(this.phase);
    return this.phase;
  }

  /** The ordered edge list for a viewer in `region`: the API's order, edges of the viewer's region first. */
  async playbackEdges(region, { playbackUrl = this.playbackUrl, timeoutMs = 10_000 } = {}) {
    const headers = this.token ? { authorization: `Bearer ${this.token}` } : {};
    const url = this.regionQuery && region ? `${playbackUrl}?region=${encodeURIComponent(region)}` : playbackUrl;
    const res = await get(this.apiAgent, targetOf(url), { timeoutMs, keep: true, headers });
    // An API that does not take the hint (400 on an unknown query field): ask without it from now on.
    if (res.status === 400 && url !== playbackUrl) {
      this.regionQuery = false;
      return this.playbackEdges(region, { playbackUrl, timeoutMs });
    }
    if (res.status !== 200) throw new FetchError(`http-${res.status}`, 'playback API');
    const edges = JSON.parse(res.text).edges.map((e) => this.edgeOf(e));
    return [...edges.filter((e) => e.region === region), ...edges.filter((e) => e.region !== region)];
  }

  /**
   * Adds `count` viewers, spread evenly over `rampMs`; resolves once all have started their run.
   * `playbackUrl` and `stream` (a label for the per-stream counters): the stream they watch (default:
   * the simulator's); `lowLatencyShare`: of this group (default: the simulator's).
   */
  async add(count, { rampMs = 0, playbackUrl = this.playbackUrl, stream = 'main', lowLatencyShare = this.lowLatencyShare } = {}) {
    const first = this.viewers.length;
    const t0 = now();
    for (let i = 0; i < count; i++) {
      // On a schedule, not a fixed sleep between viewers: a busy event loop makes sleeps overrun.
      const wait = t0 + (rampMs * i) / count - now();
      if (wait > 0) await sleep(wait);
      const n = first + i;
      const viewer = new Viewer(this, n, {
        lowLatency: lowLatencyShare > 0 && (i % Math.round(1 / lowLatencyShare)) === 0,
        stream,
        playbackUrl,
        region: this.regions[n % this.regions.length],
        // Not the same turn as the regions: every edge gets viewers of every picture cap.
        maxHeight: this.maxHeights[Math.floor(n / this.regions.length) % this.maxHeights.length],
      });
      this.viewers.push(viewer);
      viewer.run();
    }
  }

  /** Viewers still watching (not removed). */
  active() {
    return this.viewers.filter((v) => !v.gone);
  }

  /**
   * `count` of the viewers still watching leave, spread evenly over them (so over the edges they joined
   * at different times) and over `rampMs`; resolves once all have left.
   */
  async remove(count, { rampMs = 0 } = {}) {
    const active = this.active();
    const n = Math.min(count, active.length);
    const leaving = Array.from({ length: n }, (_, i) => active[Math.floor((i * active.length) / n)]);
    const t0 = now();
    for (let i = 0; i < leaving.length; i++) {
      const wait = t0 + (rampMs * i) / leaving.length - now();
      if (wait > 0) await sleep(wait);
      leaving[i].leave();
    }
  }

  /** This process's CPU use since the last call (share of one core), and the wall time it covers. */
  cpu() {
    const c = process.cpuUsage(this.cpu0);
    const wallMs = now() - this.wall0;
    this.cpu0 = process.cpuUsage();
    this.wall0 = now();
    return { share: (c.user + c.system) / 1000 / wallMs, wallMs };
  }

  async stop() {
    this.stopped = true;
    clearInterval(this.watcher);
    for (const v of this.viewers) v.tick();
    this.phase.endedAt = now();
    await sleep(50);
    for (const a of [...this.agents.values(), this.apiAgent]) a.destroy();
  }
}

