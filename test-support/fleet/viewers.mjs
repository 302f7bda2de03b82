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
import { BandwidthEstimator, chooseLevel } from './abr.mjs';
import { joinPosition, liveEdgePdt, parseMaster, parseMedia } from './hls.mjs';

/** How long an edge that failed a request is passed over (longer than the origin takes to drop a dead edge). */
const FAILED_MS = 30_000;
/** A failover asks the playback API for a fresh edge list when the one it has is older than this. */
const LIST_REFRESH_MS = 5_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

export class FetchError extends Error {
  constructor(kind, detail) {
    super(`${kind}${detail ? `: ${detail}` : ''}`);
    this.kind = kind;
  }
}

/** A stall went on too long: move on without counting an error. */
class StallSwitch extends Error {}

function classify(error) {
  if (error instanceof FetchError) return error;
  const code = error?.code ?? '';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|aborted/i.test(error?.message ?? '')) return new FetchError('reset', code || error.message);
  return new FetchError('other', code || error?.message);
}

/**
 * GET `target` ({ host, port, path }) through `agent`; resolves { status, bytes, ms, text } (text only
 * when `keep`), rejects with a FetchError.
 */
function get(agent, target, { timeoutMs, keep = false, headers }) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let done = false;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn(value);
    };
    let answered = false;
    const req = http.get({ host: target.host, port: target.port, path: target.path, agent, headers }, (res) => {
      answered = true;
      let bytes = 0;
      const chunks = keep ? [] : null;
      res.on('data', (c) => {
        bytes += c.length;
        if (chunks) chunks.push(c);
      });
      res.on('end', () => finish(resolve, { status: res.statusCode, bytes, ms: now() - t0, text: chunks ? Buffer.concat(chunks).toString('utf8') : null }));
      res.on('error', (e) => finish(reject, classify(e)));
      res.on('close', () => {
        if (!res.complete) finish(reject, new FetchError('reset', 'response cut short'));
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(reject, new FetchError('timeout', `${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => {
      // A kept-alive connection the server closed as the request left (idle timeout, graceful reload):
      // browsers and undici send an idempotent request again on a new connection, and so do we.
      if (!answered && req.reusedSocket && e.code === 'ECONNRESET' && !done) {
        done = true;
        clearTimeout(timer);
        get(agent, target, { timeoutMs, keep, headers }).then(resolve, reject);
        return;
      }
      finish(reject, classify(e));
    });
  });
}

/** { host, port, path } of an absolute URL. */
function targetOf(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) || 80, path: u.pathname + u.search };
}

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

/** One simulated player. */
class Viewer {
  constructor(sim, n, { lowLatency, region, maxHeight }) {
    Object.assign(this, { sim, n, lowLatency, region, maxHeight });
    this.estimator = new BandwidthEstimator();
    this.edges = [];
    this.edgeIndex = 0;
    this.edgeSince = 0;
    this.failedAt = new Map();
    this.tracks = [];
    this.startAt = now();
    this.startupMs = null;
    this.playing = false;
    this.playhead = null;
    this.lastTick = now();
    this.stalledSince = null;
    this.stalls = 0;
    this.stalledMs = 0;
    this.playedMs = 0;
    this.errors = 0;
    this.requests = 0;
    this.bytes = 0;
    this.latencies = [];
    /** [{ edge, at, reason, firstMediaAt }]: where it played and when media came from there first. */
    this.history = [];
    this.fatal = null;
    this.level = -1;
    this.startPdt = null;
    this.listAt = 0;
    this.failing = null;
  }

  get edge() {
    return this.edges[this.edgeIndex];
  }

  async run() {
    try {
      this.edges = await this.withRetry(() => this.sim.playbackEdges(this.region));
      this.listAt = now();
      if (this.edges.length === 0) throw new FetchError('no-edge', 'the playback API listed no edge');
      this.switchTo(0, 'start');
      await this.withFailover(() => this.open());
      await Promise.all(this.tracks.map((t) => this.trackLoop(t)));
    } catch (error) {
      if (!this.sim.stopped) this.fatal = String(error.message ?? error);
    }
  }

  async withRetry(fn, attempts = 5) {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (error) {
        if (i + 1 >= attempts || this.sim.stopped) throw error;
        await sleep(500 * (i + 1));
      }
    }
  }

  switchTo(index, reason) {
    this.edgeIndex = index;
    this.edgeSince = now();
    this.history.push({ edge: this.edge.id, at: now(), reason, firstMediaAt: null });
  }

  /** Runs `fn` on the current edge; on an error (or a long stall) moves to the next edge and runs it again. */
  async withFailover(fn) {
    for (;;) {
      if (this.sim.stopped) throw new Error('stopped');
      const edgeIndex = this.edgeIndex;
      try {
        return await fn();
      } catch (error) {
        if (this.sim.stopped) throw error;
        const stall = error instanceof StallSwitch;
        if (!stall && !(error instanceof FetchError)) throw error;
        // One failover at a time: the other track's loop waits for it instead of skipping an edge.
        if (this.failing) await this.failing;
        else if (edgeIndex === this.edgeIndex) {
          this.failing = this.failover(stall ? 'stall' : error.kind).finally(() => (this.failing = null));
          await this.failing;
        }
      }
    }
  }

  /**
   * The next edge of the list that has not failed in the last FAILED_MS, at once; the list itself is
   * asked for again in the background now and then (as a player page does on failover), so that an
   * edge the origin took out of rotation (dead, draining) stops being offered.
   */
  async failover(reason) {
    const failed = this.edge;
    if (reason !== 'stall') this.failedAt.set(failed.id, now());
    if (reason === 'stall') this.sim.phase.stallSwitches++;
    else this.sim.phase.failovers++;
    if (now() - this.listAt > LIST_REFRESH_MS) {
      this.listAt = now();
      this.sim.playbackEdges(this.region).then(
        (edges) => {
          if (edges.length === 0 || this.sim.stopped) return;
          const current = this.edge;
          const at = edges.findIndex((e) => e.id === current.id);
          // The edge in use stays in use (first of the new list when the origin no longer lists it).
          this.edges = at >= 0 ? edges : [current, ...edges];
          this.edgeIndex = Math.max(0, at);
        },
        () => {}, // keep the list we have
      );
    }
    for (let k = 1; k <= this.edges.length; k++) {
      const i = (this.edgeIndex + k) % this.edges.length;
      const t = this.failedAt.get(this.edges[i].id);
      if (t === undefined || now() - t > FAILED_MS) {
        this.switchTo(i, reason);
        return;
      }
    }
    // Every edge failed lately: wait a little, ask for the list again, and start over.
    await sleep(500);
    try {
      const edges = await this.sim.playbackEdges(this.region);
      if (edges.length > 0) {
        this.edges = edges;
        this.edgeIndex = 0;
      }
    } catch {
      // keep the list we have
    }
    this.failedAt.clear();
    this.switchTo((Math.max(0, this.edges.findIndex((e) => e.id === failed.id)) + 1) % this.edges.length, reason);
  }

  /** One request to the current edge, counted; throws FetchError on a transport error or a non-2xx answer. */
  async fetch(uri, { keep = false, timeoutMs, mediaSec = 0 }) {
    const edge = this.edge;
    const target = uri === null ? edge.master : edge.target(uri);
    const delay = edge.delay;
    if (delay > 0) await sleep(delay);
    const phase = this.sim.phase;
    const es = this.sim.edgeStats(edge.id);
    this.requests++;
    phase.requests++;
    es.requests++;
    try {
      const res = await get(edge.agent, target, { timeoutMs, keep });
      this.bytes += res.bytes;
      phase.bytes += res.bytes;
      es.bytes += res.bytes;
      if (res.status < 200 || res.status > 299) throw new FetchError(`http-${res.status}`, target.path);
      if (mediaSec > 0) this.estimator.sample(res.ms + delay, res.bytes, mediaSec);
      return res;
    } catch (error) {
      const e = error instanceof FetchError ? error : classify(error);
      // The phase when the error came (a kill fails requests that started before it).
      const phase = this.sim.phase;
      this.errors++;
      phase.errors++;
      if (this.lowLatency) phase.errorsLowLatency++;
      phase.errorsByKind[e.kind] = (phase.errorsByKind[e.kind] ?? 0) + 1;
      phase.errorsByEdge[edge.id] = (phase.errorsByEdge[edge.id] ?? 0) + 1;
      // A few examples of each kind of error, for the report.
      const sampleKey = `${e.kind} ${this.lowLatency}`;
      phase.sampled[sampleKey] = (phase.sampled[sampleKey] ?? 0) + 1;
      if (phase.sampled[sampleKey] <= 2) phase.samples.push(`${e.kind}: ${this.lowLatency ? 'LL' : 'standard'} viewer, ${edge.id} ${target.path.replace(/\?.*/, '')}${target.path.includes('_HLS_msn') ? ' (blocking)' : ''}`);
      es.errors++;
      throw e;
    }
  }

  /** Reloads a track's playlist; `blockFor` (a position): a blocking reload that answers once it is listed. */
  async loadMedia(track, blockFor = null) {
    let uri = track.uri;
    const blocking = blockFor !== null;
    if (blocking) {
      const sep = uri.includes('?') ? '&' : '?';
      uri = `${uri}${sep}_HLS_msn=${blockFor.msn}&_HLS_part=${blockFor.part}`;
    }
    const target = track.media?.targetDuration || 2;
    const res = await this.fetch(uri, { keep: true, timeoutMs: blocking ? Math.max(10_000, target * 3000) : 10_000 });
    const media = parseMedia(res.text, { parts: this.lowLatency });
    // A reload that started before a level switch answers for the old level: keep the new one.
    if (track.uri !== uri.split(/[?&]_HLS_msn=/)[0]) return { changed: false, ms: res.ms };
    const changed = !track.media || media.segments.at(-1)?.msn !== track.media.segments.at(-1)?.msn || media.segments.at(-1)?.parts.length !== track.media.segments.at(-1)?.parts.length;
    track.media = media;
    return { changed, ms: res.ms };
  }

  async fetchInit(track) {
    if (track.media.map && !track.inits.has(track.uri)) {
      await this.fetch(track.media.map, { timeoutMs: 10_000 });
      track.inits.add(track.uri);
    }
  }

  /** Master, level, media playlists, init segments, join positions. */
  async open() {
    const master = parseMaster((await this.fetch(null, { keep: true, timeoutMs: 10_000 })).text);
    if (master.variants.length === 0) throw new FetchError('bad-master', 'no variant');
    this.variants = master.variants;
    this.level = chooseLevel(this.variants, { current: -1, estimate: this.estimator.estimate, bufferSec: 0, segmentSec: 2, maxHeight: this.maxHeight });
    const track = (kind, uri) => ({ kind, uri, media: null, pos: null, start: null, end: null, inits: new Set(), pending: null });
    const video = track('video', this.variants[this.level].uri);
    this.tracks = [video];
    if (master.audio) this.tracks.push(track('audio', master.audio));
    await Promise.all(this.tracks.map((t) => this.loadMedia(t)));
    const join = joinPosition(video.media, { lowLatency: this.lowLatency });
    if (!join) throw new FetchError('empty-playlist', video.uri);
    video.pos = join;
    // LL: the join fetches from the independent part before the hold-back point, and playback starts
    // at that point (hls.js seeks to its live sync position), not at the keyframe.
    const edgePdt = liveEdgePdt(video.media);
    this.startPdt = this.lowLatency && edgePdt !== null ? edgePdt - (video.media.partHoldBack || video.media.partTarget * 3) * 1000 : null;
    const joinPdt = this.pdtAt(video, join);
    for (const t of this.tracks.slice(1)) t.pos = this.positionAt(t, joinPdt) ?? joinPosition(t.media, { lowLatency: this.lowLatency });
    await Promise.all(this.tracks.map((t) => this.fetchInit(t)));
  }

  /** Program date-time (ms) at `pos` of a track's playlist (null when it does not list it). */
  pdtAt(track, pos) {
    const seg = track.media.segments.find((s) => s.msn === pos.msn);
    if (!seg || seg.pdt === null) return null;
    let t = seg.pdt;
    for (let p = 0; p < pos.part && p < seg.parts.length; p++) t += seg.parts[p].duration * 1000;
    return t;
  }

  /** The position of a track covering program date-time `pdt` (part 0 of the segment holding it). */
  positionAt(track, pdt) {
    if (pdt === null) return null;
    const seg = track.media.segments.find((s) => s.pdt !== null && s.pdt <= pdt && pdt < s.pdt + Math.max(s.duration, s.parts.reduce((a, p) => a + p.duration, 0)) * 1000);
    return seg ? { msn: seg.msn, part: 0 } : null;
  }

  /** What to fetch next on `track`: { uri, sec, pdt, next } or null when the playlist does not list it yet. */
  nextItem(track) {
    const media = track.media;
    const first = media.segments[0];
    if (first && track.pos.msn < first.msn) {
      // Fell out of the window (a long stall or failover): rejoin the live edge, as a player does.
      track.pos = joinPosition(media, { lowLatency: this.lowLatency }) ?? track.pos;
    }
    const seg = media.segments.find((s) => s.msn === track.pos.msn);
    if (!seg) return null;
    const { part } = track.pos;
    if (seg.uri !== null && part > 0 && part >= seg.parts.length && seg.parts.length > 0) {
      track.pos = { msn: seg.msn + 1, part: 0 };
      return this.nextItem(track);
    }
    if (seg.uri !== null && (part === 0 || seg.parts.length === 0 || !this.lowLatency)) {
      const pdt = this.pdtAt(track, { msn: seg.msn, part: 0 });
      return { uri: seg.uri, sec: seg.duration, pdt, next: { msn: seg.msn + 1, part: 0 } };
    }
    if (!this.lowLatency || part >= seg.parts.length) return null;
    const p = seg.parts[part];
    return { uri: p.uri, sec: p.duration, pdt: this.pdtAt(track, track.pos), next: { msn: seg.msn, part: part + 1 } };
  }

  /** ABR before each video fetch: a new level loads its playlist and init segment, keeping the position. */
  async maybeSwitchLevel(video, sec) {
    const level = chooseLevel(this.variants, { current: this.level, estimate: this.estimator.estimate, bufferSec: this.bufferSec(), segmentSec: sec, maxHeight: this.maxHeight });
    if (level === this.level) return false;
    this.level = level;
    video.uri = this.variants[level].uri;
    video.pending = null;
    await this.loadMedia(video);
    await this.fetchInit(video);
    return true;
  }

  /**
   * LL: the blocking reload for the position after `pos`, started while the current part downloads
   * (as hls.js overlaps them): without it every part would cost two round trips.
   */
  reloadAhead(track, pos) {
    const edgeIndex = this.edgeIndex;
    const p = this.loadMedia(track, pos).then(
      () => null,
      (error) => error,
    );
    track.pending = { pos, edgeIndex, done: p };
  }

  async trackLoop(track) {
    let nextReloadAt = 0;
    const blocking = () => this.lowLatency && track.media.canBlockReload;
    while (!this.sim.stopped) {
      await this.withFailover(async () => {
        const item = this.nextItem(track);
        if (item) {
          if (track.kind === 'video' && (await this.maybeSwitchLevel(track, item.sec))) return;
          if (blocking() && !track.pending) this.reloadAhead(track, item.next);
          try {
            await this.fetch(item.uri, { timeoutMs: 20_000, mediaSec: track.kind === 'video' ? item.sec : 0 });
          } catch (error) {
            // Gone (a part the origin dropped while the viewer was behind): the edge is fine; a player
            // reloads and moves on to what the playlist lists now, as after a long stall.
            if (error.kind !== 'http-404') throw error;
            await this.loadMedia(track);
            track.pending = null;
            track.pos = joinPosition(track.media, { lowLatency: this.lowLatency }) ?? track.pos;
            return;
          }
          track.pos = item.next;
          this.buffered(track, item);
          return;
        }
        this.checkStall();
        if (blocking()) {
          const pending = track.pending;
          track.pending = null;
          if (pending && pending.edgeIndex === this.edgeIndex) {
            const error = await pending.done;
            if (error) throw error;
            if (this.nextItem(track)) return;
          }
          await this.loadMedia(track, track.pos);
          return;
        }
        const wait = nextReloadAt - now();
        if (wait > 0) await sleep(Math.min(wait, 250));
        if (now() < nextReloadAt) return;
        const { changed, ms } = await this.loadMedia(track);
        const target = (track.media.targetDuration || 2) * 1000;
        nextReloadAt = now() + (changed ? Math.max(target - ms, target / 4) : target / 2);
      });
    }
  }

  /** A stall longer than `stallFailoverMs` on this edge moves the viewer on (StallSwitch). */
  checkStall() {
    this.tick();
    const t = now();
    if (this.stalledSince !== null && t - this.stalledSince > this.sim.stallFailoverMs && t - this.edgeSince > this.sim.stallFailoverMs && this.edges.length > 1) {
      throw new StallSwitch();
    }
  }

  /** Media buffered ahead of the playhead, in seconds (both tracks). */
  bufferSec() {
    const ends = this.tracks.map((t) => t.end);
    if (ends.some((e) => e === null) || this.playhead === null) return 0;
    return Math.max(0, (Math.min(...ends) - this.playhead) / 1000);
  }

  /** Advances the playhead to now: plays while both tracks have media past it, stalls when one runs out. */
  tick() {
    const t = now();
    const dt = t - this.lastTick;
    this.lastTick = t;
    if (!this.playing) {
      if (this.stalledSince !== null) this.addStalled(dt);
      return;
    }
    const ahead = this.bufferSec() * 1000;
    if (dt < ahead) {
      this.playhead += dt;
      this.playedMs += dt;
      this.sim.phase.playedMs += dt;
      return;
    }
    this.playhead += ahead;
    this.playedMs += ahead;
    this.sim.phase.playedMs += ahead;
    this.playing = false;
    this.stalledSince = t - (dt - ahead);
    this.stalls++;
    this.sim.phase.stalls++;
    this.addStalled(dt - ahead);
  }

  /** Stalled time is counted as it passes, into the phase it passes in. */
  addStalled(ms) {
    this.stalledMs += ms;
    this.sim.phase.stalledMs += ms;
  }

  buffered(track, item) {
    this.tick();
    const pdt = item.pdt ?? (track.end ?? 0);
    track.start ??= pdt;
    track.end = pdt + item.sec * 1000;
    const h = this.history.at(-1);
    if (h && h.firstMediaAt === null && h.edge === this.edge.id) h.firstMediaAt = now();
    if (this.tracks.some((t) => t.end === null)) return;
    if (this.playhead === null) {
      // The first media of every track: playing, from the latest track start (the one joined last).
      this.playhead = Math.max(...this.tracks.map((t) => t.start), this.startPdt ?? -Infinity);
    }
    // A player starts (and resumes) once it holds a little media past the playhead, not on one frame.
    if (!this.playing && this.bufferSec() >= (this.lowLatency ? 0.3 : 1)) {
      this.playing = true;
      if (this.startupMs === null) this.startupMs = now() - this.startAt;
      this.stalledSince = null;
    }
    if (this.playing && this.latencies.length < 10_000) this.latencies.push({ at: Date.now(), edge: this.edge.id, ms: Date.now() - this.playhead });
  }
}
