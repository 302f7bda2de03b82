// One simulated player of the viewer simulator (viewers.mjs): start, ABR, the video and audio loops,
// the playback buffer, failover between edges. See viewers.mjs for what it models.
import { BandwidthEstimator, chooseLevel } from './abr.mjs';
import { joinPosition, liveEdgePdt, parseMaster, parseMedia } from './hls.mjs';
import { classify, FetchError, get } from './http.mjs';

/** How long an edge that failed a request is passed over (longer than the origin takes to drop a dead edge). */
const FAILED_MS = 30_000;
/** A failover asks the playback API for a fresh edge list when the one it has is older than this. */
const LIST_REFRESH_MS = 5_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** A stall went on too long: move on without counting an error. */
class StallSwitch extends Error {}

/** One simulated player. */
export class Viewer {
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
