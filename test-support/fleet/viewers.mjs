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
//  - Failover: an error (HTTP status, timeout, reset) or a stall longer than `stallFailoverMs` moves the
//    viewer to the next edge of its list, keeping its position (same media sequence and part).
//  - Link delay: where the bed cannot delay packets (no netem), each request first waits the link's
//    round trip (`delayMs(edgeUrl)`).
// HTTP: node:http, one keep-alive agent per edge with a bounded socket pool, bodies counted, not kept.
import http from 'node:http';
import { FetchError, get, targetOf } from './http.mjs';
import { Viewer } from './viewer.mjs';

export { FetchError };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** Counters of one phase of a run (steady, kill, origin cut...). */
function newPhase(name) {
  return { name, startedAt: now(), requests: 0, bytes: 0, errors: 0, errorsLowLatency: 0, errorsByKind: {}, errorsByEdge: {}, stalls: 0, stalledMs: 0, playedMs: 0, failovers: 0, stallSwitches: 0, samples: [], sampled: {} };
}

export class ViewerSim {
  /**
   * `playbackUrl`: GET /api/v1/cdn/streams/:name/playback of the host; `token`: its API token (sent
   * when given); `delayMs(edgeUrl)`: round trip to add before each request (0 where the network
   * delays packets itself); `lowLatencyShare`: share of viewers in LL mode (blocking reloads + parts);
   * `maxHeights`: picture caps given to viewers in turn (spreads them over the renditions); `regions`:
   * region hints given in turn; `stallFailoverMs`; `maxSocketsPerEdge`.
   */
  constructor({ playbackUrl, token, delayMs = () => 0, lowLatencyShare = 0, maxHeights = [Infinity], regions = [''], stallFailoverMs = 2000, maxSocketsPerEdge = 2048 }) {
    Object.assign(this, { playbackUrl, token, delayMs, lowLatencyShare, maxHeights, regions, stallFailoverMs, maxSocketsPerEdge });
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
  async playbackEdges(region) {
    const headers = this.token ? { authorization: `Bearer ${this.token}` } : {};
    const url = this.regionQuery && region ? `${this.playbackUrl}?region=${encodeURIComponent(region)}` : this.playbackUrl;
    const res = await get(this.apiAgent, targetOf(url), { timeoutMs: 10_000, keep: true, headers });
    // An API that does not take the hint (400 on an unknown query field): ask without it from now on.
    if (res.status === 400 && url !== this.playbackUrl) {
      this.regionQuery = false;
      return this.playbackEdges(region);
    }
    if (res.status !== 200) throw new FetchError(`http-${res.status}`, 'playback API');
    const edges = JSON.parse(res.text).edges.map((e) => this.edgeOf(e));
    return [...edges.filter((e) => e.region === region), ...edges.filter((e) => e.region !== region)];
  }

  /** Adds `count` viewers, spread evenly over `rampMs`; resolves once all have started their run. */
  async add(count, { rampMs = 0 } = {}) {
    const first = this.viewers.length;
    const t0 = now();
    for (let i = 0; i < count; i++) {
      // On a schedule, not a fixed sleep between viewers: a busy event loop makes sleeps overrun.
      const wait = t0 + (rampMs * i) / count - now();
      if (wait > 0) await sleep(wait);
      const n = first + i;
      const viewer = new Viewer(this, n, {
        lowLatency: this.lowLatencyShare > 0 && (n % Math.round(1 / this.lowLatencyShare)) === 0,
        region: this.regions[n % this.regions.length],
        maxHeight: this.maxHeights[n % this.maxHeights.length],
      });
      this.viewers.push(viewer);
      viewer.run();
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
    for (const v of this.viewers) v.tick();
    this.phase.endedAt = now();
    await sleep(50);
    for (const a of [...this.agents.values(), this.apiAgent]) a.destroy();
  }
}

