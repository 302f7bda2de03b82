import { createHash, randomBytes } from 'node:crypto';
import type { ViewerStats } from '../../../src-shared/contract/streams.js';
import type { Service } from '../../core/lifecycle.js';

/**
 * Viewer analytics of HLS/DASH playback, from the requests the routes see.
 *
 * A viewer is a player session id (`sid`): `h...` for HLS (minted at random by the master playlist
 * response and carried in every URI of our playlists), `d...` for DASH (an MPD cannot hand each
 * refetch its own URL, so a DASH sid is derived from IP + User-Agent: two identical browsers behind
 * one NAT count once). Requests without a sid (a player given a media playlist URL directly) get the
 * same kind of derived sid. A viewer is live until `idleMs` (30 s) without a request.
 * The rendition of a viewer is the video rendition of the last media playlist or segment it fetched
 * (audio-only fetches do not change it); moving between renditions counts a switch.
 */

export type PlaybackProtocol = 'hls' | 'dash' | 'webrtc';

export interface ViewerHit {
  sid: string;
  protocol: PlaybackProtocol;
  /** The video rendition this request belongs to; null for a master/MPD/audio fetch. */
  rendition?: string | null;
  /** Bytes of the response body sent. */
  bytes?: number;
}

export interface ViewerAnalyticsOptions {
  idleMs?: number;
  pruneEveryMs?: number;
  /** Change notifications per stream are at least this far apart. */
  notifyEveryMs?: number;
  now?: () => number;
  /** Viewers tracked per stream; beyond, new sids only add bytes. */
  maxViewersPerStream?: number;
}

interface Viewer {
  protocol: PlaybackProtocol;
  rendition: string | null;
  lastSeen: number;
  /** What its P2P player reported so far: segment bytes from peers and over HTTP. */
  p2pBytes?: number;
  httpBytes?: number;
}

interface StreamStats {
  viewers: Map<string, Viewer>;
  bytesOut: number;
  switches: number;
  startups: number[];
  /** Segment bytes our P2P players received from peers and over HTTP (their reports, summed). */
  peerBytes: number;
  httpSegmentBytes: number;
  /** Glass-to-glass latency our players measured, per protocol (newest last). */
  latencies: Partial<Record<PlaybackProtocol, number[]>>;
  lastNotify: number;
  timer: NodeJS.Timeout | null;
}

const SID_RE = /^[hd][A-Za-z0-9_-]{16}$/;
const STARTUP_SAMPLES = 200;

export const protocolOfSid = (sid: string): PlaybackProtocol => (sid.startsWith('d') ? 'dash' : 'hls');
export const isValidSid = (sid: unknown): sid is string => typeof sid === 'string' && SID_RE.test(sid);
/** A WHEP viewer is `w` + its session id (WebRtcServer): it never fetches playlists, but its player may send beacons. */
const WHEP_SID_RE = /^w[A-Za-z0-9_-]{16}$/;
export const isBeaconSid = (sid: unknown): sid is string => isValidSid(sid) || (typeof sid === 'string' && WHEP_SID_RE.test(sid));

export class ViewerAnalytics implements Service {
  readonly name = 'hls-analytics';
  private readonly streams = new Map<string, StreamStats>();
  private readonly listeners = new Set<(name: string) => void>();
  private readonly salt = randomBytes(16);
  private readonly idleMs: number;
  private readonly pruneEveryMs: number;
  private readonly notifyEveryMs: number;
  private readonly maxViewers: number;
  private readonly now: () => number;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(options: ViewerAnalyticsOptions = {}) {
    this.idleMs = options.idleMs ?? 30_000;
    this.pruneEveryMs = options.pruneEveryMs ?? 5_000;
    this.notifyEveryMs = options.notifyEveryMs ?? 1_000;
    this.maxViewers = options.maxViewersPerStream ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.pruneTimer ??= setInterval(() => this.prune(), this.pruneEveryMs);
    this.pruneTimer.unref?.();
  }

  dispose(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    for (const stats of this.streams.values()) if (stats.timer) clearTimeout(stats.timer);
    this.streams.clear();
    this.listeners.clear();
  }

