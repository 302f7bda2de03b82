import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DataMessage } from './contract/data.js';
import { connectData, type SocketLike } from './data-client.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: string[] = [];
  closed = false;
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.closed = true;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(value: unknown): void {
    this.onmessage?.({ data: JSON.stringify(value) });
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }
}

const message = (seq: number): DataMessage => ({
  id: `score:${seq}`,
  stream: 'alpha',
  channel: 'score',
  seq,
  at: 0,
  mediaTime: null,
  programDateTime: null,
  contentType: 'application/json',
  data: seq,
  source: { kind: 'api', transport: 'http', remoteAddress: null },
});

describe('connectData', () => {
  let sockets: FakeSocket[];
  let got: number[];
  const connect = (extra: Partial<Parameters<typeof connectData>[0]> = {}) =>
    connectData({
      baseUrl: 'http://host:8080/',
      stream: 'alpha',
      channel: 'score',
      transport: 'ws',
      openSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      query: { policy: 'queue' },
      retryDelay: (n) => 100 * 2 ** (n - 1),
      heartbeatTimeoutMs: 1000,
      onMessage: (m) => got.push(m.seq),
      ...extra,
    });

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    got = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resumes after the last seq with growing delays, and drops duplicates', () => {
    const conn = connect({ afterSeq: 4 });
    expect(sockets[0]!.url).toBe('ws://host:8080/api/v1/streams/alpha/data/score/ws?policy=queue&afterSeq=4');
    sockets[0]!.open();
    for (const seq of [5, 6, 6, 3]) sockets[0]!.frame({ type: 'message', message: message(seq) });
    expect(got).toEqual([5, 6]);
    sockets[0]!.drop();
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets[1]!.url).toMatch(/afterSeq=6$/);
    sockets[1]!.drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    sockets[2]!.open();
    sockets[2]!.frame({ type: 'message', message: message(7) });
    expect(got).toEqual([5, 6, 7]);
    expect(conn.lastSeq()).toBe(7);
    conn.close();
  });

  it('replaces a connection whose heartbeats stop', () => {
    const conn = connect();
    sockets[0]!.open();
    vi.advanceTimersByTime(900);
    sockets[0]!.frame({ type: 'heartbeat' });
    vi.advanceTimersByTime(900);
    expect(sockets[0]!.closed).toBe(false);
    vi.advanceTimersByTime(100);
    expect(sockets[0]!.closed).toBe(true);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    conn.close();
  });

  it('sends publishes once open (again after a reconnect) and settles them by ack or error', async () => {
    const conn = connect();
    const first = conn.publish({ a: 1 }, { mediaTime: 5 });
    expect(sockets[0]!.sent).toEqual([]);
    sockets[0]!.open();
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({ type: 'publish', ref: '1', data: { a: 1 }, mediaTime: 5 });
    sockets[0]!.drop();
    vi.advanceTimersByTime(100);
    sockets[1]!.open();
    expect(JSON.parse(sockets[1]!.sent[0]!).ref).toBe('1');
    sockets[1]!.frame({ type: 'ack', ref: '1', id: 'score:9', seq: 9, mediaTime: 5, programDateTime: 105 });
    await expect(first).resolves.toEqual({ id: 'score:9', seq: 9, mediaTime: 5, programDateTime: 105 });
    const refused = conn.publish('x');
    sockets[1]!.frame({ type: 'error', ref: '2', error: { code: 'FORBIDDEN', message: 'no' } });
    await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const late = conn.publish('y');
    vi.advanceTimersByTime(10_000);
    await expect(late).rejects.toThrow(/no ack/);
    conn.close();
    await expect(conn.publish('z')).rejects.toThrow(/closed/);
  });
});
