// One simulated player of the viewer simulator (viewers.mjs): start, ABR, the video and audio loops,
// the playback buffer, failover between edges. See viewers.mjs for what it models.
import { BandwidthEstimator, chooseLevel } from './abr.mjs';
import { FAILOVER_RULE, leftOrder, moveOnReason, nextSource } from './failover-rule.mjs';
import { joinPosition, liveEdgePdt, parseMaster, parseMedia } from './hls.mjs';
import { classify, FetchError, get } from './http.mjs';

/** A failed request that does not move the viewer on is tried again after this (hls.js retryDelayMs). */
const RETRY_MS = 1000;
/** The page asks the playback API for the order again on a move, waiting this long at most. */
const ORDER_TIMEOUT_MS = 2000;
/** Plain playlist reloads and media: hls.js's time to first byte; longer than an edge's upstream timeout, so the edge's own answer (a stale copy) arrives first. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Blocking reloads: longer than an edge holds one for the origin (nginx-conf.ts, LL read timeout 20 s). */
const BLOCKING_TIMEOUT_MS = 25_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

/** The viewer moved on to another source while this request was in flight: not an error of the new one. */
class Moved extends Error {}

/** One simulated player. */
export class Viewer {
  constructor(sim, n, { lowLatency, region, maxHeight, stream, playbackUrl }) {
    Object.assign(this, { sim, n, lowLatency, region, maxHeight, stream, playbackUrl });
    this.estimator = new BandwidthEstimator();
    this.edges = [];
    this.edgeIndex = 0;
    /** Health of the current source, as the player page keeps it (edge-failover.ts SourceHealth) + an abort for its requests. */
    this.source = null;
    /** Edge id -> when the viewer left it for errors / for a stall (the rule's cooldown applies to both). */
    this.failedAt = {};
    this.stalledAt = {};
    this.tracks = [];
    this.needsOpen = true;
    this.opening = null;
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
    /** [{ edge, at, reason, firstMediaAt, playingAt }]: where it played, when media came from there first, when it played from there. */
    this.history = [];
    this.fatal = null;
    this.level = -1;
    this.startPdt = null;
    this.failing = null;
  }

  /** The simulator stopped, or this viewer left (ViewerSim.remove). */
  get stopped() {
    return this.sim.stopped || this.gone === true;
  }

  /** The viewer closes the page: its loops end, its requests in flight are aborted (not errors). */
  leave() {
    this.tick();
    this.gone = true;
    this.source?.abort.abort();
  }

  get edge() {
    return this.edges[this.edgeIndex];
  }

  /** Adds `n` to a counter of the current phase, overall and for this viewer's stream. */
  count(field, n = 1) {
    const phase = this.sim.phase;
    phase[field] += n;
    const s = (phase.streams[this.stream] ??= { requests: 0, errors: 0, stalls: 0, stalledMs: 0, playedMs: 0 });
    if (field in s) s[field] += n;
  }

  async run() {
    try {
      this.edges = await this.withRetry(() => this.sim.playbackEdges(this.region, { playbackUrl: this.playbackUrl }));
      if (this.edges.length === 0) throw new FetchError('no-edge', 'the playback API listed no edge');
      this.switchTo(0, 'start');
      await this.withFailover(() => null);
      await Promise.all([...this.tracks.map((t) => this.trackLoop(t)), this.recheckLoop()]);
    } catch (error) {
      if (!this.stopped) this.fatal = String(error.message ?? error);
    }
  }

