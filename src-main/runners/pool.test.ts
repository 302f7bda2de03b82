import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import type { RunnerClientMessage, RunnerServerMessage } from '../../src-shared/contract/runners.js';
import { JobError } from '../core/job-error.js';
import type { FfmpegExit } from '../encoder/ffmpeg-runner.js';
import { silentLogger } from '../core/logger.js';
import { RunnerPool, type LeaseWork } from './pool.js';

// The pool with sockets the test plays (as a runner would speak) and a fake clock: leases, their
// expiry, results under a lease that ended, refusals, placement and reservations.

beforeEach(() => vi.useFakeTimers({ now: 1_800_000_000_000 }));
afterEach(() => vi.useRealTimers());

function harness() {
  let clock = 0;
  let capacity = 0;
  const pool = new RunnerPool({ logger: silentLogger(), version: '1.4.2', leaseMs: () => 4000, onChange: () => {}, onCapacity: () => (capacity += 1), clock: () => clock });
  pool.start();
  const connect = (name: string, slots = 1) => {
    const sent: RunnerServerMessage[] = [];
    const closed: { code: number; reason: string }[] = [];
    const handler = pool.attach({ address: '10.0.0.9', send: (m) => sent.push(m), close: (code, reason) => closed.push({ code, reason }) });
    const say = (m: RunnerClientMessage): void => handler.onMessage(JSON.stringify(m));
    say({ type: 'hello', name, version: '1.4.0', clock: Date.now(), slots, cores: 4, encoders: ['libx264'], ffmpeg: '5.1' });
    const id = (sent.find((m) => m.type === 'welcome') as { id: string } | undefined)?.id;
    return { id: id!, sent, closed, say, handler, jobs: () => sent.filter((m): m is Extract<RunnerServerMessage, { type: 'job' }> => m.type === 'job') };
  };
  const work = (accept: LeaseWork['accept'] = async () => {}): LeaseWork => ({
    kind: 'process',
    spec: { preset: 'fast', normalizeLoudness: false, durationSec: 8 },
    source: { file: '/library/uploads/abc', size: 100, sha256: 'f'.repeat(64), name: 'abc' },
    accept,
  });
  const ctx = (jobId: string) => {
    const controller = new AbortController();
    const progress: number[] = [];
    return { controller, progress, ctx: { jobId, subject: `vid_${jobId}`, signal: controller.signal, progress: (v: number) => progress.push(v) } };
  };
  return { pool, connect, work, ctx, tick: (ms: number) => ((clock += ms), vi.advanceTimersByTime(ms)), capacity: () => capacity };
}

