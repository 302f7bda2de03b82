import { StudioError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { Path, type PathHooks, type PathOptions } from './path.js';
import type { PathPublisher, PathReader, PathStats, PublisherInfo, TrackInfo } from './types.js';

export type PublishListener = (name: string, info: PublisherInfo, tracks: TrackInfo) => void;
export type UnpublishListener = (name: string, reason: string) => void;
export type TracksListener = (name: string, tracks: TrackInfo) => void;

/**
 * The hub: one Path per stream name joins one publisher to many readers. Listeners run
 * synchronously; one that throws is logged and never disturbs the publisher or other listeners.
 */
export class PathManager {
  private readonly paths = new Map<string, Path>();
  private readonly publishListeners = new Set<PublishListener>();
  private readonly unpublishListeners = new Set<UnpublishListener>();
  private readonly tracksListeners = new Set<TracksListener>();
  private readonly hooks: PathHooks;

  constructor(
    private readonly logger: Logger = silentLogger(),
    private readonly pathOptions: PathOptions = {},
  ) {
    this.hooks = {
      published: (path, info, tracks) => this.emit(this.publishListeners, 'publish', (l) => l(path.name, info, tracks)),
      unpublished: (path, reason) => {
        this.logger.info({ path: path.name, reason }, 'stream unpublished');
        this.emit(this.unpublishListeners, 'unpublish', (l) => l(path.name, reason));
      },
      tracks: (path, tracks) => this.emit(this.tracksListeners, 'tracks', (l) => l(path.name, tracks)),
      idle: (path) => {
        if (path.idle && this.paths.get(path.name) === path) this.paths.delete(path.name);
      },
    };
  }

  /**
   * Makes `info` the publisher of `name`. Throws StudioError CONFLICT when the name already has one.
   * onPublish listeners get the tracks known so far (usually none: they follow through onTracks).
   */
  publish(name: string, info: PublisherInfo): PathPublisher {
    assertName(name);
    const path = this.pathFor(name);
    try {
      const publisher = path.publish(info);
      this.logger.info({ path: name, protocol: info.protocol, remoteAddress: info.remoteAddress }, 'stream published');
      return publisher;
    } catch (error) {
      if (path.idle) this.paths.delete(name);
      throw error;
    }
  }

  /**
   * Adds a reader, before or while a publisher is live. Joining a live path replays the FLV header,
   * metadata, sequence headers and the current GOP first. The returned function removes the reader
   * (without calling its close()). Readers are closed and removed when their publisher ends.
   */
  addReader(name: string, reader: PathReader): () => void {
    assertName(name);
    return this.pathFor(name).addReader(reader);
  }

  onPublish(listener: PublishListener): () => void {
    return subscribe(this.publishListeners, listener);
  }

  onUnpublish(listener: UnpublishListener): () => void {
    return subscribe(this.unpublishListeners, listener);
  }

  onTracks(listener: TracksListener): () => void {
    return subscribe(this.tracksListeners, listener);
  }

  stats(name: string): PathStats | undefined {
    return this.paths.get(name)?.stats();
  }

  publisherOf(name: string): PublisherInfo | undefined {
    return this.paths.get(name)?.publisherInfo;
  }

  /** How long the stream's publisher has sent nothing; undefined without one. */
  publisherSilentMs(name: string): number | undefined {
    return this.paths.get(name)?.publisherSilentMs;
  }

  tracksOf(name: string): TrackInfo | undefined {
    const path = this.paths.get(name);
    return path?.publisherInfo ? path.tracks : undefined;
  }

  /** Names that have a live publisher. */
  liveNames(): string[] {
    return [...this.paths.values()].filter((p) => p.publisherInfo !== undefined).map((p) => p.name);
  }

  /** Asks the publisher's connection to close and ends the path at once with `reason`. */
  kick(name: string, reason: string): boolean {
    const path = this.paths.get(name);
    const info = path?.publisherInfo;
    if (!path || !info) return false;
    try {
      info.kick(reason);
    } catch (error) {
      this.logger.warn({ path: name, err: error }, 'publisher kick failed');
    }
    return path.endPublisher(reason);
  }

  private pathFor(name: string): Path {
    let path = this.paths.get(name);
    if (!path) {
      path = new Path(name, this.logger, this.hooks, this.pathOptions);
      this.paths.set(name, path);
    }
    return path;
  }

  private emit<L>(listeners: Set<L>, event: string, call: (listener: L) => void): void {
    for (const listener of [...listeners]) {
      try {
        call(listener);
      } catch (error) {
        this.logger.warn({ event, err: error }, 'path listener threw');
      }
    }
  }
}

function subscribe<L>(set: Set<L>, listener: L): () => void {
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

function assertName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new StudioError('BAD_REQUEST', 'a stream name is required', { name });
}
