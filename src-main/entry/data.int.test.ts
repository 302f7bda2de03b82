import { encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelStats, DataMessage } from '../../src-shared/contract/data.js';
import { ChildRegistry } from '../core/children.js';
import { api as hostApi, startHost, type HostProcess } from '../../test-support/host-process.js';
import { mosquittoPub, mosquittoSub } from '../../test-support/mosquitto.js';
import { needs } from '../../test-support/peers.js';
import { readSse } from '../../test-support/sse.js';
import { waitFor } from '../../test-support/wait.js';
import { openSocket } from '../../test-support/ws.js';

// Data channels through a real host process: its wiring (hub, access, the data plugin, the MQTT broker,
// the handlers). One host for the file: HTTP, WebSocket and SSE first, then the mosquitto clients.
let host: HostProcess;
let key: string;
beforeAll(async () => {
  host = await startHost();
  const created = await hostApi(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
  expect(created.status).toBe(201);
  key = created.json.key as string;
});
afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

describe('data channels on the host', () => {
  const api = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${host.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${host.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('fans HTTP and WebSocket publishes out to ws and SSE subscribers, keeps them and counts them', async () => {
    const channel = `${host.url}/api/v1/streams/show/data/score`;
    const sub = await openSocket(`${channel}/ws`);
    const got: DataMessage[] = [];
    sub.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; message?: DataMessage };
      if (frame.message) got.push(frame.message);
    });
    const sse = await readSse(`${channel}/events`);
    expect((await fetch(channel, { method: 'POST', body: '{"home":1}', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' } })).status).toBe(202);
    const packed = new Uint8Array(encode({ home: 2 }));
    expect((await fetch(channel, { method: 'POST', body: packed, headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/msgpack' } })).status).toBe(202);
    const pub = await openSocket(`${channel}/ws?key=${key}`);
    pub.send(JSON.stringify({ type: 'publish', ref: 1, data: { home: 3 } }));
    await waitFor('three messages on both', () => got.length === 3 && sse.messages().length === 3, 10_000, 50);
    expect(got.map((m) => m.data)).toEqual([{ home: 1 }, { home: 2 }, { home: 3 }]);
    expect(sse.messages<DataMessage>().map((m) => m.seq)).toEqual([1, 2, 3]);
    // A wrong key with a garbled body: refused before the body is read.
    expect((await fetch(channel, { method: 'POST', body: '{', headers: { Authorization: 'Bearer nope', 'Content-Type': 'application/json' } })).status).toBe(401);
    const kept = (await (await fetch(`${channel}/messages?afterSeq=1`)).json()) as { messages: DataMessage[] };
    expect(kept.messages.map((m) => m.data)).toEqual([{ home: 2 }, { home: 3 }]);
    const stats = (await (await api('GET', '/api/v1/streams/show/data')).json()) as { channels: ChannelStats[] };
    // The windows channel carries the aggregates of these messages (at most once a second): not counted here.
    expect(stats.channels.filter((c) => c.channel !== 'windows')).toMatchObject([{ channel: 'score', lastSeq: 3, published: 3, subscribers: 3 }]);
    for (const ws of [sub, pub]) ws.close();
    sse.close();
  });
});

describe.skipIf(needs('mosquitto'))('data channels over MQTT on the host (needs the mosquitto clients)', () => {
  const children = new ChildRegistry(500);
  afterAll(async () => {
    await children.dispose();
  });

  it('bridges both ways: mosquitto_pub reaches SSE, an HTTP POST reaches mosquitto_sub (v5: with its seq), both counted', async () => {
    const channel = `${host.url}/api/v1/streams/show/data/mqscore`;
    const sse = await readSse(`${channel}/events`);
    const v5 = { children, port: host.mqttPort, version: 'mqttv5' as const };
    const pub = await mosquittoPub({ ...v5, password: key }, 'streams/show/data/mqscore', '{"home":1}', ['-q', '1']);
    expect(pub.stderr).toBe('');
    expect(pub.code).toBe(0);
    await waitFor('the MQTT message over SSE', () => sse.messages<DataMessage>().length === 1, 5000, 20);
    expect(sse.messages<DataMessage>()[0]).toMatchObject({ seq: 1, data: { home: 1 }, source: { kind: 'key', transport: 'mqtt' } });

    // Anonymous: the stream is public.
    const sub = await mosquittoSub(v5, ['streams/show/data/mqscore'], 1, 5);
    const stats = await hostApi(host, 'GET', '/api/v1/streams/show/data');
    expect(stats.json.channels.find((c: { channel: string }) => c.channel === 'mqscore')).toMatchObject({ subscribers: 2 });
    const posted = await fetch(channel, { method: 'POST', body: '{"away":2}', headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' } });
    expect(posted.status).toBe(202);
    const { messages } = await sub.done;
    expect(messages.map((m) => m.payload)).toEqual(['{"away":2}']);
    expect(messages[0]!.props).toContain('seq:2');
    sse.close();
  });

  it('refuses a wrong password and a key on another stream', async () => {
    const wrong = await mosquittoPub({ children, port: host.mqttPort, version: 'mqttv311', password: 'sk_wrong' }, 'streams/show/data/x', '1');
    expect(wrong.stderr).toMatch(/bad user name or password/i);
    await hostApi(host, 'POST', '/api/v1/streams', { name: 'show-other', ladder: 'passthrough' });
    const other = await mosquittoPub({ children, port: host.mqttPort, version: 'mqttv311', password: key }, 'streams/show-other/data/x', '1', ['-q', '1']);
    expect(other.code).not.toBe(0);
  });
});
