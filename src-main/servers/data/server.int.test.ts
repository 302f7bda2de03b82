import type { Socket } from 'node:net';
import { decode, encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ChannelStats, DataMessage } from '../../../src-shared/contract/data.js';
import { backoffDelay } from '../../../src-shared/backoff.js';
import { connectData, type SocketLike } from '../../../src-shared/data-client.js';
import { PDT_BASE, startDataApp, type DataApp } from '../../../test-support/data-app.js';
import { readSse } from '../../../test-support/sse.js';
import { waitFor } from '../../../test-support/wait.js';
import { openSocket } from '../../../test-support/ws.js';

// The data plugin on the host's own HTTP app (its API auth hook, its parsers) with real ws and SSE
// clients; the host process wiring is tested by the lead's host tests.
describe('data channels over HTTP, WebSocket and SSE', () => {
  let d: DataApp;
  const path = (stream: string, channel: string, tail = ''): string => `${d.origin}/api/v1/streams/${stream}/data/${channel}${tail}`;
  const post = (url: string, body: string | Buffer, headers: Record<string, string>): Promise<Response> =>
    fetch(url, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });
  const json = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({ Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...extra });
  const socket = openSocket;
  const collect = (ws: WebSocket): { frames: Record<string, unknown>[]; messages: () => DataMessage[] } => {
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (data, isBinary) => frames.push(isBinary ? (decode(data as Buffer) as Record<string, unknown>) : JSON.parse(String(data))));
    return { frames, messages: () => frames.filter((f) => f.type === 'message').map((f) => f.message as DataMessage) };
  };
  const stats = (stream: string, channel: string): ChannelStats | undefined => d.hub.stats(stream).find((c) => c.channel === channel);

  beforeAll(async () => {
    d = await startDataApp(
      { alpha: { key: 'key-alpha' }, beta: { key: 'key-beta' }, hidden: { key: 'key-hidden', private: true } },
      { historySize: 50, subscriberQueue: 4, maxMessageKilobytes: 64, heartbeatSeconds: 1 },
    );
  });
  afterAll(async () => {
    await d?.close();
  });

  it('a ws subscriber (JSON and MessagePack) and an SSE subscriber receive HTTP JSON, HTTP MessagePack and WebSocket publishes', async () => {
    const sub = await socket(path('alpha', 'score', '/ws'));
    const subFrames = collect(sub);
    const binSub = await socket(path('alpha', 'score', '/ws?format=msgpack'));
    const binFrames = collect(binSub);
    const sse = await readSse(path('alpha', 'score', '/events'));
    expect(sse.status).toBe(200);
    await waitFor('three subscribers', () => stats('alpha', 'score')?.subscribers === 3, 5000, 20);

    const r1 = await post(path('alpha', 'score', '?mediaTime=1234'), JSON.stringify({ home: 1 }), json('key-alpha'));
    expect(r1.status).toBe(202);
    expect(await r1.json()).toEqual({ id: 'score:1', seq: 1, mediaTime: 1234, programDateTime: PDT_BASE + 1234 });
    const r2 = await post(path('alpha', 'score'), Buffer.from(encode({ home: 2 })), { Authorization: `Bearer ${d.token}`, 'Content-Type': 'application/msgpack', 'X-Media-Time': '2000' });
    expect(r2.status).toBe(202);
    const pub = await socket(path('alpha', 'score', '/ws'), { Authorization: 'Bearer key-alpha' });
    const pubFrames = collect(pub);
    pub.send(JSON.stringify({ type: 'publish', ref: 'r3', data: { home: 3 }, mediaTime: 3000 }));
    pub.send(Buffer.from(encode({ home: 4 })));
    await waitFor('two acks', () => pubFrames.frames.filter((f) => f.type === 'ack').length === 2, 5000, 20);
    expect(pubFrames.frames.find((f) => f.type === 'ack')).toMatchObject({ ref: 'r3', id: 'score:3', seq: 3, mediaTime: 3000, programDateTime: PDT_BASE + 3000 });

    const expected = [{ home: 1 }, { home: 2 }, { home: 3 }, { home: 4 }];
    await waitFor('ws messages', () => subFrames.messages().length === 4, 5000, 20);
    await waitFor('msgpack messages', () => binFrames.messages().length === 4, 5000, 20);
    await waitFor('sse messages', () => sse.messages().length === 4, 5000, 20);
    expect(subFrames.messages().map((m) => m.data)).toEqual(expected);
    expect(binFrames.messages().map((m) => m.data)).toEqual(expected);
    expect(sse.messages<DataMessage>().map((m) => m.data)).toEqual(expected);
    expect(sse.events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['1', '2', '3', '4']);
    expect(subFrames.messages().map((m) => [m.contentType, m.source.kind, m.source.transport])).toEqual([
      ['application/json', 'key', 'http'],
      ['application/msgpack', 'api', 'http'],
      ['application/json', 'key', 'ws'],
      ['application/msgpack', 'key', 'ws'],
    ]);
    // A reader's socket may not publish (its frames are refused unread, so without their ref); its subscription goes on.
    sub.send(JSON.stringify({ type: 'publish', ref: 'x', data: 1 }));
    await waitFor('refusal', () => subFrames.frames.find((f) => f.type === 'error'), 5000, 20);
    expect(subFrames.frames.find((f) => f.type === 'error')).toEqual({ type: 'error', error: expect.objectContaining({ code: 'FORBIDDEN' }) });
    // Heartbeats reach idle subscribers (1 s here) on both transports.
    await waitFor('heartbeats', () => subFrames.frames.some((f) => f.type === 'heartbeat') && sse.events.some((e) => e.event === 'heartbeat'), 5000, 50);
    for (const ws of [sub, binSub, pub]) ws.close();
    sse.close();
  });

  it('authenticates before reading the body: 401 for a wrong key with a garbled body; 403, 404, 413, 415 and 400 after', async () => {
    const garbled = '{"not json';
    const status = async (r: Promise<Response>): Promise<[number, string]> => {
      const res = await r;
      const body = (await res.json()) as { error: { code: string } };
      return [res.status, body.error.code];
    };
    expect(await status(post(path('alpha', 'score'), garbled, json('wrong-key')))).toEqual([401, 'UNAUTHORIZED']);
    expect(await status(post(path('alpha', 'score'), garbled, { 'Content-Type': 'application/json' }))).toEqual([401, 'UNAUTHORIZED']);
    expect(await status(post(path('alpha', 'score'), garbled, json('key-beta')))).toEqual([401, 'UNAUTHORIZED']);
    expect(await status(post(path('alpha', 'score'), garbled, { ...json('key-alpha'), 'Content-Type': 'text/plain' }))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await status(post(path('alpha', 'chat'), '{}', json('key-alpha')))).toEqual([403, 'CHANNEL_RESERVED']);
    expect(await status(post(path('nosuch', 'score'), '{}', json(d.token)))).toEqual([404, 'NOT_FOUND']);
    expect(await status(post(path('alpha', 'score'), 'x'.repeat(65 * 1024), json('key-alpha')))).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(await status(post(path('alpha', 'score'), garbled, json('key-alpha')))).toEqual([400, 'BAD_REQUEST']);
    expect(await status(post(path('alpha', 'score', '?mediaTime=soon'), '{}', json('key-alpha')))).toEqual([400, 'VALIDATION_FAILED']);
    // A private stream: no credentials 401, a bad signature 403, a signed URL or the key opens it (SSE and WebSocket).
    expect((await fetch(path('hidden', 'score', '/events'))).status).toBe(401);
    expect((await fetch(path('hidden', 'score', '/events?exp=99999999999&sig=' + 'A'.repeat(43)))).status).toBe(403);
    await expect(socket(path('hidden', 'score', '/ws'))).rejects.toThrow(/401/);
    const signed = new URLSearchParams(d.signer.sign('hidden', { expiresInSec: 60 })).toString();
    const sse = await readSse(path('hidden', 'score', `/events?${signed}`));
    expect(sse.status).toBe(200);
    sse.close();
    (await socket(path('hidden', 'score', '/ws?key=key-hidden'))).close();
    // Reserved channels are readable; their names do not collide with the contract's /data/windows route.
    const windows = await readSse(path('alpha', 'windows', '/events'));
    expect(windows.status).toBe(200);
    windows.close();
  });

  it('Last-Event-ID resumes an SSE subscriber without loss, and says when the gap is older than the history', async () => {
    const first = await readSse(path('beta', 'resume', '/events'));
    for (let i = 1; i <= 3; i++) await post(path('beta', 'resume'), JSON.stringify(i), json('key-beta'));
    await waitFor('first three', () => first.messages().length === 3, 5000, 20);
    first.close();
    const lastId = first.events.filter((e) => e.event === 'message').at(-1)!.id!;
    for (let i = 4; i <= 6; i++) await post(path('beta', 'resume'), JSON.stringify(i), json('key-beta'));
    const again = await readSse(path('beta', 'resume', '/events'), { 'Last-Event-ID': lastId });
    await post(path('beta', 'resume'), JSON.stringify(7), json('key-beta'));
    await waitFor('the rest', () => again.messages().length === 4, 5000, 20);
    expect([...first.messages(), ...again.messages()].map((m) => (m as DataMessage).data)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    again.close();
    // History is 50 here: 60 more, then a resume from seq 7 reports 8..17 as gone and replays 18..67.
    for (let i = 0; i < 60; i++) d.hub.publish({ stream: 'beta', channel: 'resume', contentType: 'application/json', data: i, source: { kind: 'api', transport: 'internal', remoteAddress: null } });
    const late = await readSse(path('beta', 'resume', '/events?lastEventId=7'));
    await waitFor('replay', () => late.messages().length === 50, 5000, 20);
    expect(late.events[0]).toMatchObject({ event: 'gap', data: JSON.stringify({ fromSeq: 8, toSeq: 17 }) });
    expect(late.messages<DataMessage>()[0]!.seq).toBe(18);
    late.close();
  });

  it('slow subscribers get their policy, counted, while a fast one beside them gets everything on time', async () => {
    const fast = await socket(path('alpha', 'bulk', '/ws'));
    const fastTimes = new Map<number, number>();
    fast.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; message?: DataMessage };
      if (f.message) fastTimes.set(f.message.seq, Date.now());
    });
    const slow: Record<string, WebSocket> = {};
    for (const policy of ['drop-oldest', 'queue', 'disconnect']) {
      slow[policy] = await socket(path('alpha', 'bulk', `/ws?policy=${policy}`));
      // Stops reading: its TCP window fills, then the host's send buffer, then the policy acts.
      (slow[policy] as unknown as { _socket: Socket })._socket.pause();
    }
    const closes: Record<string, number> = {};
    for (const [policy, ws] of Object.entries(slow)) ws.once('close', (code) => (closes[policy] = code));
    const body = JSON.stringify({ pad: 'x'.repeat(48 * 1024) });
    const publishedAt = new Map<number, number>();
    const count = 300;
    const started = Date.now();
    for (let i = 1; i <= count; i++) {
      const res = await post(path('alpha', 'bulk'), body, json('key-alpha'));
      publishedAt.set(((await res.json()) as { seq: number }).seq, Date.now());
    }
    const publishMs = Date.now() - started;
    await waitFor('the fast subscriber has everything', () => fastTimes.size === count, 10_000, 20);
    const delays = [...publishedAt].map(([seq, at]) => fastTimes.get(seq)! - at);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(publishMs).toBeLessThan(20_000);
    await waitFor('queue and disconnect cut off', () => stats('alpha', 'bulk')!.disconnected === 2, 10_000, 50);
    const s = stats('alpha', 'bulk')!;
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.subscribers).toBe(2);
    expect(s.published).toBe(count);
    // The drop-oldest subscriber reads again: it gets the newest message last, in order, with holes.
    const dropSeqs: number[] = [];
    slow['drop-oldest']!.on('message', (data) => {
      const f = JSON.parse(String(data)) as { message?: DataMessage };
      if (f.message) dropSeqs.push(f.message.seq);
    });
    (slow['drop-oldest'] as unknown as { _socket: Socket })._socket.resume();
    await waitFor('drop-oldest catches up', () => dropSeqs.at(-1) === count, 10_000, 20);
    expect(dropSeqs.length).toBeLessThan(count);
    expect(dropSeqs).toEqual([...dropSeqs].sort((a, b) => a - b));
    for (const policy of ['queue', 'disconnect']) {
      (slow[policy] as unknown as { _socket: Socket })._socket.resume();
    }
    await waitFor('cut-off sockets closed', () => closes.queue !== undefined && closes.disconnect !== undefined, 10_000, 50);
    for (const ws of [fast, ...Object.values(slow)]) ws.terminate();
  });

  it('the * subscription gets every channel of its stream, with <channel>:<seq> ids on SSE', async () => {
    const sse = await readSse(path('beta', '*', '/events'));
    const ws = await socket(path('beta', '*', '/ws'));
    const frames = collect(ws);
    await waitFor('two wildcard subscribers', () => stats('beta', 'resume')?.subscribers === 2, 5000, 20);
    await post(path('beta', 'goals'), '1', json('key-beta'));
    await post(path('beta', 'cards'), '2', json('key-beta'));
    await post(path('alpha', 'goals'), '3', json('key-alpha'));
    await waitFor('two messages each', () => sse.messages().length === 2 && frames.messages().length === 2, 5000, 20);
    expect(sse.events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual(['goals:1', 'cards:1']);
    expect(frames.messages().map((m) => m.id)).toEqual(['goals:1', 'cards:1']);
    ws.send(JSON.stringify({ type: 'publish', ref: 'w', data: 1 }));
    await waitFor('refusal', () => frames.frames.find((f) => f.type === 'error'), 5000, 20);
    sse.close();
    ws.close();
  });

  it('the SDK resumes after a dropped WebSocket without loss or duplicates, and publishes with acks', async () => {
    const sockets: WebSocket[] = [];
    const got: DataMessage[] = [];
    const states: string[] = [];
    const conn = connectData({
      baseUrl: d.origin,
      stream: 'beta',
      channel: 'sdk',
      transport: 'ws',
      openSocket: (url) => {
        const ws = new WebSocket(url, { headers: { Authorization: 'Bearer key-beta' } });
        sockets.push(ws);
        return ws as unknown as SocketLike;
      },
      retryDelay: (n) => backoffDelay(n, { baseMs: 50, maxMs: 500, jitter: 0.2 }),
      heartbeatTimeoutMs: 5000,
      onMessage: (m) => got.push(m),
      onState: (s) => states.push(s),
    });
    const ack = await conn.publish({ n: 1 }, { mediaTime: 10 });
    expect(ack).toMatchObject({ id: 'sdk:1', seq: 1, mediaTime: 10, programDateTime: PDT_BASE + 10 });
    await waitFor('first message', () => got.length === 1, 5000, 20);
    sockets[0]!.terminate();
    for (let i = 2; i <= 4; i++) await post(path('beta', 'sdk'), JSON.stringify({ n: i }), json('key-beta'));
    await waitFor('reconnected and caught up', () => got.length === 4, 5000, 20);
    expect((await conn.publish({ n: 5 })).seq).toBe(5);
    await waitFor('fifth', () => got.length === 5, 5000, 20);
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(sockets.length).toBe(2);
    expect(states).toContain('waiting');
    await expect(conn.publish({ n: 'x' }, { mediaTime: 1e16 })).rejects.toThrow(/mediaTime/);
    conn.close();
    expect(states.at(-1)).toBe('closed');
  });

  it('messages that fan out in one turn reach each subscriber whole, in order, in one write (JSON and MessagePack, every length form)', async () => {
    // The host's side of each subscriber's connection, its writes to the kernel counted.
    const serverSockets: Socket[] = [];
    const onConnection = (s: Socket): number => serverSockets.push(s);
    d.app.server.on('connection', onConnection);
    const subs = [await socket(path('alpha', 'turn', '/ws')), await socket(path('alpha', 'turn', '/ws?format=msgpack'))];
    d.app.server.off('connection', onConnection);
    const got = subs.map((ws) => collect(ws));
    const writes = subs.map((ws) => {
      const port = (ws as unknown as { _socket: Socket })._socket.localPort;
      const server = serverSockets.find((s) => s.remotePort === port)!;
      const counter = { n: 0 };
      const inner = server as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
      for (const name of ['_write', '_writev'] as const) {
        const original = inner[name].bind(server);
        inner[name] = (...args: unknown[]) => {
          counter.n++;
          original(...args);
        };
      }
      return counter;
    });
    const publish = (data: unknown): DataMessage =>
      d.hub.publish({ stream: 'alpha', channel: 'turn', contentType: 'application/json', data, source: { kind: 'api', transport: 'internal', remoteAddress: null } });
    // Three small messages in one turn: one write to each socket (a broadcast loop makes three).
    const small = [publish({ n: 1 }), publish({ n: 2 }), publish({ n: 3 })];
    await waitFor('the three small messages', () => got.every((g) => g.messages().length === 3), 5000, 20);
    expect(got.map((g) => g.messages().map((m) => m.seq))).toEqual([small.map((m) => m.seq), small.map((m) => m.seq)]);
    expect(writes.map((w) => w.n)).toEqual([1, 1]);
    // A payload under 126 bytes, one needing 16 bits of length, and one close to the 64 KiB limit.
    const sizes = [10, 300, 60_000];
    for (const size of sizes) publish({ text: 'y'.repeat(size) });
    await waitFor('the three sized messages', () => got.every((g) => g.messages().length === 6), 5000, 20);
    for (const g of got) expect(g.messages().slice(3).map((m) => (m.data as { text: string }).text.length)).toEqual(sizes);
    for (const ws of subs) ws.close();
  });

  it('negotiates permessage-deflate when the subscriber asks (?compress=deflate): a large message crosses compressed, a small one as it is', async () => {
    const sub = await socket(path('alpha', 'deflate', '/ws?compress=deflate'));
    expect(sub.extensions).toContain('permessage-deflate');
    const got = collect(sub);
    const wire = (sub as unknown as { _socket: Socket })._socket;
    const text = 'the quick brown fox jumps over the lazy dog; '.repeat(500);
    const before = wire.bytesRead;
    expect((await post(path('alpha', 'deflate'), JSON.stringify({ text }), json('key-alpha'))).status).toBe(202);
    await waitFor('the large message', () => got.messages().length === 1, 5000, 20);
    expect(got.messages()[0]!.data).toEqual({ text });
    // About 22 KB of JSON crossed as well under 2 KB.
    expect(wire.bytesRead - before).toBeLessThan(2000);
    const small = wire.bytesRead;
    expect((await post(path('alpha', 'deflate'), JSON.stringify({ n: 1 }), json('key-alpha'))).status).toBe(202);
    await waitFor('the small message', () => got.messages().length === 2, 5000, 20);
    expect(wire.bytesRead - small).toBeGreaterThan(100);
    // A client that offers it without asking gets plain frames (each socket would compress each message of a
    // fan-out on its own), and so does one that asks without offering it.
    const unasked = await socket(path('alpha', 'deflate', '/ws'));
    expect(unasked.extensions).toBe('');
    const plain = new WebSocket(path('alpha', 'deflate', '/ws?compress=deflate').replace(/^http/, 'ws'), { perMessageDeflate: false });
    await new Promise((resolve, reject) => plain.once('open', resolve).once('error', reject));
    expect(plain.extensions).toBe('');
    for (const ws of [sub, unasked, plain]) ws.close();
  });
});
