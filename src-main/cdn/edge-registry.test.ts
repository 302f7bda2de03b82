import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeServerMessage } from '../../src-shared/contract/cdn.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { EdgeStore } from '../store/edges.js';
import { EdgeRegistry, type EdgeConnection } from './edge-registry.js';

// In-process peers stand in for edge sockets here; edge.int.test.ts runs real agents and nginx.
class FakeEdge implements EdgeConnection {
  sent: EdgeServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  autoAck = true;
  handler!: { onMessage(raw: string): void; onClose(): void };

  constructor(private readonly registry: EdgeRegistry) {
    this.handler = registry.attach(this);
  }

  send(message: EdgeServerMessage): void {
    this.sent.push(message);
    if (message.type === 'purge' && this.autoAck) {
      queueMicrotask(() => this.handler.onMessage(JSON.stringify({ type: 'ack', seq: message.seq, ok: true, objects: 2 })));
    }
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.handler.onClose();
  }

  hello(id: string, lastSeq: number | null, heartbeatMs = 1000): void {
    this.handler.onMessage(JSON.stringify({ type: 'hello', id, url: `http://${id}.example`, region: 'eu', version: '1', heartbeatMs, lastSeq }));
  }
}

describe('EdgeRegistry', () => {
  let db: Db;
  let now = 1_000_000;
  const bus = new EventBus();
  const make = (): EdgeRegistry => {
    db = openDatabase(':memory:');
    return new EdgeRegistry({
      store: new EdgeStore(db),
      keys: () => ({ current: 'c'.repeat(20), previous: null }),
      logger: silentLogger(),
      bus,
      ackTimeoutMs: 200,
      now: () => now,
    });
  };
  afterEach(() => db?.close());

  it('welcomes an edge with the purge sequence and the signing keys', () => {
    const registry = make();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null);
    expect(edge.sent[0]).toEqual({ type: 'welcome', seq: 0, keys: { current: 'c'.repeat(20), previous: null } });
    expect(registry.list()).toMatchObject([{ id: 'e1', url: 'http://e1.example', region: 'eu', healthy: true, connected: true }]);
  });

  it('fans a purge out, waits for the acks and reports each edge', async () => {
    const registry = make();
    const a = new FakeEdge(registry);
    const b = new FakeEdge(registry);
    a.hello('a', null);
    b.hello('b', null);
    b.autoAck = false;
    const result = await registry.purge({ tags: ['stream/demo'] });
    expect(result.seq).toBe(1);
    expect(result.edges).toEqual([
      { id: 'a', status: 'done', ms: expect.any(Number), objects: 2 },
      { id: 'b', status: 'pending', ms: null, objects: null },
    ]);
    expect(result.propagatedMs).toBeNull();
    expect(registry.list().find((e) => e.id === 'a')!.lastSeq).toBe(1);
  });

  it('replays what a returning edge missed, in order', async () => {
    const registry = make();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null);
    edge.close(1006, 'gone');
    await registry.purge({ prefix: '/live/a/' });
    await registry.purge({ urls: ['/live/a/x.m4s'], soft: true });
    const back = new FakeEdge(registry);
    back.hello('e1', 0);
    expect(back.sent.map((m) => (m.type === 'purge' ? m.seq : m.type))).toEqual(['welcome', 1, 2]);
    expect(back.sent[2]).toMatchObject({ request: { urls: ['/live/a/x.m4s'], soft: true } });
  });

  it('takes an edge out of rotation after 3 missed heartbeats', () => {
    const registry = make();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null, 1000);
    now += 2500;
    edge.handler.onMessage(JSON.stringify({ type: 'heartbeat', stats: { hitRatio: 0.9, requests: 1, bytes: 1, p50Ms: 1, p95Ms: 1, p99Ms: 1, cacheBytes: 0, nginxUp: true } }));
    now += 3000;
    expect(registry.healthyEdges().map((e) => e.id)).toEqual(['e1']);
    expect(registry.list()[0]!.hitRatio).toBe(0.9);
    now += 1;
    expect(registry.healthyEdges()).toEqual([]);
    expect(registry.list()[0]).toMatchObject({ healthy: false, connected: true });
  });

  it('closes sockets that send garbage or skip the hello', () => {
    const registry = make();
    const garbage = new FakeEdge(registry);
    garbage.handler.onMessage('{not json');
    expect(garbage.closed?.code).toBe(1003);
    const early = new FakeEdge(registry);
    early.handler.onMessage(JSON.stringify({ type: 'ack', seq: 1, ok: true, objects: 0 }));
    expect(early.closed?.code).toBe(1008);
    const badHello = new FakeEdge(registry);
    badHello.handler.onMessage(JSON.stringify({ type: 'hello', id: '../x', url: 'nope' }));
    expect(badHello.closed?.code).toBe(1003);
    expect(registry.list()).toEqual([]);
  });

  it('purges a stream automatically when it ends, and its cached 404s when it goes live', async () => {
    const registry = make();
    registry.start();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null);
    bus.emit('stream.state', { name: 'demo', state: 'ended', at: now, reason: null });
    bus.emit('stream.state', { name: 'demo', state: 'live', at: now, reason: null });
    await new Promise((r) => setTimeout(r, 10));
    const purges = edge.sent.filter((m) => m.type === 'purge');
    expect(purges.map((m) => m.type === 'purge' && m.request)).toEqual([{ tags: ['stream/demo'] }, { prefix: '/live/demo/' }]);
    registry.dispose();
    expect(edge.closed?.code).toBe(1001);
  });

  it('refuses to remove an unknown edge', () => {
    const registry = make();
    expect(() => registry.remove('nope')).toThrow(/no edge/);
  });
});