describe('RunnerPool', () => {
  it('welcomes a runner, leases a job to it, feeds its progress to the job and settles on an accepted result', async () => {
    const h = harness();
    const a = h.connect('a');
    expect(a.sent[0]).toMatchObject({ type: 'welcome', leaseMs: 4000, heartbeatMs: 1333 });
    expect(h.pool.list()).toMatchObject([{ name: 'a', address: '10.0.0.9', slots: 1, encoders: ['libx264'], jobs: [] }]);
    const accepted: string[] = [];
    const c = h.ctx('j1');
    expect(h.pool.place({ id: 'j1', kind: 'process' }, false)).toBe(a.id);
    // Reserved: no second job fits before the lease is even made.
    expect(h.pool.hasFreeSlot()).toBe(false);
    const done = h.pool.execute(a.id, c.ctx, h.work(async (id) => void accepted.push(id)));
    const job = a.jobs()[0]!;
    expect(job).toMatchObject({ jobId: 'j1', kind: 'process', source: { path: `/runner-leases/${job.lease}/source`, size: 100 } });
    expect(h.pool.leaseBySecret(job.lease, job.secret)?.jobId).toBe('j1');
    expect(h.pool.leaseBySecret(job.lease, 'x'.repeat(job.secret.length))).toBeUndefined();
    a.say({ type: 'progress', lease: job.lease, value: 0.4, step: 'encode' });
    expect(c.progress).toEqual([0.4]);
    expect(h.pool.list()[0]!.jobs).toMatchObject([{ jobId: 'j1', progress: 0.4, step: 'encode' }]);
    a.say({ type: 'result', lease: job.lease, uploadId: 'up1' });
    await expect(done).resolves.toBeUndefined();
    expect(accepted).toEqual(['up1']);
    expect(a.sent.at(-1)).toEqual({ type: 'resultAck', lease: job.lease, ok: true });
    expect(h.pool.list()[0]).toMatchObject({ done: 1, failed: 0, jobs: [] });
    expect(h.pool.hasFreeSlot()).toBe(true);
  });

  it("frees the runner's slot when its result arrives: the next job starts there while the host checks the output", async () => {
    const h = harness();
    const a = h.connect('a');
    h.pool.place({ id: 'j1', kind: 'process' }, false);
    let finishCheck: () => void = () => {};
    const done = h.pool.execute(a.id, h.ctx('j1').ctx, h.work(() => new Promise<void>((resolve) => (finishCheck = resolve))));
    const before = h.capacity();
    a.say({ type: 'result', lease: a.jobs()[0]!.lease, uploadId: 'u' });
    expect(h.pool.hasFreeSlot()).toBe(true);
    expect(h.capacity()).toBe(before + 1);
    expect(h.pool.list()[0]!.jobs).toEqual([]);
    // Checking takes long: the lease does not expire meanwhile.
    h.tick(10_000);
    finishCheck();
    await expect(done).resolves.toBeUndefined();
    expect(h.pool.list()[0]).toMatchObject({ done: 1 });
  });

  it('a lease not renewed for leaseMs ends with RUNNER_LOST; heartbeats naming it keep it; a late result is refused', async () => {
    const h = harness();
    const a = h.connect('a');
    h.pool.place({ id: 'j1', kind: 'process' }, false);
    const accepted: string[] = [];
    const done = h.pool.execute(a.id, h.ctx('j1').ctx, h.work(async (id) => void accepted.push(id)));
    const lease = a.jobs()[0]!.lease;
    for (let i = 0; i < 5; i++) {
      h.tick(3000);
      a.say({ type: 'heartbeat', load: 0.5, leases: [lease] });
    }
    expect(h.pool.list()[0]!.jobs).toHaveLength(1);
    h.tick(4500);
    await expect(done).rejects.toMatchObject({ code: 'RUNNER_LOST' });
    expect(a.sent.at(-1)).toMatchObject({ type: 'cancel', lease });
    // The runner's result comes after: refused, nothing published, nobody told twice.
    a.say({ type: 'result', lease, uploadId: 'late' });
    expect(accepted).toEqual([]);
    expect(a.sent.at(-1)).toMatchObject({ type: 'resultAck', lease, ok: false, error: { code: 'LEASE_LOST' } });
    expect(h.pool.list()[0]).toMatchObject({ failed: 1, load: 0.5 });
  });

  it('a runner that reconnects in time names its lease again and keeps it', async () => {
    const h = harness();
    const a = h.connect('a');
    h.pool.place({ id: 'j1', kind: 'process' }, false);
    const done = h.pool.execute(a.id, h.ctx('j1').ctx, h.work());
    const job = a.jobs()[0]!;
    a.handler.onClose();
    expect(h.pool.list()).toEqual([]);
    h.tick(2000);
    const again = h.connect('a');
    again.say({ type: 'heartbeat', load: null, leases: [job.lease] });
    h.tick(3000);
    again.say({ type: 'result', lease: job.lease, uploadId: 'u' });
    await expect(done).resolves.toBeUndefined();
    expect(h.pool.list()[0]).toMatchObject({ id: again.id, done: 1 });
  });

  it('a failed job or a refused output goes elsewhere next time; the origin is preferred over the runner that failed it', async () => {
    const h = harness();
    const a = h.connect('a', 2);
    const b = h.connect('b', 1);
    expect(h.pool.place({ id: 'j1', kind: 'process' }, false)).toBe(a.id);
    const first = h.pool.execute(a.id, h.ctx('j1').ctx, h.work(async () => {
      throw new JobError('OUTPUT_INVALID', 'the MP4 is not media', { retry: true });
    }));
    a.say({ type: 'result', lease: a.jobs()[0]!.lease, uploadId: 'bad' });
    await expect(first).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
    expect(a.sent.at(-1)).toMatchObject({ type: 'resultAck', ok: false, error: { code: 'OUTPUT_INVALID' } });
    expect(h.pool.place({ id: 'j1', kind: 'process' }, false)).toBe(b.id);
    void h.pool.execute(b.id, h.ctx('j1').ctx, h.work()).catch(() => undefined);
    // b is busy now: for j1 again, the origin's free slot is better than the runner that failed it...
    h.pool.release('j1');
    expect(h.pool.place({ id: 'j1', kind: 'process' }, true)).toBeUndefined();
    // ...and with no slot here, a is better than waiting.
    expect(h.pool.place({ id: 'j1', kind: 'process' }, false)).toBe(a.id);
    // A kind runners do not run is never placed.
    expect(h.pool.place({ id: 'j3', kind: 'recording-vod' }, false)).toBeUndefined();
  });

  it("the job's cancel reaches the runner; a runner's failure carries its code and retry", async () => {
    const h = harness();
    const a = h.connect('a', 2);
    const one = h.ctx('j1');
    h.pool.place({ id: 'j1', kind: 'process' }, false);
    const cancelled = h.pool.execute(a.id, one.ctx, h.work());
    one.controller.abort(new JobError('CANCELLED', 'cancelled by the user'));
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(a.sent.at(-1)).toMatchObject({ type: 'cancel', reason: 'cancelled by the user' });
    h.pool.place({ id: 'j2', kind: 'process' }, false);
    const failed = h.pool.execute(a.id, h.ctx('j2').ctx, h.work());
    a.say({ type: 'failed', lease: a.jobs()[1]!.lease, code: 'MEDIA_INVALID', message: 'no video stream', retry: false });
    const error = (await failed.catch((e: unknown) => e)) as JobError;
    expect(error).toMatchObject({ code: 'MEDIA_INVALID', options: { retry: false } });
    expect(error.message).toMatch(/on runner a: no video stream/);
  });

  it('a job cancelled before its lease is made sends the runner nothing', async () => {
    const h = harness();
    const a = h.connect('a');
    h.pool.place({ id: 'j1', kind: 'process' }, false);
    const c = h.ctx('j1');
    c.controller.abort(new JobError('CANCELLED', 'cancelled'));
    await expect(h.pool.execute(a.id, c.ctx, h.work())).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(a.jobs()).toEqual([]);
    expect(h.pool.hasFreeSlot()).toBe(true);
  });

  it('refuses another release line, a far clock and a malformed hello, with the reason, and closes', () => {
    const h = harness();
    for (const [hello, code] of [
      [{ version: '1.5.0' }, 'RUNNER_VERSION'],
      [{ clock: Date.now() - 45_000 }, 'RUNNER_CLOCK'],
      [{ slots: 0 }, 'BAD_REQUEST'],
    ] as const) {
      const sent: RunnerServerMessage[] = [];
      const closed: number[] = [];
      const handler = h.pool.attach({ address: 'x', send: (m) => sent.push(m), close: (c) => closed.push(c) });
      handler.onMessage(JSON.stringify({ ...{ type: 'hello', name: 'r', version: '1.4.9', clock: Date.now(), slots: 1, cores: 1, encoders: [], ffmpeg: 'x' }, ...hello }));
      expect(sent).toMatchObject([{ type: 'refused', code }]);
      expect(closed).toEqual([4003]);
    }
    expect(h.pool.list()).toEqual([]);
    // Anything but a hello first, or not JSON: closed.
    const closed: number[] = [];
    h.pool.attach({ address: 'x', send: () => {}, close: (c) => closed.push(c) }).onMessage('{"type":"heartbeat"}');
    h.pool.attach({ address: 'x', send: () => {}, close: (c) => closed.push(c) }).onMessage('nope');
    expect(closed).toEqual([1008, 1007]);
  });

  it('remove() disconnects a runner and returns its jobs at once', async () => {
    const h = harness();
    const a = h.connect('a');
    h.pool.place({ id: 'j1', kind: 'process' }, false);
    const done = h.pool.execute(a.id, h.ctx('j1').ctx, h.work());
    expect(h.pool.remove(a.id)).toBe(true);
    await expect(done).rejects.toMatchObject({ code: 'RUNNER_LOST' });
    expect(a.closed).toEqual([{ code: 4004, reason: 'removed by an operator' }]);
    expect(h.pool.remove(a.id)).toBe(false);
    expect(h.capacity()).toBeGreaterThan(0);
  });
});

