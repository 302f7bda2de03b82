import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DataMessage } from '../../src-shared/contract/data.js';
import { CONFIG_DEFAULTS } from '../../src-shared/config.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { DataHub, HIGH_WATER_BYTES, HISTORY_BYTES, MAX_CHANNELS_PER_STREAM, type DataConfig } from './hub.js';
import type { PublishInput, StreamClockPort, SubscriberSink } from './types.js';

/** A clock live on `alpha` with anchor (media 1000 ms -> PDT 1_700_000_000_000) and newest frame 5000 ms. */
const clock: StreamClockPort = {
  stamp: (stream, mediaTime) => {
    if (stream !== 'alpha') return { mediaTime: null, programDateTime: null };
    const t = mediaTime ?? 5000;
    return { mediaTime: t, programDateTime: 1_700_000_000_000 + (t - 1000) };
  },
  view: () => ({ live: true, mediaTime: 5000, programDateTime: null, anchor: null }),
};

/** A sink whose backlog the test sets; drains when told. */
class FakeSink implements SubscriberSink {
  got: DataMessage[] = [];
  backlogBytes = 0;
  closedWith: string | null = null;
  private drains: (() => void)[] = [];
  write(m: DataMessage): void {
    this.got.push(m);
  }
  backlog(): number {
    return this.backlogBytes;
  }
  onDrain(cb: () => void): void {
    this.drains.push(cb);
  }
  close(reason: string): void {
    this.closedWith = reason;
  }
  drain(): void {
    this.backlogBytes = 0;
    const cbs = this.drains;
    this.drains = [];
    for (const cb of cbs) cb();
  }
  seqs(): number[] {
    return this.got.map((m) => m.seq);
  }
}

const api = { kind: 'api', transport: 'http', remoteAddress: '127.0.0.1' } as const;
const input = (data: unknown, extra: Partial<PublishInput> = {}): PublishInput => ({
  stream: 'alpha',
  channel: 'score',
  contentType: 'application/json',
  data,
  source: api,
  ...extra,
});