  /** A new random player session id (HLS master responses). */
  mintSid(protocol: PlaybackProtocol = 'hls'): string {
    return (protocol === 'dash' ? 'd' : 'h') + randomBytes(12).toString('base64url');
  }

  /** A stable sid for a client that brought none (DASH, or a direct media playlist URL). */
  derivedSid(protocol: PlaybackProtocol, name: string, ip: string, userAgent: string): string {
    const digest = createHash('sha256').update(this.salt).update(`${name}|${ip}|${userAgent}`).digest('base64url');
    return (protocol === 'dash' ? 'd' : 'h') + digest.slice(0, 16);
  }

  /** One request of a viewer (master, playlist, MPD or segment). */
  record(name: string, hit: ViewerHit): void {
    const stats = this.stats(name);
    const now = this.now();
    let changed = false;
    if (hit.bytes && hit.bytes > 0) {
      stats.bytesOut += hit.bytes;
      changed = true;
    }
    let viewer = stats.viewers.get(hit.sid);
    if (viewer && now - viewer.lastSeen > this.idleMs) {
      stats.viewers.delete(hit.sid); // came back after idling out: a new viewing
      viewer = undefined;
    }
    if (!viewer) {
      if (stats.viewers.size >= this.maxViewers) this.pruneStream(stats, now);
      if (stats.viewers.size < this.maxViewers) {
        viewer = { protocol: hit.protocol, rendition: null, lastSeen: now };
        stats.viewers.set(hit.sid, viewer);
        changed = true;
      }
    }
    if (viewer) {
      viewer.lastSeen = now;
      const rendition = hit.rendition ?? null;
      if (rendition !== null && rendition !== viewer.rendition) {
        if (viewer.rendition !== null) stats.switches += 1;
        viewer.rendition = rendition;
        changed = true;
      }
    }
    if (changed) this.changed(name, stats);
  }

  /** A viewer of `name` seen within the idle time, with its stream's figures; null otherwise. */
  private liveViewer(name: string, sid: string): { stats: StreamStats; viewer: Viewer } | null {
    const stats = this.streams.get(name);
    const viewer = stats?.viewers.get(sid);
    return stats && viewer && this.now() - viewer.lastSeen <= this.idleMs ? { stats, viewer } : null;
  }

  /** Startup time reported by our player; false when the sid is not a live viewer of this stream. */
  reportStartup(name: string, sid: string, ms: number): boolean {
    const stats = this.liveViewer(name, sid)?.stats;
    if (!stats) return false;
    if (!Number.isFinite(ms) || ms < 0) return false;
    stats.startups.push(ms);
    if (stats.startups.length > STARTUP_SAMPLES) stats.startups.shift();
    this.changed(name, stats);
    return true;
  }

  /** Latency measured by our player (it reads the wall clock the stream carries); false as for reportStartup. */
  reportLatency(name: string, sid: string, ms: number): boolean {
    const found = this.liveViewer(name, sid);
    if (!found) return false;
    const { stats, viewer } = found;
    if (!Number.isFinite(ms) || ms < 0) return false;
    const list = (stats.latencies[viewer.protocol] ??= []);
    list.push(ms);
    if (list.length > STARTUP_SAMPLES) list.shift();
    this.changed(name, stats);
    return true;
  }

  /**
   * What a P2P player's segments came over so far (cumulative figures: only what grew since its last
   * report is added, so a report sent twice counts once); false as for reportStartup.
   */
  reportSegmentBytes(name: string, sid: string, p2pBytes: number, httpBytes: number): boolean {
    const found = this.liveViewer(name, sid);
    if (!found) return false;
    const { stats, viewer } = found;
    stats.peerBytes += Math.max(0, p2pBytes - (viewer.p2pBytes ?? 0));
    stats.httpSegmentBytes += Math.max(0, httpBytes - (viewer.httpBytes ?? 0));
    viewer.p2pBytes = Math.max(p2pBytes, viewer.p2pBytes ?? 0);
    viewer.httpBytes = Math.max(httpBytes, viewer.httpBytes ?? 0);
    this.changed(name, stats);
    return true;
  }

