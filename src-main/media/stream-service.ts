import fs from 'node:fs';
import path from 'node:path';
import type {
  LadderPreset,
  Rendition,
  Stream,
  StreamState,
  StreamWithKey,
  ViewerStats,
} from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { newStreamKey, type StreamRecord, type StreamStore } from '../store/streams.js';
import { nextState, type StreamEvent } from './stream-state.js';
import type { LiveSession, PathReader, PathStats, PublisherInfo, TrackInfo } from './types.js';

/** What the service needs of the Path hub. */
export interface PathsPort {
  onPublish(listener: (name: string, info: PublisherInfo, tracks: TrackInfo) => void): () => void;
  onUnpublish(listener: (name: string, reason: string) => void): () => void;
  onTracks(listener: (name: string, tracks: TrackInfo) => void): () => void;
  addReader(name: string, reader: PathReader): () => void;
  stats(name: string): PathStats | undefined;
  kick(name: string, reason: string): void;
}

/** One packager run (one ffmpeg making HLS+DASH) for one publish session. */
export interface PackagerPort {
  start(): void | Promise<void>;
  stop(reason: string): Promise<void>;
  readonly progress: { speed: number | null; fps: number | null; restarts: number };
  readonly droppedChunks: number;
}

export interface PackagerRequest {
  name: string;
  outDir: string;
  /** A new session folder for a restarted packager run: playlists continue with a discontinuity. */
  outDirFor: (attempt: number) => string;
  ladder: LadderPreset;
  tracks: TrackInfo;
  attach: (reader: PathReader) => () => void;
  onFailed: (reason: string) => void;
}

export type PackagerFactory = (request: PackagerRequest) => Promise<{ packager: PackagerPort; renditions: Rendition[] }>;

export interface AnalyticsPort {
  snapshot(name: string): ViewerStats;
  onChange(listener: (name: string) => void): () => void;
  forget(name: string): void;
}

/** One packager run's output, as the playback routes read it (servers/hls/catalog.ts documents the fields). */
export type LiveSessionRecord = LiveSession;

export interface StreamUrls {
  /** Base of playback URLs (`http://host:7070`), from the client's own address when known. */
  http(baseUrl?: string): string;
  rtmp(baseUrl?: string): string;
  srt(baseUrl?: string): string;
}

export interface StreamServiceOptions {
  store: StreamStore;
  paths: PathsPort;
  bus: EventBus;
  logger: Logger;
  analytics: AnalyticsPort;
  createPackager: PackagerFactory;
  urls: StreamUrls;
  /** Where packager sessions write (`<home>/live`); wiped at start: nothing stale is ever served. */
  liveRoot: string;
  defaultLadder: () => LadderPreset;
  /** Continue the same playlists (with a discontinuity) when a publisher returns within this time. */
  resumeWindowMs?: number;
  statsIntervalMs?: number;
  /** The id of a stream's recording in progress, if any (the recorder answers). */
  recordingOf?: (name: string) => string | null;
  /** A stream was deleted: its destinations and recording go with it. */
  onDeleted?: (name: string) => void;
}

interface LiveState {
  since: number;
  publisher: PublisherInfo;
  tracks: TrackInfo;
  packager?: PackagerPort;
  renditions: Rendition[];
  starting?: Promise<void>;
  /** (time, bytes served) samples of the last few seconds: bitrate out is averaged over them. */
  outSamples: { at: number; bytes: number }[];
}

/** Segments are fetched every 2 s or so: a 1 s window would swing between 0 and twice the rate. */
const BITRATE_OUT_WINDOW_MS = 6000;

/**
 * Streams: their keys, their state machine (idle -> live -> ended | error), and what happens on
 * publish (a packager session per publish) and unpublish. Every transition is persisted and emitted.
 */
export class StreamService implements Service {
  readonly name = 'streams';
  private readonly live = new Map<string, LiveState>();
  private readonly sessions = new Map<string, LiveSessionRecord[]>();
  private readonly unsubscribers: (() => void)[] = [];
  private statsTimer: NodeJS.Timeout | undefined;
  private sessionCounter = 0;

  constructor(private readonly options: StreamServiceOptions) {}