describe('DataHub', () => {
  let dir: string;
  let db: Db;
  let config: DataConfig;
  let hub: DataHub;
  const make = (): DataHub => new DataHub({ db, clock, config: () => config, logger: silentLogger(), now: () => 42 });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-'));
    db = openDatabase(path.join(dir, 'studio.db'));
    config = { ...CONFIG_DEFAULTS.data, historySize: 10, subscriberQueue: 3 };
    hub = make();
  });
  afterEach(() => {
    hub.dispose();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('numbers, stamps and stores messages; taps see them synchronously', () => {
    const tapped: string[] = [];
    const off = hub.onMessage((m) => tapped.push(m.id));
    const a = hub.publish(input({ home: 1 }));
    const b = hub.publish(input({ home: 2 }, { mediaTime: 2000 }));
    const other = hub.publish(input('x', { stream: 'beta' }));
    off();
    hub.publish(input({ home: 3 }));
    expect(tapped).toEqual(['score:1', 'score:2', 'score:1']);
    expect(a).toMatchObject({ id: 'score:1', seq: 1, at: 42, mediaTime: 5000, programDateTime: 1_700_000_004_000, data: { home: 1 } });
    expect(b).toMatchObject({ seq: 2, mediaTime: 2000, programDateTime: 1_700_000_001_000 });
    expect(other).toMatchObject({ seq: 1, mediaTime: null, programDateTime: null });
    expect(hub.messages('alpha', 'score', { fromPdt: 1_700_000_001_000, toPdt: 1_700_000_001_000 }).map((m) => m.data)).toEqual([{ home: 2 }]);
  });

  it('continues seqs and memory from the store after a restart', () => {
    for (let i = 1; i <= 15; i++) hub.publish(input(i));
    hub.dispose();
    hub = make();
    expect(hub.messages('alpha', 'score', { afterSeq: 12 }).map((m) => m.data)).toEqual([13, 14, 15]);
    expect(hub.publish(input(16)).seq).toBe(16);
    // Older than memory (10 kept): read from the store.
    expect(hub.messages('alpha', 'score', { afterSeq: 0, limit: 3 }).map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(hub.stats('alpha')).toMatchObject([{ channel: 'score', lastSeq: 16, published: 1 }]);
  });

  it('keeps MessagePack bodies and refuses reserved channels, bad names and oversized bodies', () => {
    const raw = Buffer.from([0x81, 0xa1, 0x61, 0x01]); // {a: 1}
    hub.publish(input({ a: 1 }, { contentType: 'application/msgpack', raw }));
    hub.flush();
    expect(hub.messages('alpha', 'score', { fromPdt: 0 })[0]).toMatchObject({ contentType: 'application/msgpack', data: { a: 1 } });
    expect(() => hub.publish(input(1, { channel: 'chat' }))).toThrow(expect.objectContaining({ code: 'CHANNEL_RESERVED' }));
    expect(hub.publish(input(1, { channel: 'chat', source: { ...api, kind: 'studio' } })).seq).toBe(1);
    expect(() => hub.publish(input(1, { channel: 'Bad Name' }))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(() => hub.publish(input('x'.repeat(65 * 1024)))).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });

  it('bounds what it keeps in memory: channels per stream, and the bytes of a channel\'s history', () => {
    for (let i = 0; i < MAX_CHANNELS_PER_STREAM; i++) hub.publish(input(i, { channel: `c${i}` }));
    expect(() => hub.publish(input(1, { channel: 'one-more' }))).toThrow(expect.objectContaining({ code: 'CHANNEL_LIMIT' }));
    expect(hub.publish(input(2, { channel: 'c0' })).seq).toBe(2);
    expect(hub.publish(input(1, { stream: 'beta', channel: 'one-more' })).seq).toBe(1);
    // 10 kept by count, but 64 KiB messages: only what fits in HISTORY_BYTES stays in memory; the store has them all.
    config = { ...config, historySize: 1000 };
    const big = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 100; i++) hub.publish(input(big, { stream: 'beta', channel: 'big' }));
    expect(hub.stats('beta').find((c) => c.channel === 'big')!.lastSeq).toBe(100);
    const kept = Math.floor(HISTORY_BYTES / Buffer.byteLength(JSON.stringify(big)));
    const sink = new FakeSink();
    hub.subscribe('beta', 'big', sink, { label: 'test', afterSeq: 0 });
    expect(sink.got.length).toBe(kept);
    expect(sink.got[0]!.seq).toBe(100 - kept + 1);
  });

  it('redacts a kept message by its data id in memory, in the unwritten batch and in the store', () => {
    hub.publish(input({ type: 'chat', id: 'a', text: 'fine' }, { channel: 'chat', source: { ...api, kind: 'studio' } }));
    hub.flush();
    hub.publish(input({ type: 'chat', id: 'b', text: 'rude' }, { channel: 'chat', source: { ...api, kind: 'studio' } }));
    hub.publish(input({ type: 'chat', id: 'a', text: 'gone' }, { channel: 'chat', source: { ...api, kind: 'studio' } }));
    const removal = { type: 'chat-delete', id: 'a' };
    hub.redact('alpha', 'chat', 'a', removal);
    expect(hub.messages('alpha', 'chat', { afterSeq: 0 }).map((m) => m.data)).toEqual([removal, { type: 'chat', id: 'b', text: 'rude' }, removal]);
    hub.dispose();
    hub = make();
    expect(hub.messages('alpha', 'chat', { afterSeq: 0 }).map((m) => m.data)).toEqual([removal, { type: 'chat', id: 'b', text: 'rude' }, removal]);
  });

  it('readers cannot crowd out channels: only published ones count, and the studio\'s own always get a place', () => {
    const sinks = Array.from({ length: MAX_CHANNELS_PER_STREAM }, (_, i) => {
      const sink = new FakeSink();
      hub.subscribe('alpha', `r${i}`, sink, { label: 'reader' });
      return sink;
    });
    expect(hub.publish(input(1, { channel: 'real' })).seq).toBe(1);
    for (let i = 1; i < MAX_CHANNELS_PER_STREAM; i++) hub.publish(input(i, { channel: `p${i}` }));
    expect(() => hub.publish(input(1, { channel: 'r0' }))).toThrow(expect.objectContaining({ code: 'CHANNEL_LIMIT' }));
    expect(hub.publish(input(1, { channel: 'chat', source: { ...api, kind: 'studio' } })).seq).toBe(1);
    expect(sinks[0]!.got).toEqual([]);
  });

  it('replays after a seq and reports a gap older than the history', () => {
    for (let i = 1; i <= 15; i++) hub.publish(input(i));
    const sink = new FakeSink();
    const gaps: unknown[] = [];
    hub.subscribe('alpha', 'score', sink, { label: 't', afterSeq: 2, onGap: (g) => gaps.push(g) });
    expect(gaps).toEqual([{ fromSeq: 3, toSeq: 5 }]);
    expect(sink.seqs()).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    hub.publish(input(16));
    expect(sink.seqs().at(-1)).toBe(16);
  });

  it('drop-oldest: a slow subscriber loses its oldest messages, counted, and the fast one gets everything', () => {
    const slow = new FakeSink();
    const fast = new FakeSink();
    const sub = hub.subscribe('alpha', 'score', slow, { label: 'slow', policy: 'drop-oldest' });
    hub.subscribe('alpha', 'score', fast, { label: 'fast' });
    hub.publish(input(1));
    slow.backlogBytes = HIGH_WATER_BYTES + 1;
    for (let i = 2; i <= 10; i++) hub.publish(input(i));
    expect(fast.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(slow.seqs()).toEqual([1]);
    slow.drain();
    expect(slow.seqs()).toEqual([1, 8, 9, 10]);
    expect(sub.dropped()).toBe(6);
    expect(hub.stats('alpha')[0]).toMatchObject({ dropped: 6, subscribers: 2, disconnected: 0, published: 10 });
  });

  it('queue: holds up to subscriberQueue then cuts the subscriber off; disconnect: cuts at once', () => {
    const queued = new FakeSink();
    const strict = new FakeSink();
    hub.subscribe('alpha', 'score', queued, { label: 'q', policy: 'queue' });
    hub.subscribe('alpha', 'score', strict, { label: 'd', policy: 'disconnect' });
    queued.backlogBytes = strict.backlogBytes = HIGH_WATER_BYTES + 1;
    for (let i = 1; i <= 3; i++) hub.publish(input(i));
    expect(strict.closedWith).toMatch(/disconnect/);
    expect(queued.closedWith).toBeNull();
    hub.publish(input(4));
    expect(queued.closedWith).toMatch(/queue/);
    expect(hub.stats('alpha')[0]).toMatchObject({ subscribers: 0, disconnected: 2 });
    queued.drain();
    expect(queued.got).toEqual([]);
  });

  it('a wildcard subscriber gets every channel of its stream only', () => {
    const sink = new FakeSink();
    const sub = hub.subscribe('alpha', '*', sink, { label: 'all' });
    hub.publish(input(1, { channel: 'a' }));
    hub.publish(input(2, { channel: 'b' }));
    hub.publish(input(3, { stream: 'beta', channel: 'a' }));
    expect(sink.got.map((m) => m.id)).toEqual(['a:1', 'b:1']);
    sub.unsubscribe();
    hub.publish(input(4, { channel: 'a' }));
    expect(sink.got).toHaveLength(2);
  });

  it('closes a deleted stream\'s subscribers and forgets channels nobody published to', () => {
    const a = new FakeSink();
    const b = new FakeSink();
    hub.subscribe('alpha', 'score', a, { label: 'a' });
    const sub = hub.subscribe('alpha', 'empty', b, { label: 'b' });
    expect(hub.messages('alpha', 'never', {})).toEqual([]);
    expect(hub.stats('alpha').map((c) => c.channel)).toEqual(['empty', 'score']);
    sub.unsubscribe();
    expect(hub.stats('alpha').map((c) => c.channel)).toEqual(['score']);
    const off = hub.addSubscriberCounter((stream, channel) => (stream === 'alpha' && channel === 'score' ? 5 : 0));
    expect(hub.stats('alpha')[0]).toMatchObject({ channel: 'score', subscribers: 6 });
    off();
    hub.closeStream('alpha');
    expect(a.closedWith).toMatch(/deleted/);
    expect(hub.stats('alpha')).toEqual([]);
  });
});
