import { StudioError } from '../core/errors.js';
import { monotonicMs } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { flvHeader } from '../protocols/flv/flv.js';
import type { MediaChunk, PathPublisher, PathReader, PathStats, PublisherInfo, TrackInfo } from './types.js';

/** What a Path tells its manager; the manager turns these into listener calls. */
export interface PathHooks {
  published(path: Path, info: PublisherInfo, tracks: TrackInfo): void;
  unpublished(path: Path, reason: string): void;
  tracks(path: Path, tracks: TrackInfo): void;
  /** No publisher and no reader left: the manager may forget the path. */
  idle(path: Path): void;
}

/**
 * A publisher that has sent nothing for this long is taken to be gone (a killed encoder, a dropped
 * link not yet timed out): a new publisher of the same stream replaces it instead of being refused.
 */
export const STALE_PUBLISHER_MS = 2000;

export interface PathOptions {
  now?: () => number;
  /** The clock of a publisher's silence (monotonic by default). */
  silenceClock?: () => number;
  /** The cached GOP is dropped (until the next keyframe) beyond either limit: a stream without keyframes must not grow it forever. */
  maxGopChunks?: number;
  maxGopBytes?: number;
}

const RATE_WINDOW_S = 5;

/** Bytes per whole second over the last few seconds. */
class RateMeter {
  private readonly buckets = new Map<number, number>();
  private startSecond: number;

  constructor(nowMs: number) {
    this.startSecond = Math.floor(nowMs / 1000);
  }

  add(bytes: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    this.buckets.set(second, (this.buckets.get(second) ?? 0) + bytes);
    for (const key of this.buckets.keys()) if (key < second - RATE_WINDOW_S) this.buckets.delete(key);
  }

  bitsPerSecond(nowMs: number): number {
    const current = Math.floor(nowMs / 1000);
    // Completed seconds only: the current one is still filling.
    const span = Math.min(RATE_WINDOW_S, current - this.startSecond);
    if (span <= 0) return 0;
    let bytes = 0;
    for (const [key, value] of this.buckets) if (key >= current - span && key < current) bytes += value;
    return Math.round((bytes * 8) / span);
  }
}

/** One stream name: at most one publisher, any number of readers, and the cache a joining reader needs. */
export class Path {
  private publisher: { info: PublisherInfo; handle: PathPublisher } | undefined;
  private readonly readers = new Set<PathReader>();
  private replacing = false;
  private currentTracks: TrackInfo = {};
  private header: MediaChunk | undefined;
  private metadata: MediaChunk | undefined;
  private videoConfig: MediaChunk | undefined;
  private audioConfig: MediaChunk | undefined;
  private gop: MediaChunk[] = [];
  private gopBytes = 0;
  private bytesIn = 0;
  private chunksIn = 0;
  private rate: RateMeter;
  private readonly now: () => number;
  private readonly silenceClock: () => number;
  private lastWriteAt = 0;
  private readonly maxGopChunks: number;
  private readonly maxGopBytes: number;

  constructor(
    readonly name: string,
    private readonly logger: Logger,
    private readonly hooks: PathHooks,
    options: PathOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.silenceClock = options.silenceClock ?? monotonicMs;
    this.maxGopChunks = options.maxGopChunks ?? 8192;
    this.maxGopBytes = options.maxGopBytes ?? 64 * 1024 * 1024;
    this.rate = new RateMeter(this.now());
  }

  get publisherInfo(): PublisherInfo | undefined {
    return this.publisher?.info;
  }

  get tracks(): TrackInfo {
    return this.currentTracks;
  }

  get idle(): boolean {
    return this.publisher === undefined && this.readers.size === 0;
  }

  /** How long the publisher has sent nothing (undefined without one). */
  get publisherSilentMs(): number | undefined {
    return this.publisher ? this.silenceClock() - this.lastWriteAt : undefined;
  }

  publish(info: PublisherInfo): PathPublisher {
    if (this.publisher) {
      const silentMs = this.silenceClock() - this.lastWriteAt;
      if (silentMs < STALE_PUBLISHER_MS) {
        throw new StudioError('CONFLICT', `stream "${this.name}" already has a publisher`, {
          name: this.name,
          protocol: this.publisher.info.protocol,
        });
      }
      const old = this.publisher;
      const reason = `replaced by a new publisher after ${(silentMs / 1000).toFixed(1)} s of silence`;
      this.logger.warn({ path: this.name, protocol: old.info.protocol, remoteAddress: old.info.remoteAddress, silentMs: Math.round(silentMs) }, 'a silent publisher is replaced');
      // Its end must not leave the path idle: the manager would forget the path the new publisher is on.
      this.replacing = true;
      try {
        old.handle.end(reason);
      } finally {
        this.replacing = false;
      }
      try {
        old.info.kick(reason);
      } catch (error) {
        this.logger.warn({ path: this.name, err: error }, 'kicking the replaced publisher failed');
      }
    }
    let live = true;
    const handle: PathPublisher = {
      write: (chunk) => {
        if (live) this.write(chunk);
      },
      setTracks: (tracks) => {
        if (!live) return;
        this.currentTracks = tracks;
        this.hooks.tracks(this, tracks);
      },
      end: (reason) => {
        if (!live) return;
        live = false;
        this.end(reason);
      },
    };
    this.publisher = { info, handle };
    this.lastWriteAt = this.silenceClock();
    this.resetCache();
    this.currentTracks = {};
    this.bytesIn = 0;
    this.chunksIn = 0;
    this.rate = new RateMeter(this.now());
    this.hooks.published(this, info, this.currentTracks);
    return handle;
  }