  start(): void {
    fs.rmSync(this.options.liveRoot, { recursive: true, force: true });
    fs.mkdirSync(this.options.liveRoot, { recursive: true });
    // A stream left `live` by a crash is not live any more.
    for (const record of this.options.store.list()) {
      if (record.state === 'live') this.options.store.setState(record.name, 'ended', Date.now(), 'host restarted');
    }
    const { paths, analytics } = this.options;
    this.unsubscribers.push(
      paths.onPublish((name, info, tracks) => this.onPublish(name, info, tracks)),
      paths.onTracks((name, tracks) => this.onTracks(name, tracks)),
      paths.onUnpublish((name, reason) => void this.onUnpublish(name, reason)),
      analytics.onChange((name) => {
        if (this.options.store.get(name)) this.options.bus.emit('stream.viewers', analytics.snapshot(name));
      }),
    );
    this.statsTimer = setInterval(() => this.emitStats(), this.options.statsIntervalMs ?? 1000);
    this.statsTimer.unref();
  }

  async dispose(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const off of this.unsubscribers.splice(0)) off();
    await Promise.all([...this.live.keys()].map((name) => this.stopPackager(name, 'host stopping')));
    for (const name of this.live.keys()) this.transition(name, 'unpublish', 'host stopping');
    this.live.clear();
  }

  /** RTMP/SRT/WHIP ingest asks: which stream does this key publish to? */
  authorize(key: string): { name: string } | null {
    const record = this.options.store.byKey(key);
    return record ? { name: record.name } : null;
  }

  list(baseUrl?: string): Stream[] {
    return this.options.store.list().map((r) => this.view(r, baseUrl));
  }

  get(name: string, baseUrl?: string): Stream {
    return this.view(this.require(name), baseUrl);
  }

  create(input: { name: string; ladder?: LadderPreset; private?: boolean; record?: boolean }, baseUrl?: string): StreamWithKey {
    const key = newStreamKey();
    const created = this.options.store.create(
      {
        name: input.name,
        ladder: input.ladder ?? this.options.defaultLadder(),
        private: input.private ?? false,
        record: input.record ?? false,
        createdAt: Date.now(),
      },
      key,
    );
    if (!created) {
      throw new StudioError('CONFLICT', `a stream named "${input.name}" already exists`, {
        fields: [{ path: 'name', message: 'already taken' }],
      });
    }
    this.options.logger.info({ stream: input.name }, 'stream created');
    const stream = this.get(input.name, baseUrl);
    this.options.bus.emit('streams.changed', { name: input.name, stream });
    return this.withKey(stream, key, baseUrl);
  }

  update(input: { name: string; ladder?: LadderPreset; private?: boolean; record?: boolean }, baseUrl?: string): Stream {
    this.require(input.name);
    this.options.store.update(input.name, input);
    const stream = this.get(input.name, baseUrl);
    this.options.bus.emit('streams.changed', { name: input.name, stream });
    return stream;
  }

  rotateKey(name: string, baseUrl?: string): StreamWithKey {
    this.require(name);
    const key = newStreamKey();
    this.options.store.setKey(name, key);
    // The old key stops working now, for the publisher using it too.
    if (this.live.has(name)) this.options.paths.kick(name, 'stream key rotated');
    this.options.logger.info({ stream: name }, 'stream key rotated');
    return this.withKey(this.get(name, baseUrl), key, baseUrl);
  }

  async delete(name: string): Promise<void> {
    this.require(name);
    if (this.live.has(name)) this.options.paths.kick(name, 'stream deleted');
    await this.stopPackager(name, 'stream deleted');
    this.live.delete(name);
    this.options.store.delete(name);
    this.sessions.delete(name);
    this.options.analytics.forget(name);
    this.options.onDeleted?.(name);
    fs.rmSync(path.join(this.options.liveRoot, name), { recursive: true, force: true });
    this.options.logger.info({ stream: name }, 'stream deleted');
    this.options.bus.emit('streams.changed', { name, stream: null });
  }

  viewers(name: string): ViewerStats {
    this.require(name);
    return this.options.analytics.snapshot(name);
  }

  /** For the HLS/DASH routes: state, privacy and packager sessions (oldest first) of a stream. */
  lookup(name: string): { state: StreamState; private: boolean; sessions: LiveSessionRecord[] } | undefined {
    const record = this.options.store.get(name);
    if (!record) return undefined;
    return { state: record.state, private: record.private, sessions: this.sessions.get(name) ?? [] };
  }

  private require(name: string): StreamRecord {
    const record = this.options.store.get(name);
    if (!record) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
    return record;
  }

  private withKey(stream: Stream, key: string, baseUrl?: string): StreamWithKey {
    return {
      ...stream,
      key,
      publishUrls: { rtmp: `${this.options.urls.rtmp(baseUrl)}/live/${key}`, srt: `${this.options.urls.srt(baseUrl)}?streamid=publish:${key}` },
    };
  }

  private view(record: StreamRecord, baseUrl?: string): Stream {
    const http = this.options.urls.http(baseUrl);
    const rtmp = this.options.urls.rtmp(baseUrl);
    const live = this.live.get(record.name);
    const pathStats = live ? this.options.paths.stats(record.name) : undefined;
    const viewers = live ? this.options.analytics.snapshot(record.name) : undefined;
    return {
      name: record.name,
      state: record.state,
      stateAt: record.stateAt,
      stateReason: record.stateReason,
      ladder: record.ladder,
      private: record.private,
      record: record.record,
      recording: this.options.recordingOf?.(record.name) ?? null,
      createdAt: record.createdAt,
      ingest: { rtmp: `${rtmp}/live`, obsServer: `${rtmp}/live`, srt: `${this.options.urls.srt(baseUrl)}?streamid=publish:` },
      playback: { hls: `${http}/live/${record.name}/index.m3u8`, dash: `${http}/live/${record.name}/manifest.mpd` },
      live: live
        ? {
            since: live.since,
            uptimeSec: Math.round((Date.now() - live.since) / 1000),
            publisher: { protocol: live.publisher.protocol, remoteAddress: live.publisher.remoteAddress },
            tracks: live.tracks,
            renditions: live.renditions,
            bitrateInKbps: Math.round((pathStats?.bitrateInBps ?? 0) / 1000),
            bitrateOutKbps: this.bitrateOut(live, viewers),
            viewers: viewers?.viewers ?? 0,
            droppedChunks: live.packager?.droppedChunks ?? 0,
          }
        : null,
    };
  }

  private bitrateOut(live: LiveState, viewers: ViewerStats | undefined): number {
    const first = live.outSamples[0];
    if (!viewers || !first) return 0;
    const seconds = (Date.now() - first.at) / 1000;
    return seconds > 0 ? Math.round(((viewers.bytesOut - first.bytes) * 8) / 1000 / seconds) : 0;
  }

  private sampleOut(live: LiveState, bytes: number, now: number): void {
    live.outSamples.push({ at: now, bytes });
    while (live.outSamples.length > 1 && now - live.outSamples[0]!.at > BITRATE_OUT_WINDOW_MS) live.outSamples.shift();
  }

  private transition(name: string, event: StreamEvent, reason: string | null): void {
    const record = this.options.store.get(name);
    if (!record) return;
    const next = nextState(record.state, event);
    if (!next) return;
    const at = Date.now();
    this.options.store.setState(name, next, at, reason);
    this.options.logger.info({ stream: name, from: record.state, to: next, reason }, 'stream state');
    this.options.bus.emit('stream.state', { name, state: next, at, reason });
  }

  private onPublish(name: string, publisher: PublisherInfo, tracks: TrackInfo): void {
    if (!this.options.store.get(name)) {
      publisher.kick('unknown stream');
      return;
    }
    this.live.set(name, { since: Date.now(), publisher, tracks, renditions: [], outSamples: [] });
    this.transition(name, 'publish', `${publisher.protocol} publisher from ${publisher.remoteAddress}`);
    // Wait briefly for codec parameters: the ladder depends on the source size.
    setTimeout(() => void this.ensurePackager(name), tracks.video ? 0 : 1500).unref();
  }

  private onTracks(name: string, tracks: TrackInfo): void {
    const live = this.live.get(name);
    if (!live) return;
    live.tracks = tracks;
    if (tracks.video) void this.ensurePackager(name);
  }

  private async ensurePackager(name: string): Promise<void> {
    const live = this.live.get(name);
    const record = this.options.store.get(name);
    if (!live || !record || live.packager || live.starting) return;
    live.starting = (async () => {
      const session = this.newSession(name);
      try {
        const { packager, renditions } = await this.options.createPackager({
          name,
          outDir: session.dir,
          outDirFor: () => {
            this.endSession(name);
            const next = this.newSession(name, true);
            next.renditions = live.renditions;
            return next.dir;
          },
          ladder: record.ladder,
          tracks: live.tracks,
          attach: (reader) => this.options.paths.addReader(name, reader),
          onFailed: (reason) => this.onPackagerFailed(name, reason),
        });
        if (this.live.get(name) !== live) {
          await packager.stop('publisher left during start');
          return;
        }
        session.renditions = renditions;
        live.renditions = renditions;
        live.packager = packager;
        await packager.start();
      } catch (error) {
        this.onPackagerFailed(name, (error as Error).message);
      } finally {
        live.starting = undefined;
      }
    })();
    await live.starting;
  }

  private newSession(name: string, continuing = false): LiveSessionRecord {
    const list = this.sessions.get(name) ?? [];
    const last = list[list.length - 1];
    const resume =
      continuing || (last?.endedAt !== undefined && last.endedAt !== null && Date.now() - last.endedAt < (this.options.resumeWindowMs ?? 5 * 60_000));
    // The stitched playlists number segments across every session of the current run: keep them all
    // (each session's ffmpeg deletes its own old segments); a run that ended long ago is dropped.
    const kept = resume ? list : [];
    for (const old of list) if (!kept.includes(old)) fs.rmSync(old.dir, { recursive: true, force: true });
    const id = `${Date.now().toString(36)}${(this.sessionCounter++).toString(36)}`;
    const dir = path.join(this.options.liveRoot, name, id);
    fs.mkdirSync(dir, { recursive: true });
    const session: LiveSessionRecord = { id, dir, startedAt: Date.now(), endedAt: null, renditions: [], discontinuityBefore: resume };
    this.sessions.set(name, [...kept, session]);
    return session;
  }

  private onPackagerFailed(name: string, reason: string): void {
    this.options.logger.error({ stream: name, reason }, 'packager failed');
    const live = this.live.get(name);
    if (live) live.packager = undefined;
    this.endSession(name);
    this.transition(name, 'fail', `packager failed: ${reason}`);
  }

  private async onUnpublish(name: string, reason: string): Promise<void> {
    if (!this.live.has(name)) return;
    this.transition(name, 'unpublish', reason);
    await this.stopPackager(name, reason);
    this.live.delete(name);
  }

  private async stopPackager(name: string, reason: string): Promise<void> {
    const live = this.live.get(name);
    if (!live) return;
    await live.starting;
    const packager = live.packager;
    live.packager = undefined;
    if (packager) await packager.stop(reason);
    this.endSession(name);
  }

  private endSession(name: string): void {
    const current = this.sessions.get(name)?.at(-1);
    if (current && current.endedAt === null) current.endedAt = Date.now();
  }

  private emitStats(): void {
    for (const [name, live] of this.live) {
      const pathStats = this.options.paths.stats(name);
      const viewers = this.options.analytics.snapshot(name);
      const now = Date.now();
      const bitrateOutKbps = this.bitrateOut(live, viewers);
      this.sampleOut(live, viewers.bytesOut, now);
      this.options.bus.emit('stream.stats', {
        name,
        at: now,
        uptimeSec: Math.round((now - live.since) / 1000),
        bitrateInKbps: Math.round((pathStats?.bitrateInBps ?? 0) / 1000),
        bitrateOutKbps,
        viewers: viewers.viewers,
        droppedChunks: live.packager?.droppedChunks ?? 0,
        packager: live.packager
          ? { speed: live.packager.progress.speed, fps: live.packager.progress.fps, restarts: live.packager.progress.restarts }
          : { speed: null, fps: null, restarts: 0 },
      });
    }
  }
}
