import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CaptureEvent } from '../platform/native.js';
import { FramePump } from './frame-pump.js';

/** The addon's side, as the pump sees it: which buffers were handed back, and the newest frame to repeat. */
function fakeCapture() {
  const released: string[] = [];
  let newest: { index: number; generation: number } | null = null;
  return {
    released,
    setNewest: (f: { index: number; generation: number } | null) => (newest = f),
    release: (index: number, generation: number) => void released.push(`${index}@${generation}`),
    repeat: () => newest,
  };
}

const format = (generation = 1, size = 8): CaptureEvent => ({
  type: 'format', width: 2, height: 1, pixelFormat: 'bgr0', generation,
  buffers: [0, 1, 2].map((i) => Buffer.alloc(size, i + 1)),
});

/** A stream whose writes finish only when the test says so. */
class SlowSink extends Writable {
  readonly chunks: Buffer[] = [];
  private pending: (() => void)[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    this.pending.push(cb);
  }
  finish(): void {
    for (const cb of this.pending.splice(0)) cb();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('frame pump', () => {
  it('writes each frame to every encoder and hands the buffer back once all writes are done', async () => {
    const capture = fakeCapture();
    const pump = new FramePump(capture, 30);
    pump.handle(format());
    const a = new SlowSink();
    const b = new SlowSink();
    pump.attach('a', a);
    pump.attach('b', b);
    pump.handle({ type: 'frame', index: 1, generation: 1, ptsNs: 0 });
    expect(a.chunks.map((c) => c[0])).toEqual([2]);
    expect(b.chunks.map((c) => c[0])).toEqual([2]);
    a.finish();
    await tick();
    expect(capture.released).toEqual([]);
    b.finish();
    await tick();
    expect(capture.released).toEqual(['1@1']);
    expect(pump.format).toEqual({ width: 2, height: 1, pixelFormat: 'bgr0' });
    pump.dispose();
  });

  it('drops a frame for an encoder still writing the previous one, never queues it', async () => {
    const capture = fakeCapture();
    const pump = new FramePump(capture, 30);
    pump.handle(format());
    const slow = new SlowSink();
    const fast = new PassThrough();
    fast.resume();
    pump.attach('slow', slow);
    pump.attach('fast', fast);
    pump.handle({ type: 'frame', index: 0, generation: 1, ptsNs: 0 });
    await tick();
    pump.handle({ type: 'frame', index: 1, generation: 1, ptsNs: 1 });
    await tick();
    expect(slow.chunks).toHaveLength(1);
    expect(pump.counts).toEqual({ frames: 2, repeats: 0, dropped: 1 });
    // Frame 1 went to the fast encoder alone and is back; frame 0 waits for the slow one.
    expect(capture.released).toEqual(['1@1']);
    slow.finish();
    await tick();
    expect(capture.released).toEqual(['1@1', '0@1']);
    pump.dispose();
  });

  it('hands back at once a frame of an older format or with no encoder attached', () => {
    const capture = fakeCapture();
    const pump = new FramePump(capture, 30);
    pump.handle(format(2));
    pump.handle({ type: 'frame', index: 0, generation: 2, ptsNs: 0 });
    const sink = new SlowSink();
    pump.attach('a', sink);
    pump.handle({ type: 'frame', index: 2, generation: 1, ptsNs: 0 });
    expect(capture.released).toEqual(['0@2', '2@1']);
    expect(sink.chunks).toHaveLength(0);
    pump.dispose();
  });

  it('sends the newest frame again while the screen does not change, not while frames come', async () => {
    const capture = fakeCapture();
    let now = 0;
    const pump = new FramePump(capture, 20, () => now);
    pump.handle(format());
    const sink = new PassThrough();
    sink.resume();
    pump.attach('a', sink);
    pump.handle({ type: 'frame', index: 0, generation: 1, ptsNs: 0 });
    await tick();
    capture.setNewest({ index: 0, generation: 1 });
    now = 50; // one frame interval: nothing is due yet
    pump.tick();
    expect(pump.counts.repeats).toBe(0);
    now = 80; // a frame and a half without news
    pump.tick();
    expect(pump.counts.repeats).toBe(1);
    capture.setNewest(null); // the newest is in use: nothing to repeat
    now = 200;
    pump.tick();
    expect(pump.counts.repeats).toBe(1);
    await tick();
    pump.dispose();
  });

  it('a detached encoder gets nothing more; re-attaching under the same id replaces the stream', () => {
    const capture = fakeCapture();
    const pump = new FramePump(capture, 30);
    pump.handle(format());
    const first = new SlowSink();
    const detach = pump.attach('a', first);
    const second = new SlowSink();
    pump.attach('a', second);
    detach(); // the first stream's detach no longer removes the second
    pump.handle({ type: 'frame', index: 0, generation: 1, ptsNs: 0 });
    expect(first.chunks).toHaveLength(0);
    expect(second.chunks).toHaveLength(1);
    pump.dispose();
  });
});
