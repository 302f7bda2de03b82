import { EventEmitter } from 'node:events';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { BoundedReader } from './bounded-reader.js';
import { buildTag, chunkFromTag, flvHeader, FlvSplitter, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../protocols/flv/flv.js';
import { PathManager } from './path-manager.js';
import type { MediaChunk } from './types.js';

/** A Writable-like sink that accepts every write but reports backpressure while stalled, like a pipe to a stuck ffmpeg. */
class StallingSink extends EventEmitter {
  readonly out: Buffer[] = [];
  private pending: Buffer[] = [];
  stalled = true;
  writes = 0;
  ended = false;
  constructor(private readonly highWaterMark = 64 * 1024) {
    super();
  }
  write(data: Buffer): boolean {
    this.writes++;
    if (!this.stalled) {
      this.out.push(data);
      return true;
    }
    this.pending.push(data);
    return this.pending.reduce((n, b) => n + b.length, 0) < this.highWaterMark;
  }
  release(): void {
    this.stalled = false;
    this.out.push(...this.pending);
    this.pending = [];
    this.emit('drain');
  }
  end(): void {
    this.ended = true;
  }
}

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

/** A synthetic stream; every tag's timestamp is its index, so gaps in the output show what was dropped. */
function* stream(gops: number, options: { video?: boolean; resendConfigAt?: number } = {}): Generator<MediaChunk> {
  const video = options.video ?? true;
  let index = 0;
  const tag = (type: number, body: Buffer) => chunkFromTag(buildTag(type, index++, body));
  yield { kind: 'header', data: flvHeader(true, video), keyframe: false, sequenceHeader: false, timestamp: 0 };
  yield tag(TAG_SCRIPT, Buffer.from([0x02, 0x00, 0x0a, ...Buffer.from('onMetaData'), 0x05]));
  if (video) yield tag(TAG_VIDEO, Buffer.from([0x17, 0x00, 0, 0, 0, 1, 2, 3]));
  yield tag(TAG_AUDIO, Buffer.from([0xaf, 0x00, 0x12, 0x10]));
  for (let g = 0; g < gops; g++) {
    if (g === options.resendConfigAt && video) yield tag(TAG_VIDEO, Buffer.from([0x17, 0x00, 0, 0, 0, 9, 9, 9]));
    for (let f = 0; f < 30; f++) {
      if (video) yield tag(TAG_VIDEO, Buffer.concat([Buffer.from([f === 0 ? 0x17 : 0x27, 0x01, 0, 0, 0]), Buffer.alloc(f === 0 ? 10_000 : 2_000)]));
      yield tag(TAG_AUDIO, Buffer.concat([Buffer.from([0xaf, 0x01]), Buffer.alloc(300)]));
    }
  }
}

const isKey = (c: MediaChunk) => c.kind === 'video' && c.keyframe && !c.sequenceHeader;

describe('BoundedReader', () => {
  it('never blocks the publisher behind a stalled sink, drops with one warning, and keeps other readers whole', () => {
    const { logger, warnings } = capturingLogger();
    const sink = new StallingSink();
    const slow = new BoundedReader({ id: 'slow', sink, logger, maxBytes: 1024 * 1024 });
    const fastSink = new StallingSink();
    fastSink.stalled = false;
    const fast = new BoundedReader({ id: 'fast', sink: fastSink, logger });
    const paths = new PathManager(logger);
    paths.addReader('main', slow);
    paths.addReader('main', fast);
    const pub = paths.publish('main', { protocol: 'rtmp', remoteAddress: '127.0.0.1', kick: () => undefined });

    const chunks = [...stream(300)];
    const started = performance.now();
    for (const chunk of chunks) pub.write(chunk);
    const elapsed = performance.now() - started;

    const stats = slow.toJSON();
    expect(elapsed).toBeLessThan(1000);
    expect(stats.queuedBytes).toBeLessThanOrEqual(1024 * 1024);
    expect(stats.dropped.chunks).toBeGreaterThan(chunks.length / 2);
    expect(stats.dropped.episodes).toBe(1);
    expect(stats).toMatchObject({ dropping: true, waitingForDrain: true });
    // The stalled sink was not hammered: writes stopped at the first backpressure signal.
    expect(sink.writes).toBeLessThan(100);
    expect(warnings()).toEqual(['reader is too slow: dropping media until the next keyframe']);
    expect(fast.toJSON()).toMatchObject({ writtenChunks: chunks.length, dropped: { chunks: 0 } });
  });

  it('resumes at a keyframe after a drop episode and keeps the byte stream valid FLV', () => {
    const { logger, warnings } = capturingLogger();
    const sink = new StallingSink();
    const reader = new BoundedReader({ id: 'r', sink, logger, maxBytes: 256 * 1024 });
    const chunks = [...stream(40, { resendConfigAt: 20 })];
    const stallUntil = chunks.findIndex((c, i) => i > 1000 && c.kind === 'video' && !c.keyframe);
    for (const chunk of chunks.slice(0, stallUntil)) reader.push(chunk);
    expect(reader.toJSON().dropping).toBe(true);
    sink.release();
    for (const chunk of chunks.slice(stallUntil)) reader.push(chunk);

    const received = new FlvSplitter().push(Buffer.concat(sink.out));
    expect(received[0]!.kind).toBe('header');
    expect(received.filter((c) => c.kind === 'header')).toHaveLength(1);
    // Each gap in the tag indices (timestamps) must end on a keyframe or a sequence header.
    let gaps = 0;
    for (let i = 2; i < received.length; i++) {
      const jumped = received[i]!.timestamp !== received[i - 1]!.timestamp + 1;
      if (!jumped) continue;
      gaps++;
      expect(isKey(received[i]!) || received[i]!.sequenceHeader).toBe(true);
    }
    expect(gaps).toBeGreaterThan(0);
    // The configuration re-sent during the stall was not dropped.
    expect(received.some((c) => c.sequenceHeader && c.data.includes(Buffer.from([9, 9, 9])))).toBe(true);
    expect(received.at(-1)!.timestamp).toBe(chunks.at(-1)!.timestamp);
    const stats = reader.toJSON();
    expect(stats).toMatchObject({ dropping: false, dropped: { episodes: 1 } });
    expect(stats.writtenChunks + stats.dropped.chunks).toBe(chunks.length);
    expect(warnings()).toHaveLength(1);
  });

  it('resumes an audio-only stream at the next audio chunk', () => {
    const { logger } = capturingLogger();
    const sink = new StallingSink(1024);
    const reader = new BoundedReader({ id: 'audio', sink, logger, maxBytes: 8 * 1024 });
    const chunks = [...stream(10, { video: false })];
    for (const chunk of chunks.slice(0, 200)) reader.push(chunk);
    expect(reader.toJSON().dropping).toBe(true);
    sink.release();
    for (const chunk of chunks.slice(200)) reader.push(chunk);
    expect(reader.toJSON().dropping).toBe(false);
    expect(new FlvSplitter().push(Buffer.concat(sink.out)).at(-1)!.timestamp).toBe(chunks.at(-1)!.timestamp);
  });

  it('flushes its queue before ending the sink on close', () => {
    const { logger } = capturingLogger();
    const sink = new StallingSink(10);
    const closed: string[] = [];
    const reader = new BoundedReader({ id: 'r', sink, logger, onClose: (reason) => closed.push(reason) });
    const chunks = [...stream(1)];
    for (const chunk of chunks) reader.push(chunk);
    reader.close('publisher disconnected');
    expect(closed).toEqual([]);
    expect(sink.ended).toBe(false);
    sink.release();
    expect(sink.ended).toBe(true);
    expect(closed).toEqual(['publisher disconnected']);
    expect(Buffer.concat(sink.out).equals(Buffer.concat(chunks.map((c) => c.data)))).toBe(true);
    reader.push(chunks[5]!);
    expect(reader.toJSON()).toMatchObject({ closed: true, queuedChunks: 0 });
  });

  it('stops, without throwing, when its sink fails (EPIPE from a dead ffmpeg)', () => {
    const { logger, warnings } = capturingLogger();
    const sink = new StallingSink();
    const closed: string[] = [];
    const reader = new BoundedReader({ id: 'r', sink, logger, onClose: (reason) => closed.push(reason) });
    const chunks = [...stream(1)];
    reader.push(chunks[0]!);
    sink.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(() => reader.push(chunks[1]!)).not.toThrow();
    expect(closed).toEqual(['sink failed: write EPIPE']);
    expect(reader.toJSON()).toMatchObject({ failed: 'write EPIPE', queuedBytes: 0 });
    expect(warnings()).toEqual(['reader sink failed: the reader stops']);

    const throwing = new BoundedReader({ id: 't', sink: { write: () => { throw new Error('closed'); }, once: () => undefined }, logger });
    expect(() => throwing.push(chunks[0]!)).not.toThrow();
    expect(throwing.toJSON().failed).toBe('closed');
  });
});