  snapshot(name: string): ViewerStats {
    const stats = this.streams.get(name);
    const now = this.now();
    const byRendition: Record<string, number> = {};
    const byProtocol: Record<string, number> = {};
    let viewers = 0;
    for (const viewer of stats?.viewers.values() ?? []) {
      if (now - viewer.lastSeen > this.idleMs) continue;
      viewers += 1;
      byProtocol[viewer.protocol] = (byProtocol[viewer.protocol] ?? 0) + 1;
      if (viewer.rendition !== null) byRendition[viewer.rendition] = (byRendition[viewer.rendition] ?? 0) + 1;
    }
    return {
      name,
      at: now,
      viewers,
      byRendition,
      byProtocol,
      bytesOut: stats?.bytesOut ?? 0,
      renditionSwitches: stats?.switches ?? 0,
      segmentBytes: { peers: stats?.peerBytes ?? 0, http: stats?.httpSegmentBytes ?? 0 },
      startupMsP50: median(stats?.startups ?? []),
      latencyMsP50: Object.fromEntries(
        Object.entries(stats?.latencies ?? {}).flatMap(([protocol, list]) => {
          const p50 = median(list);
          return p50 === null ? [] : [[protocol, p50]];
        }),
      ),
    };
  }

  /** Whether `sid` is a live viewer of `name` now (a returning viewer is not a new one). */
  isViewer(name: string, sid: string): boolean {
    const viewer = this.streams.get(name)?.viewers.get(sid);
    return viewer !== undefined && this.now() - viewer.lastSeen <= this.idleMs;
  }

  /** Live viewers of one stream (cheap; for the stream's `live.viewers`). */
  viewerCount(name: string): number {
    const stats = this.streams.get(name);
    if (!stats) return 0;
    const now = this.now();
    let n = 0;
    for (const viewer of stats.viewers.values()) if (now - viewer.lastSeen <= this.idleMs) n += 1;
    return n;
  }

  /** Called at most once per `notifyEveryMs` per stream, after its numbers changed. */
  onChange(listener: (name: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drops viewers idle for longer than `idleMs`. */
  prune(): void {
    const now = this.now();
    for (const [name, stats] of this.streams) {
      if (this.pruneStream(stats, now)) this.changed(name, stats);
    }
  }

  /** A viewer left for sure (a WebRTC session ended): it stops counting at once, not after idling out. */
  leave(name: string, sid: string): void {
    const stats = this.streams.get(name);
    if (stats?.viewers.delete(sid)) this.changed(name, stats);
  }

  /** Forgets a stream (deleted). */
  forget(name: string): void {
    const stats = this.streams.get(name);
    if (stats?.timer) clearTimeout(stats.timer);
    this.streams.delete(name);
  }

  private pruneStream(stats: StreamStats, now: number): boolean {
    let removed = false;
    for (const [sid, viewer] of stats.viewers) {
      if (now - viewer.lastSeen > this.idleMs) {
        stats.viewers.delete(sid);
        removed = true;
      }
    }
    return removed;
  }

  private stats(name: string): StreamStats {
    let stats = this.streams.get(name);
    if (!stats) {
      stats = { viewers: new Map(), bytesOut: 0, switches: 0, startups: [], peerBytes: 0, httpSegmentBytes: 0, latencies: {}, lastNotify: -Infinity, timer: null };
      this.streams.set(name, stats);
    }
    return stats;
  }

  private changed(name: string, stats: StreamStats): void {
    if (stats.timer || this.listeners.size === 0) return;
    const wait = Math.max(0, stats.lastNotify + this.notifyEveryMs - this.now());
    stats.timer = setTimeout(() => {
      stats.timer = null;
      stats.lastNotify = this.now();
      for (const listener of this.listeners) {
        try {
          listener(name);
        } catch {
          // a listener's failure is its own; the others still hear
        }
      }
    }, wait);
    stats.timer.unref?.();
  }
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
