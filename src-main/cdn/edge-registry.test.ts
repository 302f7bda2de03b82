import { afterEach, describe, expect, it } from 'vitest';
import type { DataPlaneProbe, EdgeServerMessage, EdgeStats } from '../../src-shared/contract/cdn.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { EdgeStore } from '../store/edges.js';
import { orderEdges } from './edge-order.js';
import { EdgeRegistry, type EdgeConnection } from './edge-registry.js';

// In-process peers stand in for edge sockets here; e2e/edge.test.ts runs real agents and nginx.
const PROBE_OK: DataPlaneProbe = { ok: true, status: 200, error: null, at: 0, ms: 2 };
const STATS: EdgeStats = { hitRatio: 0, requests: 0, bytes: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, cacheBytes: 0, nginxUp: true, dataPlane: PROBE_OK };
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

  heartbeat(stats: Partial<EdgeStats> & { dataPlane?: DataPlaneProbe | null } = {}): void {
    this.handler.onMessage(JSON.stringify({ type: 'heartbeat', stats: { ...STATS, ...stats } }));
  }

  /** Hello plus a heartbeat whose data-plane probe passed: in rotation. */
  serving(id: string, lastSeq: number | null, heartbeatMs = 1000): this {
    this.hello(id, lastSeq, heartbeatMs);
    this.heartbeat();
    return this;
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

  it('welcomes an edge with the purge sequence and the signing keys; in rotation once its data plane answered', () => {
    const registry = make();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null);
    expect(edge.sent[0]).toEqual({ type: 'welcome', seq: 0, keys: { current: 'c'.repeat(20), previous: null } });
    // Registered before nginx serves: not sent viewers yet.
    expect(registry.list()).toMatchObject([{ id: 'e1', healthy: false, connected: true, unhealthyReason: 'waiting for its first heartbeat' }]);
    edge.heartbeat({ dataPlane: null });
    expect(registry.list()[0]).toMatchObject({ healthy: false, unhealthyReason: 'waiting for its first data-plane probe' });
    expect(registry.healthyEdges()).toEqual([]);
    edge.heartbeat();
    expect(registry.list()).toMatchObject([{ id: 'e1', url: 'http://e1.example', region: 'eu', healthy: true, connected: true, unhealthyReason: null }]);
  });

  it('takes an edge whose data plane fails out of rotation, says why, and puts it back when it answers', () => {
    const registry = make();
    const edge = new FakeEdge(registry).serving('e1', null);
    edge.heartbeat({ dataPlane: { ok: false, status: 500, error: 'nginx answered 500 for /edge/probe', at: now, ms: 1 } });
    expect(registry.list()[0]).toMatchObject({ healthy: false, connected: true, unhealthyReason: 'data plane: nginx answered 500 for /edge/probe' });
    expect(registry.healthyEdges()).toEqual([]);
    edge.heartbeat({ nginxUp: false, dataPlane: { ok: false, status: null, error: 'connect ECONNREFUSED', at: now, ms: null } });
    expect(registry.list()[0]!.unhealthyReason).toBe('nginx is not running');
    // An agent from before the probe existed sends no dataPlane at all: it is kept out, with the remedy.
    const { dataPlane: _omitted, ...old } = STATS;
    edge.handler.onMessage(JSON.stringify({ type: 'heartbeat', stats: old }));
    expect(registry.list()[0]!.unhealthyReason).toMatch(/does not probe its data plane .*provision it again/);
    edge.heartbeat();
    expect(registry.healthyEdges().map((e) => e.id)).toEqual(['e1']);
  });

  it('counts only edges in rotation in a purge: one out of rotation is sent it but not waited for', async () => {
    const registry = make();
    const a = new FakeEdge(registry).serving('a', null);
    const b = new FakeEdge(registry).serving('b', null);
    b.autoAck = false;
    b.heartbeat({ dataPlane: { ok: false, status: 500, error: 'nginx answered 500 for /edge/probe', at: now, ms: 1 } });
    const started = performance.now();
    const result = await registry.purge({ tags: ['stream/demo'] });
    expect(performance.now() - started).toBeLessThan(150);
    expect(result.edges).toEqual([
      { id: 'a', status: 'done', ms: expect.any(Number), objects: 2, inRotation: true },
      { id: 'b', status: 'pending', ms: null, objects: null, inRotation: false },
    ]);
    expect(result.propagatedMs).toBe(result.edges[0]!.ms);
    expect(b.sent.filter((m) => m.type === 'purge')).toHaveLength(1);
    expect(a.sent.filter((m) => m.type === 'purge')).toHaveLength(1);
  });

  it('fans a purge out, waits for the acks and reports each edge', async () => {
    const registry = make();
    new FakeEdge(registry).serving('a', null);
    const b = new FakeEdge(registry).serving('b', null);
    b.autoAck = false;
    const result = await registry.purge({ tags: ['stream/demo'] });
    expect(result.seq).toBe(1);
    expect(result.edges).toEqual([
      { id: 'a', status: 'done', ms: expect.any(Number), objects: 2, inRotation: true },
      { id: 'b', status: 'pending', ms: null, objects: null, inRotation: true },
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
    expect(back.sent.map((m) => (m.type === 'purge' ? m.seq : m.type))).toEqual(['welcome', 'functions', 1, 2]);
    expect(back.sent[3]).toMatchObject({ request: { urls: ['/live/a/x.m4s'], soft: true } });
  });

  it('takes an edge out of rotation after 3 missed heartbeats', () => {
    const registry = make();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null, 1000);
    now += 2500;
    edge.heartbeat({ hitRatio: 0.9 });
    now += 3000;
    expect(registry.healthyEdges().map((e) => e.id)).toEqual(['e1']);
    expect(registry.list()[0]!.hitRatio).toBe(0.9);
    now += 1;
    expect(registry.healthyEdges()).toEqual([]);
    expect(registry.list()[0]).toMatchObject({ healthy: false, connected: true, unhealthyReason: 'missed heartbeats: the last one 3.0 s ago' });
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

  it('purges a stream from the edges when it is made private, not for other edits nor when made public', async () => {
    const registry = make();
    registry.start();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null);
    const stream = (over: object) => ({ name: 'demo', private: false, playAuth: 'default', encryption: 'none', dvrMinutes: 0, ...over }) as any;
    bus.emit('streams.changed', { name: 'demo', stream: stream({}) });
    bus.emit('streams.changed', { name: 'demo', stream: stream({ private: true }) });
    bus.emit('streams.changed', { name: 'demo', stream: stream({ private: true, dvrMinutes: 5 }) });
    bus.emit('streams.changed', { name: 'demo', stream: stream({}) });
    await new Promise((r) => setTimeout(r, 10));
    const purges = edge.sent.filter((m) => m.type === 'purge');
    expect(purges.map((m) => m.type === 'purge' && m.request)).toEqual([{ tags: ['stream/demo'] }]);
    registry.dispose();
  });

  it('purges a recording\'s VOD and download from the edges when it is deleted or converted again', async () => {
    const registry = make();
    registry.start();
    const edge = new FakeEdge(registry);
    edge.hello('e1', null);
    const vod = (state: string) => ({ id: 'rec_1', vod: { state, progress: 0, ladder: null, hls: null, dash: null, error: null } }) as any;
    bus.emit('recording.changed', { id: 'rec_1', recording: vod('ready') });
    bus.emit('recording.changed', { id: 'rec_1', recording: vod('ready') });
    bus.emit('recording.changed', { id: 'rec_1', recording: vod('converting') });
    bus.emit('recording.changed', { id: 'rec_1', recording: null });
    await new Promise((r) => setTimeout(r, 10));
    const purges = edge.sent.filter((m) => m.type === 'purge');
    expect(purges.map((m) => m.type === 'purge' && m.request)).toEqual([{ prefix: '/vod/rec_1/' }, { prefix: '/vod/rec_1/' }, { prefix: '/vod/rec_1/' }]);
    registry.dispose();
  });

  it('refuses to remove an unknown edge', () => {
    const registry = make();
    expect(() => registry.remove('nope')).toThrow(/no edge/);
  });

  it('keeps a fresh edge out of purge counts and playback until its data plane answered', async () => {
    const registry = make();
    const fresh = new FakeEdge(registry);
    fresh.autoAck = false;
    fresh.hello('fresh', null);
    fresh.heartbeat({ dataPlane: null });
    const serving = new FakeEdge(registry).serving('serving', null);
    const result = await registry.purge({ tags: ['stream/demo'] });
    expect(result.edges.find((e) => e.id === 'fresh')).toMatchObject({ inRotation: false, status: 'pending' });
    expect(result.propagatedMs).not.toBeNull();
    expect(orderEdges(registry.list()).map((o) => o.edge.id)).toEqual(['serving']);
    fresh.heartbeat();
    expect(orderEdges(registry.list(), { key: 'v' }).map((o) => o.edge.id).sort()).toEqual(['fresh', 'serving']);
    serving.close(1000, 'bye');
  });

  it('drains an edge: no new viewers, still purged; a job\'s drain ends with the job, an operator\'s stays', async () => {
    const registry = make();
    new FakeEdge(registry).serving('a', null);
    new FakeEdge(registry).serving('b', null);
    expect(registry.setDraining('a', true)).toMatchObject({ id: 'a', draining: 'operator', healthy: true });
    expect(orderEdges(registry.list()).map((o) => o.edge.id)).toEqual(['b']);
    expect((await registry.purge({ tags: ['x'] })).edges.map((e) => [e.id, e.inRotation, e.status])).toEqual([
      ['a', true, 'done'],
      ['b', true, 'done'],
    ]);
    // An upgrade while an operator drains: the job's end leaves the operator's drain.
    registry.drainFor('a', 'upgrade').release();
    expect(registry.list()[0]!.draining).toBe('operator');
    registry.setDraining('a', false);
    const upgrade = registry.drainFor('b', 'upgrade');
    expect(registry.list().map((e) => e.draining)).toEqual([null, 'upgrade']);
    upgrade.release();
    expect(registry.list().map((e) => e.draining)).toEqual([null, null]);
    expect(() => registry.setDraining('nope', true)).toThrow(/no edge/);
    registry.setDraining('b', true);
    registry.remove('b');
    new FakeEdge(registry).serving('b', null);
    expect(registry.list()[1]!.draining).toBeNull();
  });

  it("keeps an operator's drain across a restart of the origin, not a job's", () => {
    const registry = make();
    new FakeEdge(registry).serving('a', null);
    new FakeEdge(registry).serving('b', null);
    registry.setDraining('a', true);
    registry.drainFor('b', 'decommission');
    const restarted = new EdgeRegistry({
      store: new EdgeStore(db),
      keys: () => ({ current: 'c'.repeat(20), previous: null }),
      logger: silentLogger(),
      bus,
      now: () => now,
    });
    new FakeEdge(restarted).serving('a', 0);
    new FakeEdge(restarted).serving('b', 0);
    expect(restarted.list().map((e) => [e.id, e.draining])).toEqual([
      ['a', 'operator'],
      ['b', null],
    ]);
    restarted.setDraining('a', false);
    expect(new EdgeStore(db).list().map((e) => e.drained)).toEqual([false, false]);
  });
});