  async withRetry(fn, attempts = 5) {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (error) {
        if (i + 1 >= attempts || this.stopped) throw error;
        await sleep(500 * (i + 1));
      }
    }
  }

  /** Plays from edge `index` from now on: its requests start over (master, playlists, init) at the position reached. */
  switchTo(index, reason) {
    this.source?.abort.abort();
    this.edgeIndex = index;
    this.source = { id: this.edge.id, fatal: false, errorsAt: [], started: false, progressAt: now(), abort: new AbortController() };
    this.needsOpen = true;
    this.history.push({ edge: this.edge.id, at: now(), reason, firstMediaAt: null, playingAt: null });
  }

  /**
   * Runs `fn` on the current source (opened first after a move). A failed request is tried again after
   * RETRY_MS unless the rule says to move on; a request cut short by a move is run again on the new source.
   */
  async withFailover(fn) {
    for (;;) {
      if (this.stopped) throw new Error('stopped');
      const source = this.source;
      try {
        if (this.failing) await this.failing;
        if (this.needsOpen) {
          this.opening ??= this.open().finally(() => (this.opening = null));
          await this.opening;
          continue;
        }
        return await fn();
      } catch (error) {
        if (this.stopped) throw error;
        if (error instanceof Moved || source !== this.source) continue;
        if (!(error instanceof FetchError)) throw error;
        if (!this.checkRule()) await sleep(RETRY_MS);
      }
    }
  }

  /** Asks the rule whether to leave the current source now (errors, stall); moves on if so. */
  checkRule() {
    if (this.failing || !this.source) return this.failing !== null;
    this.tick();
    const reason = moveOnReason({ ...this.source, wantsPlay: true }, now(), FAILOVER_RULE);
    if (reason) this.failing = this.moveOn(reason).finally(() => (this.failing = null));
    return reason !== null;
  }

  /**
   * The player page's move (edge-failover.ts): the order asked again (ORDER_TIMEOUT_MS at most), the
   * source left marked, and the first one that did not fail within the cooldown taken (else the one
   * that failed longest ago). A stall is marked apart: when the viewer stalled lately on every edge,
   * the cause is upstream of them all (an origin cut), and those stalls count against none of them.
   */
  async moveOn(reason) {
    const left = this.edge.id;
    const stall = reason.startsWith('stalled');
    this.count(stall ? 'stallSwitches' : 'failovers');
    (stall ? this.stalledAt : this.failedAt)[left] = now();
    this.source.abort.abort();
    const fresh = await this.sim.playbackEdges(this.region, { playbackUrl: this.playbackUrl, timeoutMs: ORDER_TIMEOUT_MS }).catch(() => null);
    if (this.stopped) return;
    if (fresh && fresh.length > 0) this.edges = fresh;
    const ids = this.edges.map((e) => e.id);
    const t = now();
    const recent = (at) => at !== undefined && t - at < FAILOVER_RULE.cooldownMs;
    const everyStalled = ids.every((id) => recent(this.stalledAt[id]));
    const marks = { ...this.failedAt };
    if (!everyStalled) for (const [id, at] of Object.entries(this.stalledAt)) marks[id] = Math.max(marks[id] ?? -Infinity, at);
    const next = Math.max(0, nextSource(ids, marks, t, FAILOVER_RULE.cooldownMs));
    this.switchTo(next, `${left}: ${reason}`);
  }

  /**
   * The player page's recheck (edge-failover.ts leftOrder): every recheckMs plus a random spread, the
   * order asked again; an edge it no longer lists (drained, removed) is left for the first source that
   * did not fail lately, without counting a failure.
   */
  async recheckLoop() {
    while (!this.stopped) {
      await sleep(FAILOVER_RULE.recheckMs + Math.random() * FAILOVER_RULE.recheckJitterMs);
      if (this.stopped || this.failing || this.needsOpen || !this.source) continue;
      const fresh = await this.sim.playbackEdges(this.region, { playbackUrl: this.playbackUrl, timeoutMs: ORDER_TIMEOUT_MS }).catch(() => null);
      if (!fresh || this.stopped || this.failing || !leftOrder(this.edge.id, fresh.map((e) => e.id)) || fresh.length === 0) continue;
      const left = this.edge.id;
      this.count('drainMoves');
      this.edges = fresh;
      const next = Math.max(0, nextSource(fresh.map((e) => e.id), this.failedAt, now(), FAILOVER_RULE.cooldownMs));
      this.switchTo(next, `${left}: left the playback order`);
    }
  }

  /** One request to the current edge, counted; throws FetchError on a transport error or a non-2xx answer (Moved when the viewer left the edge meanwhile). */
  async fetch(uri, { keep = false, timeoutMs = REQUEST_TIMEOUT_MS, mediaSec = 0 }) {
    const source = this.source;
    const edge = this.edge;
    const target = uri === null ? edge.master : edge.target(uri);
    const delay = edge.delay;
    if (delay > 0) await sleep(delay);
    if (source !== this.source) throw new Moved();
    const es = this.sim.edgeStats(edge.id);
    const t0 = now();
    this.requests++;
    this.count('requests');
    es.requests++;
    try {
      const res = await get(edge.agent, target, { timeoutMs, keep, signal: source.abort.signal });
      this.bytes += res.bytes;
      this.count('bytes', res.bytes);
      es.bytes += res.bytes;
      if (res.status < 200 || res.status > 299) throw new FetchError(`http-${res.status}`, target.path);
      if (mediaSec > 0) this.estimator.sample(res.ms + delay, res.bytes, mediaSec);
      return res;
    } catch (error) {
      if (source !== this.source || source.abort.signal.aborted) throw new Moved();
      const e = error instanceof FetchError ? error : classify(error);
      // The phase when the error came (a kill fails requests that started before it).
      const phase = this.sim.phase;
      this.errors++;
      this.count('errors');
      if (this.lowLatency) phase.errorsLowLatency++;
      phase.errorsByKind[e.kind] = (phase.errorsByKind[e.kind] ?? 0) + 1;
      phase.errorsByEdge[edge.id] = (phase.errorsByEdge[edge.id] ?? 0) + 1;
      source.errorsAt.push(now());
      // A few examples of each kind of error, for the report: what, where, and after how long.
      const sampleKey = `${e.kind} ${this.stream}`;
      phase.sampled[sampleKey] = (phase.sampled[sampleKey] ?? 0) + 1;
      if (phase.sampled[sampleKey] <= 3) {
        phase.samples.push(`${e.kind} after ${Math.round(now() - t0)} ms: ${this.stream} ${this.lowLatency ? 'LL' : 'standard'} viewer, ${edge.id} ${target.path.replace(/\?.*/, '')}${target.path.includes('_HLS_msn') ? ' (blocking)' : ''}`);
      }
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
    const res = await this.fetch(uri, { keep: true, timeoutMs: blocking ? Math.max(BLOCKING_TIMEOUT_MS, target * 3000) : REQUEST_TIMEOUT_MS });
    const media = parseMedia(res.text, { parts: this.lowLatency });
    // A reload that started before a level switch answers for the old level: keep the new one.
    if (track.uri !== uri.split(/[?&]_HLS_msn=/)[0]) return { changed: false, ms: res.ms };
    const changed = !track.media || media.segments.at(-1)?.msn !== track.media.segments.at(-1)?.msn || media.segments.at(-1)?.parts.length !== track.media.segments.at(-1)?.parts.length;
    track.media = media;
    return { changed, ms: res.ms };
  }

  async fetchInit(track) {
    if (track.media.map && !track.inits.has(track.uri)) {
      await this.fetch(track.media.map, {});
      track.inits.add(track.uri);
    }
  }

  /**
   * Opens the current source: master, media playlists, init segments; the first time also the level
   * and the join positions. After a move the position reached is kept (a track that fell out of the
   * new playlist's window rejoins its live edge, see nextItem).
   */
  async open() {
    const source = this.source;
    const master = parseMaster((await this.fetch(null, { keep: true })).text);
    if (master.variants.length === 0) throw new FetchError('bad-master', 'no variant');
    if (this.tracks.length > 0) {
      for (const t of this.tracks) {
        t.pending = null;
        t.inits.clear();
      }
      await Promise.all(this.tracks.map((t) => this.loadMedia(t)));
      await Promise.all(this.tracks.map((t) => this.fetchInit(t)));
      if (source === this.source) this.needsOpen = false;
      return;
    }
    this.variants = master.variants;
    this.level = chooseLevel(this.variants, { current: -1, estimate: this.estimator.estimate, bufferSec: 0, segmentSec: 2, maxHeight: this.maxHeight });
    const track = (kind, uri) => ({ kind, uri, media: null, pos: null, start: null, end: null, inits: new Set(), pending: null });
    const video = track('video', this.variants[this.level].uri);
    const tracks = [video];
    if (master.audio) tracks.push(track('audio', master.audio));
    await Promise.all(tracks.map((t) => this.loadMedia(t)));
    const join = joinPosition(video.media, { lowLatency: this.lowLatency });
    if (!join) throw new FetchError('empty-playlist', video.uri);
    video.pos = join;
    // LL: the join fetches from the independent part before the hold-back point, and playback starts
    // at that point (hls.js seeks to its live sync position), not at the keyframe.
    const edgePdt = liveEdgePdt(video.media);
    this.startPdt = this.lowLatency && edgePdt !== null ? edgePdt - (video.media.partHoldBack || video.media.partTarget * 3) * 1000 : null;
    const joinPdt = this.pdtAt(video, join);
    for (const t of tracks.slice(1)) t.pos = this.positionAt(t, joinPdt) ?? joinPosition(t.media, { lowLatency: this.lowLatency });
    await Promise.all(tracks.map((t) => this.fetchInit(t)));
    if (source !== this.source) return;
    this.tracks = tracks;
    this.needsOpen = false;
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
    const source = this.source;
    const p = this.loadMedia(track, pos).then(
      () => null,
      (error) => error,
    );
    track.pending = { pos, source, done: p };
  }

  async trackLoop(track) {
    let nextReloadAt = 0;
    const blocking = () => this.lowLatency && track.media.canBlockReload;
    while (!this.stopped) {
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
        if (blocking()) {
          const pending = track.pending;
          track.pending = null;
          if (pending && pending.source === this.source) {
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

  /** The player page's check, every 250 ms (viewers.mjs): the playhead advanced, and the rule. */
  watch() {
    if (this.stopped || this.fatal !== null || !this.source) return;
    this.checkRule();
  }

  /** Media buffered ahead of the playhead, in seconds (both tracks). */
  bufferSec() {
    const ends = this.tracks.map((t) => t.end);
    if (ends.some((e) => e === null) || this.playhead === null) return 0;
    return Math.max(0, (Math.min(...ends) - this.playhead) / 1000);
  }

  /**
   * Advances the playhead to now: plays while both tracks have media past it, stalls when one runs
   * out. Progress on the current source is what the failover rule watches (SourceHealth.progressAt).
   */
  tick() {
    if (this.gone) return;
    const t = now();
    const dt = t - this.lastTick;
    this.lastTick = t;
    if (!this.playing) {
      if (this.stalledSince !== null) this.addStalled(dt);
      return;
    }
    const ahead = this.bufferSec() * 1000;
    const played = Math.min(dt, ahead);
    this.playhead += played;
    this.playedMs += played;
    this.count('playedMs', played);
    if (played > 0 && this.source) {
      this.source.started = true;
      this.source.progressAt = t - (dt - played);
    }
    if (dt < ahead) return;
    this.playing = false;
    this.stalledSince = t - (dt - ahead);
    this.stalls++;
    this.count('stalls');
    this.addStalled(dt - ahead);
  }

  /** Stalled time is counted as it passes, into the phase it passes in. */
  addStalled(ms) {
    this.stalledMs += ms;
    this.count('stalledMs', ms);
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
    if (this.playing && h && h.playingAt === null && h.firstMediaAt !== null) h.playingAt = now();
    if (this.playing && this.latencies.length < 10_000) this.latencies.push({ at: Date.now(), edge: this.edge.id, ms: Date.now() - this.playhead });
  }
}