  /** Ends the current publisher as if it had called end(reason). */
  endPublisher(reason: string): boolean {
    if (!this.publisher) return false;
    this.publisher.handle.end(reason);
    return true;
  }

  addReader(reader: PathReader): () => void {
    this.readers.add(reader);
    if (this.publisher) this.replayTo(reader);
    return () => {
      if (this.readers.delete(reader) && this.idle) this.hooks.idle(this);
    };
  }

  stats(): PathStats {
    return { bytesIn: this.bytesIn, bitrateInBps: this.rate.bitsPerSecond(this.now()), chunksIn: this.chunksIn, readers: this.readers.size };
  }

  private write(chunk: MediaChunk): void {
    this.lastWriteAt = this.silenceClock();
    this.bytesIn += chunk.data.length;
    this.chunksIn++;
    this.rate.add(chunk.data.length, this.now());
    if (chunk.kind === 'header') {
      // One FLV header per publish: a second one would corrupt every reader's byte stream.
      if (this.header) return;
      this.header = chunk;
    } else {
      if (!this.header) {
        this.header = { kind: 'header', data: flvHeader(true, true), keyframe: false, sequenceHeader: false, timestamp: 0 };
        this.fanOut(this.header);
      }
      this.cache(chunk);
    }
    this.fanOut(chunk);
  }

  private cache(chunk: MediaChunk): void {
    if (chunk.kind === 'metadata') {
      this.metadata = chunk;
      return;
    }
    if (chunk.sequenceHeader) {
      if (chunk.kind === 'video') this.videoConfig = chunk;
      else this.audioConfig = chunk;
      return;
    }
    if (chunk.kind === 'video' && chunk.keyframe) {
      this.gop = [chunk];
      this.gopBytes = chunk.data.length;
      return;
    }
    // Until the first keyframe there is nothing a joining reader could decode.
    if (this.gop.length === 0) return;
    this.gop.push(chunk);
    this.gopBytes += chunk.data.length;
    if (this.gop.length > this.maxGopChunks || this.gopBytes > this.maxGopBytes) {
      this.logger.debug({ path: this.name, chunks: this.gop.length, bytes: this.gopBytes }, 'GOP cache over its limit: dropped until the next keyframe');
      this.gop = [];
      this.gopBytes = 0;
    }
  }

  private replayTo(reader: PathReader): void {
    const replay = [this.header, this.metadata, this.videoConfig, this.audioConfig, ...this.gop];
    for (const chunk of replay) {
      if (chunk && !this.deliver(reader, chunk)) return;
    }
  }

  private fanOut(chunk: MediaChunk): void {
    for (const reader of this.readers) this.deliver(reader, chunk);
  }

  /** A reader that throws is dropped and closed; the publisher and the other readers go on. */
  private deliver(reader: PathReader, chunk: MediaChunk): boolean {
    try {
      reader.push(chunk);
      return true;
    } catch (error) {
      this.readers.delete(reader);
      this.logger.warn({ path: this.name, reader: reader.id, err: error }, 'reader failed and was removed');
      this.closeReader(reader, 'reader failed');
      return false;
    }
  }

  private closeReader(reader: PathReader, reason: string): void {
    try {
      reader.close(reason);
    } catch (error) {
      this.logger.warn({ path: this.name, reader: reader.id, err: error }, 'reader close failed');
    }
  }

  private end(reason: string): void {
    this.publisher = undefined;
    this.resetCache();
    const readers = [...this.readers];
    this.readers.clear();
    for (const reader of readers) this.closeReader(reader, reason);
    this.hooks.unpublished(this, reason);
    if (this.idle && !this.replacing) this.hooks.idle(this);
  }

  private resetCache(): void {
    this.header = undefined;
    this.metadata = undefined;
    this.videoConfig = undefined;
    this.audioConfig = undefined;
    this.gop = [];
    this.gopBytes = 0;
  }
}