/** A live link as the route hands it over: what the origin sends, and the runner's side to play. */
class FakeLink extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: (Buffer | string)[] = [];
  closedWith: number | undefined;
  send(data: Buffer | string, _options?: unknown, cb?: () => void): void {
    this.sent.push(data);
    cb?.();
  }
  ping(): void {
    queueMicrotask(() => this.emit('pong'));
  }
  close(code: number): void {
    if (this.readyState !== 1) return;
    this.closedWith = code;
    this.readyState = 3;
    this.emit('close', code, Buffer.alloc(0));
  }
  terminate(): void {
    this.close(1006);
  }
  /** The runner sends `body` on `channel`. */
  channel(channel: number, body: string): void {
    this.emit('message', Buffer.concat([Buffer.from([channel]), Buffer.from(body)]), true);
  }
}

describe('RunnerPool live ladders', () => {
  const callbacks = () => {
    const exits: FfmpegExit[] = [];
    const progress: number[] = [];
    return { exits, progress, callbacks: { onProgress: (p: { fps: number | null }) => progress.push(p.fps ?? -1), onExit: (e: FfmpegExit) => exits.push(e), logger: silentLogger() } };
  };

  it('places a run on a free runner with the encoder, relays the FLV, the tracks and the progress, and gives the slot back on exit', async () => {
    const h = harness();
    const a = h.connect('a', 1);
    const c = callbacks();
    expect(h.pool.launchLive('show', 'h264_nvenc', { args: ['-i', 'pipe:0'], tracks: 2 }, c.callbacks)).toBeUndefined();
    const ladder = h.pool.launchLive('show', 'libx264', { args: ['-i', 'pipe:0'], tracks: 2 }, c.callbacks)!;
    expect(ladder.where).toBe('a');
    const asked = a.sent.find((m) => m.type === 'live') as Extract<RunnerServerMessage, { type: 'live' }>;
    expect(asked).toMatchObject({ stream: 'show', args: ['-i', 'pipe:0'], tracks: 2, path: `/runner-leases/${asked.lease}/live` });
    // Its slot is taken: a job finds none.
    expect(h.pool.hasFreeSlot()).toBe(false);
    expect(h.pool.list()[0]!.jobs).toMatchObject([{ subject: 'live:show', step: 'starting' }]);
    // FLV written before the runner connects waits for its link.
    ladder.stdin!.write(Buffer.from('FLV-1'));
    expect(h.pool.liveBySecret(asked.lease, 'x'.repeat(asked.secret.length))).toBeUndefined();
    const link = new FakeLink();
    h.pool.liveBySecret(asked.lease, asked.secret)!.attach(link as never);
    ladder.stdin!.write(Buffer.from('FLV-2'));
    expect(link.sent.map(String)).toEqual(['FLV-1', 'FLV-2']);
    const got: string[] = [];
    ladder.tracks[1]!.on('data', (d: Buffer) => got.push(String(d)));
    link.channel(1, 'moof');
    link.channel(0xff, 'fps=25\nprogress=continue\n');
    await vi.advanceTimersByTimeAsync(0);
    expect(got).toEqual(['moof']);
    expect(c.progress).toEqual([25]);
    // A second link for the same run is refused.
    const again = new FakeLink();
    h.pool.liveBySecret(asked.lease, asked.secret)!.attach(again as never);
    expect(again.closedWith).toBe(4000);
    // The origin ends the input, the runner's ffmpeg finishes with 0.
    const finished = ladder.finish(3000, 0);
    await vi.advanceTimersByTimeAsync(1);
    expect(link.sent.at(-1)).toBe('end');
    link.emit('message', Buffer.from(JSON.stringify({ type: 'exit', code: 0, signal: null })), false);
    await finished;
    expect(c.exits).toEqual([{ code: 0, signal: null, requested: true }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(h.pool.hasFreeSlot()).toBe(true);
    expect(h.pool.list()[0]).toMatchObject({ failed: 0, jobs: [] });
  });

  it('ends a run whose runner never connects or whose link drops, and keeps that stream off that runner for a while', async () => {
    const h = harness();
    h.connect('a', 1);
    const c = callbacks();
    const first = h.pool.launchLive('show', 'libx264', { args: [], tracks: 1 }, c.callbacks)!;
    h.tick(5000);
    await vi.advanceTimersByTimeAsync(1);
    expect(c.exits).toEqual([{ code: null, signal: null, requested: false }]);
    expect(first.reason(c.exits[0]!)).toBe('on runner a: the runner did not open its live link within 5 s');
    // The failed runner is avoided for this stream (the origin encodes), not for another one.
    expect(h.pool.launchLive('show', 'libx264', { args: [], tracks: 1 }, c.callbacks)).toBeUndefined();
    const b = h.connect('b', 1);
    const second = h.pool.launchLive('show', 'libx264', { args: [], tracks: 1 }, c.callbacks)!;
    expect(second.where).toBe('b');
    const asked = b.sent.find((m) => m.type === 'live') as Extract<RunnerServerMessage, { type: 'live' }>;
    const link = new FakeLink();
    h.pool.liveBySecret(asked.lease, asked.secret)!.attach(link as never);
    link.terminate();
    await vi.advanceTimersByTimeAsync(1);
    expect(c.exits[1]).toEqual({ code: null, signal: null, requested: false });
    expect(second.reason(c.exits[1]!)).toBe('on runner b: the link to the runner was lost');
    expect(h.pool.launchLive('other', 'libx264', { args: [], tracks: 1 }, c.callbacks)?.where).toBe('a');
    expect(h.pool.list().find((r) => r.name === 'b')).toMatchObject({ failed: 1 });
    // After the avoid window, the stream may go back to b.
    h.tick(61_000);
    expect(h.pool.launchLive('show', 'libx264', { args: [], tracks: 1 }, c.callbacks)?.where).toBe('b');
  });
});
