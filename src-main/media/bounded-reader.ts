import type { Logger } from '../core/logger.js';
import type { MediaChunk, PathReader } from './types.js';

/** The Writable subset a reader writes to (an ffmpeg stdin, a socket, a file stream). */
export interface ByteSink {
  write(data: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
  /** Listened to when present, so that a dead sink (EPIPE) stops the reader instead of crashing the process. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  end?(): unknown;
}

export interface BoundedReaderOptions {
  id: string;
  sink: ByteSink;
  logger: Logger;
  /** Bytes queued while the sink pushes back; beyond it chunks are dropped until the next keyframe. */
  maxBytes?: number;
  /** Called once, after the queue was flushed (or abandoned) on close. */
  onClose?: (reason: string) => void;
}

export interface BoundedReaderStats {
  id: string;
  queuedBytes: number;
  queuedChunks: number;
  maxBytes: number;
  writtenChunks: number;
  writtenBytes: number;
  dropped: { chunks: number; bytes: number; episodes: number };
  dropping: boolean;
  waitingForDrain: boolean;
  closed: boolean;
  failed: string | undefined;
}

export const DEFAULT_READER_MAX_BYTES = 8 * 1024 * 1024;

/**
 * A PathReader that feeds a ByteSink through a bounded queue. push() never blocks and never throws:
 * when the sink falls behind and the queue is full, media is dropped until a point where a decoder
 * can resume (the next video keyframe; any audio chunk for audio-only streams). The FLV header,
 * metadata and sequence headers are never dropped, so the byte stream stays decodable.
 */
export class BoundedReader implements PathReader {
  readonly id: string;
  private readonly sink: ByteSink;
  private readonly logger: Logger;
  private readonly maxBytes: number;
  private readonly onClose: ((reason: string) => void) | undefined;
  private readonly queue: Buffer[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private writtenChunks = 0;
  private writtenBytes = 0;
  private droppedChunks = 0;
  private droppedBytes = 0;
  private episodes = 0;
  private episodeStart = { chunks: 0, bytes: 0 };
  private dropping = false;
  private waitingForDrain = false;
  private sawVideo = false;
  private closeReason: string | undefined;
  private finished = false;
  private failed: string | undefined;

  constructor(options: BoundedReaderOptions) {
    this.id = options.id;
    this.sink = options.sink;
    this.logger = options.logger;
    this.maxBytes = options.maxBytes ?? DEFAULT_READER_MAX_BYTES;
    this.onClose = options.onClose;
    this.sink.on?.('error', (error) => this.fail(error));
  }

  push(chunk: MediaChunk): void {
    if (this.closeReason !== undefined || this.failed !== undefined) return;
    if (chunk.kind === 'video') this.sawVideo = true;
    const essential = chunk.kind === 'header' || chunk.kind === 'metadata' || chunk.sequenceHeader;
    const size = chunk.data.length;
    const fits = this.queuedBytes + size <= this.maxBytes;
    if (!essential) {
      if (this.dropping) {
        const resumePoint = chunk.kind === 'video' ? chunk.keyframe : !this.sawVideo;
        if (!resumePoint || !fits) return this.drop(size);
        this.endEpisode();
      } else if (!fits) {
        this.startEpisode();
        return this.drop(size);
      }
    }
    this.enqueue(chunk.data);
  }

  close(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    if (this.dropping) this.endEpisode();
    this.finishIfFlushed();
  }

  toJSON(): BoundedReaderStats {
    return {
      id: this.id,
      queuedBytes: this.queuedBytes,
      queuedChunks: this.queue.length - this.queueHead,
      maxBytes: this.maxBytes,
      writtenChunks: this.writtenChunks,
      writtenBytes: this.writtenBytes,
      dropped: { chunks: this.droppedChunks, bytes: this.droppedBytes, episodes: this.episodes },
      dropping: this.dropping,
      waitingForDrain: this.waitingForDrain,
      closed: this.closeReason !== undefined,
      failed: this.failed,
    };
  }

  private enqueue(data: Buffer): void {
    this.queue.push(data);
    this.queuedBytes += data.length;
    // While the sink pushes back, its 'drain' resumes the pump; writing now would ignore backpressure.
    if (!this.waitingForDrain) this.pump();
  }

  private drop(size: number): void {
    this.droppedChunks++;
    this.droppedBytes += size;
  }

  private startEpisode(): void {
    this.dropping = true;
    this.episodes++;
    this.episodeStart = { chunks: this.droppedChunks, bytes: this.droppedBytes };
    this.logger.warn({ reader: this.id, queuedBytes: this.queuedBytes, maxBytes: this.maxBytes }, 'reader is too slow: dropping media until the next keyframe');
  }

  private endEpisode(): void {
    this.dropping = false;
    const chunks = this.droppedChunks - this.episodeStart.chunks;
    const bytes = this.droppedBytes - this.episodeStart.bytes;
    this.logger.info({ reader: this.id, droppedChunks: chunks, droppedBytes: bytes }, 'reader resumed');
  }

  private pump = (): void => {
    this.waitingForDrain = false;
    while (this.queueHead < this.queue.length && this.failed === undefined) {
      const data = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = EMPTY;
      this.queuedBytes -= data.length;
      let more: boolean;
      try {
        more = this.sink.write(data);
      } catch (error) {
        this.fail(error);
        return;
      }
      this.writtenChunks++;
      this.writtenBytes += data.length;
      if (!more) {
        this.waitingForDrain = true;
        this.sink.once('drain', this.pump);
        break;
      }
    }
    this.compact();
    this.finishIfFlushed();
  };

  /** Shifting an array per chunk is O(n): advance a head index and compact now and then. */
  private compact(): void {
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  private fail(error: unknown): void {
    if (this.failed !== undefined) return;
    this.failed = error instanceof Error ? error.message : String(error);
    this.logger.warn({ reader: this.id, err: error }, 'reader sink failed: the reader stops');
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.finish(this.closeReason ?? `sink failed: ${this.failed}`, false);
  }

  private finishIfFlushed(): void {
    if (this.closeReason !== undefined && !this.waitingForDrain && this.queueHead === this.queue.length) {
      this.finish(this.closeReason, true);
    }
  }

  private finish(reason: string, endSink: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (endSink) {
      try {
        this.sink.end?.();
      } catch (error) {
        this.logger.debug({ reader: this.id, err: error }, 'reader sink end failed');
      }
    }
    this.onClose?.(reason);
  }
}

const EMPTY = Buffer.alloc(0);
