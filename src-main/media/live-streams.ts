import type { EncodeOn, EncryptionMode, LadderPreset, LatencyMode, Rendition, Stream, ViewerStats } from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import type { StreamStore } from '../store/streams.js';
import type { LiveSessions } from './live-sessions.js';
import { BitrateWindow, liveFigures, type LiveFigures } from './stream-stats.js';
import type { StreamTransitions } from './stream-transitions.js';
import type { PathReader, PathStats, PublisherInfo, TrackInfo } from './types.js';

/** What live streams need of the Path hub. */
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
  readonly progress: { speed: number | null; fps: number | null; restarts: number; encodedOn?: string | null };
  readonly droppedChunks: number;
}

export interface PackagerRequest {
  name: string;
  outDir: string;
  /** A new session folder for a restarted packager run: playlists continue with a discontinuity. */
  outDirFor: (attempt: number) => string;
  ladder: LadderPreset;
  latency: LatencyMode;
  dvrMinutes: number;
  /** Where its ladder is encoded (a runner: low latency only; the origin when none can). */
  encodeOn: EncodeOn;
  /** How its HLS output is encrypted (a run that continues the previous one keeps that one's). */
  encryption: EncryptionMode;
  /** This session continues the previous one's playlists (a publisher back within the resume window). */
  continuing: boolean;
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

export interface LiveStreamsOptions {
  store: Pick<StreamStore, 'get'>;
  paths: PathsPort;
  analytics: Pick<AnalyticsPort, 'snapshot' | 'onChange'>;
  bus: Pick<EventBus, 'emit'>;
  logger: Logger;
  createPackager: PackagerFactory;
  transitions: Pick<StreamTransitions, 'apply'>;
  sessions: Pick<LiveSessions, 'open' | 'end'>;
  statsIntervalMs?: number;
}

interface LiveState {
  since: number;
  publisher: PublisherInfo;
  tracks: TrackInfo;
  packager?: PackagerPort;
  renditions: Rendition[];
  starting?: Promise<void>;
  out: BitrateWindow;
}

/**
 * What happens while streams are live: a packager session per publish (and its failure), the state
 * transitions of publish and unpublish, and the stats of every live stream each second.
 */
export class LiveStreams {
  private readonly live = new Map<string, LiveState>();
  /** A departed publisher's packager still stopping: the next publisher's packager waits for it. */
  private readonly stopping = new Map<string, Promise<void>>();
  /** Publishes waiting for their codec parameters before their packager starts. */
  private readonly waits = new Set<NodeJS.Timeout>();
  private readonly unsubscribers: (() => void)[] = [];
  private statsTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LiveStreamsOptions) {}

  start(): void {
    const { paths, analytics, store, bus } = this.options;
    this.unsubscribers.push(
      paths.onPublish((name, info, tracks) => this.onPublish(name, info, tracks)),
      paths.onTracks((name, tracks) => this.onTracks(name, tracks)),
      paths.onUnpublish((name, reason) => void this.leave(name, reason)),
      analytics.onChange((name) => {
        if (store.get(name)) bus.emit('stream.viewers', analytics.snapshot(name));
      }),
    );
    this.statsTimer = setInterval(() => this.emitStats(), this.options.statsIntervalMs ?? 1000);
    this.statsTimer.unref();
  }

  async dispose(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    // A publish's wait for codec parameters: no packager starts once the host is stopping.
    for (const wait of this.waits) clearTimeout(wait);
    this.waits.clear();
    for (const off of this.unsubscribers.splice(0)) off();
    await Promise.all([...this.live.keys()].map((name) => this.leave(name, 'host stopping')));
    await Promise.all(this.stopping.values());
    this.live.clear();
  }

  /** Disconnects the stream's publisher, if it has one (its key changed, or the stream is going). */
  kick(name: string, reason: string): void {
    if (this.live.has(name)) this.options.paths.kick(name, reason);
  }

  /** The stream is being deleted: its packager stops and it is no longer live. */
  async end(name: string, reason: string): Promise<void> {
    await this.leave(name, reason, false);
  }

  /** The `live` part of a stream's view: null when it has no publisher. */
  viewOf(name: string): Stream['live'] {
    const live = this.live.get(name);
    if (!live) return null;
    return {
      since: live.since,
      publisher: { protocol: live.publisher.protocol, remoteAddress: live.publisher.remoteAddress },
      tracks: live.tracks,
      renditions: live.renditions,
      ...this.figures(name, live, this.options.analytics.snapshot(name), Date.now()),
      encodedOn: live.packager?.progress.encodedOn ?? null,
    };
  }

