import { Redis } from 'ioredis';
import { AckPolicy, connect, DeliverPolicy, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeStatus, DataMessage } from '../../../src-shared/contract/data.js';
import { startNats, startRedis, type EngineProcess } from '../../../test-support/engines.js';
import { api, startHost, type HostProcess } from '../../../test-support/host-process.js';
import { needs } from '../../../test-support/peers.js';
import { waitFor } from '../../../test-support/wait.js';
import { openSocket } from '../../../test-support/ws.js';

// The data bridges of a real host process against Debian's nats-server (JetStream) and redis-server,
// started here on free ports: out in order across a restart of each engine, in from a subject and a key,
// an engine that is down never holding up a publisher.
describe.skipIf(needs('nats', 'redis'))('data bridges to NATS JetStream and Redis Streams (real engines)', () => {
  let host: HostProcess;
  let nats: EngineProcess;
  let redis: EngineProcess;
  let key: string;
  const clients: { close(): Promise<unknown> | void }[] = [];

  beforeAll(async () => {
    [nats, redis, host] = await Promise.all([startNats(), startRedis(), startHost()]);
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
    expect(created.status).toBe(201);
    key = created.json.key as string;
    const patched = await api(host, 'PATCH', '/api/v1/config', { bridges: { natsUrl: nats.url, redisUrl: redis.url } });
    expect(patched.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close();
    expect(await host?.stop()).toBe(0);
    await Promise.all([nats?.stop(), redis?.stop()]);
  });

  const setBridges = (name: string, bridges: unknown[]) => api(host, 'PUT', `/api/v1/streams/${name}/data/bridges`, { bridges });
  const statusOf = async (id: string): Promise<BridgeStatus> => {
    const { json } = await api(host, 'GET', '/api/v1/streams/show/data/bridges');
    return (json.status as BridgeStatus[]).find((s) => s.id === id)!;
  };
  const natsClient = async (): Promise<NatsConnection> => {
    const nc = await connect({ servers: nats.url });
    clients.push({ close: () => nc.close() });
    return nc;
  };
  const redisClient = (): Redis => {
    const r = new Redis(redis.url);
    r.on('error', () => undefined);
    clients.push({ close: () => r.disconnect() });
    return r;
  };
  /** Publishes `count` messages over one WebSocket in bursts; `at` runs (not awaited) when a number of them went out. */
  const publish = async (channel: string, count: number, at: Record<number, () => Promise<void>> = {}): Promise<Promise<void>[]> => {
    const ws = await openSocket(`${host.url}/api/v1/streams/show/data/${channel}/ws?key=${key}`);
    let acked = 0;
    ws.on('message', (raw) => {
      if ((JSON.parse(String(raw)) as { type: string }).type === 'ack') acked++;
    });
    const side: Promise<void>[] = [];
    for (let i = 1; i <= count; i++) {
      ws.send(JSON.stringify({ type: 'publish', ref: i, data: { n: i } }));
      if (at[i]) side.push(at[i]!());
      if (i % 250 === 0) await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(`${count} acks`, () => acked === count, 30_000, 50);
    ws.close();
    return side;
  };

  it('sends 10,000 messages to JetStream and to Redis in order, none lost or doubled across a restart of each engine', async () => {
    expect((await setBridges('show', [
      { id: 'to-nats', engine: 'nats', direction: 'out', channel: 'telemetry' },
      { id: 'to-redis', engine: 'redis', direction: 'out', channel: 'telemetry' },
    ])).status).toBe(200);
    // Each engine goes away in the middle of the flow and comes back only once the bridge has seen a
    // write fail (under load, a quick restart could otherwise fall between two writes).
    const outage = (engine: EngineProcess, id: string) => async (): Promise<void> => {
      await engine.down();
      await waitFor(`a failed write to ${id}`, async () => (await statusOf(id)).errors >= 1, 30_000, 50);
      await engine.up();
    };
    const restarts = await publish('telemetry', 10_000, { 3000: outage(nats, 'to-nats'), 6000: outage(redis, 'to-redis') });
    await Promise.all(restarts);
    await waitFor('every message acknowledged by both engines', async () => {
      const [n, r] = [await statusOf('to-nats'), await statusOf('to-redis')];
      return n.sent === 10_000 && r.sent === 10_000 && n.buffered === 0 && r.buffered === 0;
    }, 60_000, 250);
    for (const id of ['to-nats', 'to-redis']) expect(await statusOf(id)).toMatchObject({ state: 'up', dropped: 0, lagMs: 0 });
    // Each outage cost the bridge at least one failed write, sent again.
    for (const id of ['to-nats', 'to-redis']) expect((await statusOf(id)).errors).toBeGreaterThanOrEqual(1);

    // JetStream, read with nats.js from the first message of the subject.
    const nc = await natsClient();
    const jsm = await nc.jetstreamManager();
    expect(await jsm.streams.find('streams.show.telemetry')).toBe('STREAMS_SHOW');
    await jsm.consumers.add('STREAMS_SHOW', { durable_name: 'check', ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, filter_subject: 'streams.show.telemetry' });
    const consumer = await nc.jetstream().consumers.get('STREAMS_SHOW', 'check');
    const seen: number[] = [];
    const iter = await consumer.consume({ max_messages: 1000 });
    for await (const m of iter) {
      const seq = Number(m.headers?.get('seq'));
      seen.push(seq);
      expect((m.json() as { n: number }).n).toBe(seq);
      if (m.info.pending === 0) break;
    }
    iter.stop();
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));

    // Redis, read with ioredis.
    const r = redisClient();
    const entries = await r.xrange('streams:show:telemetry', '-', '+');
    const seqs = entries.map(([, fields]) => Number(fields[fields.indexOf('seq') + 1]));
    expect(seqs).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    const first = entries[0]![1];
    expect(JSON.parse(first[first.indexOf('data') + 1]!)).toEqual({ n: 1 });
    expect(first[first.indexOf('content-type') + 1]).toBe('application/json');
  }, 120_000);

  it('keeps publishing while an engine is down: buffered, counted, lag shown, then delivered when it is back', async () => {
    expect((await setBridges('show', [{ id: 'to-redis', engine: 'redis', direction: 'out', channel: 'score' }])).status).toBe(200);
    await redis.down();
    try {
      for (let i = 1; i <= 5; i++) {
        const res = await fetch(`${host.url}/api/v1/streams/show/data/score`, { method: 'POST', body: JSON.stringify({ goal: i }), headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' } });
        expect(res.status).toBe(202);
      }
      const down = await waitFor('the bridge down with 5 waiting', async () => {
        const s = await statusOf('to-redis');
        return s.state === 'down' && s.buffered === 5 && s.errors > 0 ? s : null;
      }, 15_000, 100);
      expect(down.lastError).toBeTruthy();
      await new Promise((r) => setTimeout(r, 300));
      expect((await statusOf('to-redis')).lagMs).toBeGreaterThan(200);
    } finally {
      await redis.up();
    }
    await waitFor('delivered after Redis came back', async () => (await statusOf('to-redis')).buffered === 0, 20_000, 100);
    const entries = await redisClient().xrange('streams:show:score', '-', '+');
    expect(entries.map(([, f]) => JSON.parse(f[f.indexOf('data') + 1]!) as unknown)).toEqual([1, 2, 3, 4, 5].map((goal) => ({ goal })));
  }, 60_000);

  it('feeds a channel from a JetStream subject (replayed from a sequence) and from a Redis stream, and does not send them back out', async () => {
    const nc = await natsClient();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'SENSORS', subjects: ['sensors.>'] });
    const js = nc.jetstream();
    for (const t of [20, 21, 22]) await js.publish('sensors.temp', JSON.stringify({ t }));
    const r = redisClient();
    await r.xadd('ext:events', '*', 'data', '{"kind":"follow"}');
    await r.xadd('ext:events', '*', 'user', 'ada', 'kind', 'sub');

    expect((await setBridges('show', [
      { id: 'from-nats', engine: 'nats', direction: 'in', channel: 'sensors', source: 'sensors.temp', fromSeq: 2 },
      { id: 'from-redis', engine: 'redis', direction: 'in', channel: 'events', source: 'ext:events', fromSeq: 0 },
      { id: 'all-out', engine: 'nats', direction: 'out', channel: '*' },
    ])).status).toBe(200);
    const messages = async (channel: string): Promise<DataMessage[]> => (await api(host, 'GET', `/api/v1/streams/show/data/${channel}/messages`)).json.messages as DataMessage[];
    await waitFor('the replayed subject in the channel', async () => (await messages('sensors')).length === 2, 20_000, 100);
    await js.publish('sensors.temp', JSON.stringify({ t: 23 }));
    await waitFor('the live message too', async () => (await messages('sensors')).length === 3, 20_000, 100);
    expect((await messages('sensors')).map((m) => m.data)).toEqual([{ t: 21 }, { t: 22 }, { t: 23 }]);
    expect((await messages('sensors'))[0]!.source).toMatchObject({ kind: 'bridge', transport: 'nats' });
    await waitFor('both Redis entries in the channel', async () => (await messages('events')).length === 2, 20_000, 100);
    expect((await messages('events')).map((m) => m.data)).toEqual([{ kind: 'follow' }, { user: 'ada', kind: 'sub' }]);
    expect((await statusOf('from-nats')).received).toBe(3);
    expect((await statusOf('from-redis')).received).toBe(2);

    // The "*" out-bridge sent the Redis messages on to NATS, but not those that came from NATS.
    await waitFor('the out-bridge caught up', async () => (await statusOf('all-out')).sent >= 2, 20_000, 100);
    const info = await jsm.streams.info('STREAMS_SHOW', { subjects_filter: 'streams.show.>' });
    expect(info.state.subjects).toMatchObject({ 'streams.show.events': 2 });
    expect(info.state.subjects?.['streams.show.sensors']).toBeUndefined();
  }, 60_000);

  it('refuses a bridge that cannot work, naming the field; a stream without bridges has none', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'a', engine: 'nats', direction: 'in', channel: 'x' }, 'bridges.0.source'],
      [{ id: 'a', engine: 'redis', direction: 'in', channel: '*', source: 'k' }, 'bridges.0.channel'],
      [{ id: 'a', engine: 'redis', direction: 'in', channel: 'chat', source: 'k' }, 'bridges.0.channel'],
      [{ id: 'a', engine: 'nats', direction: 'out', channel: 'x', source: 'sensors.temp' }, 'bridges.0.source'],
    ];
    for (const [bridge, path] of cases) {
      const res = await setBridges('show', [bridge]);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(res.json.error)).toContain(path);
    }
    const twice = await setBridges('show', [{ id: 'a', engine: 'nats', direction: 'out', channel: 'x' }, { id: 'a', engine: 'redis', direction: 'out', channel: 'y' }]);
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.json.error)).toContain('bridges.1.id');
    const wild = await setBridges('show', [{ id: 'a', engine: 'kafka', direction: 'out', channel: 'x' }]);
    expect(wild.status).toBe(400);
    // Nothing was changed by the refusals: the bridges of the test before are still there.
    expect(((await api(host, 'GET', '/api/v1/streams/show/data/bridges')).json.bridges as { id: string }[]).map((b) => b.id)).toEqual(['from-nats', 'from-redis', 'all-out']);
    expect((await setBridges('nope', [])).status).toBe(404);
  }, 30_000);
});