  private figures(name: string, live: LiveState, viewers: ViewerStats, now: number): LiveFigures {
    const bitrateInBps = this.options.paths.stats(name)?.bitrateInBps;
    return liveFigures({ since: live.since, bitrateInBps, viewers, droppedChunks: live.packager?.droppedChunks ?? 0, out: live.out }, now);
  }

  private onPublish(name: string, publisher: PublisherInfo, tracks: TrackInfo): void {
    if (!this.options.store.get(name)) {
      publisher.kick('unknown stream');
      return;
    }
    // A publisher back before the hub said the last one left (a reconnect racing its own timeout).
    if (this.live.has(name)) void this.leave(name, 'a new publisher arrived', false);
    this.live.set(name, { since: Date.now(), publisher, tracks, renditions: [], out: new BitrateWindow() });
    this.options.transitions.apply(name, 'publish', `${publisher.protocol} publisher from ${publisher.remoteAddress}`);
    // Wait briefly for codec parameters: the ladder depends on the source size.
    const wait = setTimeout(() => {
      this.waits.delete(wait);
      void this.ensurePackager(name);
    }, tracks.video ? 0 : 1500);
    wait.unref();
    this.waits.add(wait);
  }

  private onTracks(name: string, tracks: TrackInfo): void {
    const live = this.live.get(name);
    if (!live) return;
    live.tracks = tracks;
    if (tracks.video) void this.ensurePackager(name);
  }

  private async ensurePackager(name: string): Promise<void> {
    const live = this.live.get(name);
    // The publisher first: after dispose (the host stopping) nothing is left to start, nor a store to read.
    if (!live || live.packager || live.starting) return;
    const record = this.options.store.get(name);
    if (!record) return;
    const { sessions } = this.options;
    live.starting = (async () => {
      // The last publisher's packager first: its session ends before this one opens.
      await this.stopping.get(name);
      if (this.live.get(name) !== live) return;
      const session = sessions.open(name);
      try {
        const { packager, renditions } = await this.options.createPackager({
          name,
          outDir: session.dir,
          outDirFor: () => {
            sessions.end(name);
            const next = sessions.open(name, true);
            next.renditions = live.renditions;
            return next.dir;
          },
          ladder: record.ladder,
          latency: record.latency,
          dvrMinutes: record.dvrMinutes,
          encodeOn: record.encodeOn,
          encryption: record.encryption,
          continuing: session.discontinuityBefore,
          tracks: live.tracks,
          attach: (reader) => this.options.paths.addReader(name, reader),
          onFailed: (reason) => this.onPackagerFailed(name, live, reason),
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
        this.onPackagerFailed(name, live, (error as Error).message);
      } finally {
        live.starting = undefined;
      }
    })();
    await live.starting;
  }

  private onPackagerFailed(name: string, live: LiveState, reason: string): void {
    this.options.logger.error({ stream: name, reason }, 'packager failed');
    live.packager = undefined;
    // A packager of a publisher who has left says nothing about the one who is on now.
    if (this.live.get(name) !== live) return;
    this.options.sessions.end(name);
    this.options.transitions.apply(name, 'fail', `packager failed: ${reason}`);
  }

  /**
   * The stream's publisher is gone: its state leaves the map at once (so a publisher who comes back
   * meanwhile starts afresh, and is never deleted by this one's late cleanup), then its packager stops.
   */
  private async leave(name: string, reason: string, transition = true): Promise<void> {
    const live = this.live.get(name);
    // Already leaving (a kick ends the path at once, then `end` is called): wait for that stop too,
    // so that what follows (a deleted stream's folder removed) finds the packager gone.
    if (!live) return this.stopping.get(name);
    this.live.delete(name);
    if (transition) this.options.transitions.apply(name, 'unpublish', reason);
    const previous = this.stopping.get(name);
    const stopped = (async () => {
      await previous;
      await live.starting;
      const packager = live.packager;
      live.packager = undefined;
      if (packager) await packager.stop(reason);
      this.options.sessions.end(name);
    })();
    this.stopping.set(name, stopped);
    try {
      await stopped;
    } finally {
      if (this.stopping.get(name) === stopped) this.stopping.delete(name);
    }
  }

  private emitStats(): void {
    for (const [name, live] of this.live) {
      const now = Date.now();
      const viewers = this.options.analytics.snapshot(name);
      const figures = this.figures(name, live, viewers, now);
      live.out.add(viewers.bytesOut, now);
      const progress = live.packager?.progress;
      this.options.bus.emit('stream.stats', {
        name,
        at: now,
        ...figures,
        packager: progress
          ? { speed: progress.speed, fps: progress.fps, restarts: progress.restarts, encodedOn: progress.encodedOn ?? null }
          : { speed: null, fps: null, restarts: 0, encodedOn: null },
      });
    }
  }
}
