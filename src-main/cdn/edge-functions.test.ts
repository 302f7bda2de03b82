import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeFunctionSpec, EdgeServerMessage, EdgeStats } from '../../src-shared/contract/cdn.js';
import { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { FunctionStore } from '../store/cdn-functions.js';
import { openDatabase, type Db } from '../store/db.js';
import { EdgeStore } from '../store/edges.js';
import { canaryEdges, EdgeFunctions, pastThreshold, previousGood } from './edge-functions.js';
import { EdgeRegistry, type EdgeConnection } from './edge-registry.js';

// In-process peers stand in for edge sockets and a fake stands in for nginx's check here;
// src-main/edge/functions.int.test.ts runs the module in nginx, e2e/edge-functions.int.test.ts real edges.
const STATS: EdgeStats = { hitRatio: 0, requests: 0, bytes: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, cacheBytes: 0, nginxUp: true, dataPlane: { ok: true, status: 200, error: null, at: 0, ms: 1 } };

class FakeEdge implements EdgeConnection {
  sets: EdgeFunctionSpec[][] = [];
  /** Refuses sets holding a function whose code contains this. */
  refuse: string | null = null;
  handler: { onMessage(raw: string): void; onClose(): void };

  constructor(registry: EdgeRegistry, readonly id: string) {
    this.handler = registry.attach(this);
    this.handler.onMessage(JSON.stringify({ type: 'hello', id, url: `http://${id}.example`, region: 'eu', version: '1', heartbeatMs: 1000, lastSeq: null }));
  }

  get running(): Record<string, number> {
    return Object.fromEntries((this.sets.at(-1) ?? []).map((s) => [s.name, s.version]));
  }

  send(message: EdgeServerMessage): void {
    if (message.type !== 'functions') return;
    const refused = this.refuse !== null && message.functions.some((f) => f.code.includes(this.refuse!));
    if (!refused) this.sets.push(message.functions);
    queueMicrotask(() =>
      this.handler.onMessage(JSON.stringify({ type: 'functionsAck', rev: message.rev, ok: !refused, ...(refused ? { error: 'nginx: SyntaxError: Token "=>" not supported' } : {}) })),
    );
  }

  close(): void {
    this.handler.onClose();
  }

  counters(functions: NonNullable<EdgeStats['functions']>): void {
    this.handler.onMessage(JSON.stringify({ type: 'heartbeat', stats: { ...STATS, functions } }));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('EdgeFunctions', () => {
  let db: Db;
  const now = 1_000_000;
  const audit: { action: string; target: string | null; result: string; detail: string | null }[] = [];
  const checked: EdgeFunctionSpec[] = [];
  const make = (existing?: Db) => {
    db = existing ?? openDatabase(':memory:');
    const bus = new EventBus();
    const registry = new EdgeRegistry({ store: new EdgeStore(db), keys: () => ({ current: 'c'.repeat(20), previous: null }), logger: silentLogger(), bus, now: () => now });
    const functions = new EdgeFunctions({
      store: new FunctionStore(db),
      registry,
      check: async (spec) => {
        if (spec.code.includes('SYNTAX')) throw new StudioError('FUNCTION_INVALID', `nginx refused "${spec.name}": SyntaxError: Unexpected token at line 1 of "${spec.name}"`);
        checked.push(spec);
      },
      bus,
      logger: silentLogger(),
      audit: { record: (e) => audit.push({ action: e.action, target: e.target, result: e.result, detail: e.detail }) },
      now: () => now,
      rolloutTimeoutMs: 200,
    });
    return { registry, functions };
  };
  afterEach(() => {
    db?.close();
    audit.length = 0;
    checked.length = 0;
  });

  const CODE = 'function handle(req) { return { headers: { "X-A": "1" } }; }';

  it('checks a new function, rolls it out to every edge and answers once they applied it', async () => {
    const { registry, functions } = make();
    const edges = ['e1', 'e2', 'e3'].map((id) => new FakeEdge(registry, id));
    const fn = await functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true });
    expect(checked).toEqual([{ name: 'hdr', version: 1, route: '/live/**', phase: 'request', code: CODE }]);
    expect(edges.map((e) => e.running)).toEqual([{ hdr: 1 }, { hdr: 1 }, { hdr: 1 }]);
    expect(fn).toMatchObject({ name: 'hdr', version: 1, canary: null, route: '/live/**', phase: 'request', code: CODE });
    expect(fn.edges).toEqual(['e1', 'e2', 'e3'].map((id) => ({ id, version: 1, status: 'applied', error: null })));
    expect(fn.versions).toMatchObject([{ version: 1, state: 'stable', rolledBack: null }]);
    expect(audit).toEqual([{ action: 'edge.function.create', target: 'hdr', result: 'ok', detail: 'version 1' }]);
    await expect(functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses a function nginx refuses: nothing stored, no edge sent anything', async () => {
    const { registry, functions } = make();
    const edge = new FakeEdge(registry, 'e1');
    const before = edge.sets.length;
    await expect(functions.create({ name: 'bad', route: '/live/**', phase: 'request', code: 'SYNTAX (', enabled: true })).rejects.toMatchObject({ code: 'FUNCTION_INVALID' });
    expect(functions.list()).toEqual([]);
    expect(edge.sets.length).toBe(before);
    await functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true });
    await expect(functions.update('hdr', { code: 'SYNTAX' })).rejects.toMatchObject({ code: 'FUNCTION_INVALID' });
    expect(functions.get('hdr')).toMatchObject({ version: 1, versions: [{ version: 1 }] });
  });

  it('a canary goes to its share of the edges first, the rest keep the stable version; promote puts it everywhere', async () => {
    const { registry, functions } = make();
    const edges = ['e3', 'e1', 'e2'].map((id) => new FakeEdge(registry, id));
    await functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true });
    const canary = await functions.update('hdr', { code: CODE.replace('"1"', '"2"'), canaryPercent: 34 });
    expect(canary.canary).toEqual({ version: 2, percent: 34, edges: ['e1'] });
    expect(canary.version).toBe(1);
    expect(Object.fromEntries(edges.map((e) => [e.id, e.running.hdr]))).toEqual({ e1: 2, e2: 1, e3: 1 });
    const promoted = await functions.promote('hdr');
    expect(promoted).toMatchObject({ version: 2, canary: null });
    expect(promoted.versions.map((v) => v.state)).toEqual(['superseded', 'stable']);
    expect(edges.map((e) => e.running.hdr)).toEqual([2, 2, 2]);
    await expect(functions.promote('hdr')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('an edge that refuses a version rolls it back on every edge: 502 ROLLOUT_FAILED, the previous version runs', async () => {
    const { registry, functions } = make();
    const edges = ['e1', 'e2'].map((id) => new FakeEdge(registry, id));
    await functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true });
    edges[1]!.refuse = '=>';
    const error = await functions.update('hdr', { code: 'var f = () => 1; function handle() {}' }).catch((e: unknown) => e as StudioError);
    expect(error).toMatchObject({ code: 'ROLLOUT_FAILED' });
    expect((error as StudioError).message).toMatch(/version 2 of "hdr" was rolled back: edge e2 refused it: nginx: SyntaxError/);
    expect(edges.map((e) => e.running.hdr)).toEqual([1, 1]);
    const fn = functions.get('hdr');
    expect(fn.version).toBe(1);
    expect(fn.versions[1]).toMatchObject({ version: 2, state: 'rolled-back', rolledBack: { automatic: true } });
    expect(audit.map((a) => `${a.action}:${a.result}`)).toEqual(['edge.function.create:ok', 'edge.function.rollback:ok', 'edge.function.update:failed']);
    // A new function an edge refuses is not kept: the same request can be sent again once the edge is fixed.
    const fresh = await functions.create({ name: 'arrow', route: '/vod/**', phase: 'response', code: 'var f = () => 1; function handle() {}', enabled: true }).catch((e: unknown) => e as StudioError);
    expect(fresh).toMatchObject({ code: 'ROLLOUT_FAILED', message: expect.stringMatching(/^"arrow" was taken off every edge and not kept: edge e2 refused it/) });
    expect(functions.list().map((f) => f.name)).toEqual(['hdr']);
    expect(edges.map((e) => Object.keys(e.running))).toEqual([['hdr'], ['hdr']]);
    edges[1]!.refuse = null;
    expect((await functions.create({ name: 'arrow', route: '/vod/**', phase: 'response', code: 'var f = () => 1; function handle() {}', enabled: true })).version).toBe(1);
  });

  it('rolls a version back by itself once its errors on the edges pass the threshold, and lists them', async () => {
    const { registry, functions } = make();
    const [e1, e2] = ['e1', 'e2'].map((id) => new FakeEdge(registry, id));
    await functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true });
    await functions.update('hdr', { code: 'function handle(req) { return req.x.y; }', rollback: { errorRate: 0.5, minErrors: 3 } });
    expect(e1!.running.hdr).toBe(2);
    const err = (n: number) => Array.from({ length: n }, (_, i) => ({ at: now + i, uri: `/live/a/${i}.m4s`, message: 'TypeError: cannot get property "y" of undefined' }));
    // Under the threshold: 2 errors (fewer than minErrors), then 3 of 10 calls (30 % < 50 %).
    e1!.counters([{ name: 'hdr', version: 2, calls: 4, errors: 2, totalMs: 0, recent: err(2) }]);
    e2!.counters([{ name: 'hdr', version: 2, calls: 6, errors: 1, totalMs: 0, recent: err(1) }]);
    await settle();
    expect(functions.get('hdr')).toMatchObject({ version: 2, counters: [{ version: 2, calls: 10, errors: 3 }] });
    e2!.counters([{ name: 'hdr', version: 2, calls: 8, errors: 6, totalMs: 8, recent: err(6) }]);
    await settle();
    const fn = functions.get('hdr');
    expect(fn.version).toBe(1);
    expect(fn.versions[1]).toMatchObject({ state: 'rolled-back', rolledBack: { automatic: true, reason: '8 of 12 calls threw on the edges (last: TypeError: cannot get property "y" of undefined)' } });
    expect([e1!.running.hdr, e2!.running.hdr]).toEqual([1, 1]);
    expect(fn.recentErrors[0]).toMatchObject({ edge: 'e2', version: 2, uri: '/live/a/5.m4s' });
    expect(audit.at(-1)).toMatchObject({ action: 'edge.function.rollback', detail: expect.stringMatching(/^version 2 -> 1: 8 of 12 calls threw/) });
  });

  it('rolls back on request: to the version before, to a given one, or to none; disabled functions run nowhere', async () => {
    const { registry, functions } = make();
    const edge = new FakeEdge(registry, 'e1');
    await functions.create({ name: 'hdr', route: '/live/**', phase: 'request', code: CODE, enabled: true });
    await functions.update('hdr', { code: `${CODE}\n// 2` });
    await functions.update('hdr', { code: `${CODE}\n// 3` });
    expect((await functions.rollback('hdr', undefined, 'alex')).version).toBe(2);
    expect((await functions.rollback('hdr', 1, 'alex')).version).toBe(1);
    await expect(functions.rollback('hdr', 1)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(functions.rollback('hdr', 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await functions.rollback('hdr', undefined)).version).toBeNull();
    expect(edge.running).toEqual({});
    await expect(functions.rollback('hdr', undefined)).rejects.toMatchObject({ code: 'CONFLICT' });
    await functions.rollback('hdr', 3);
    expect(edge.running).toEqual({ hdr: 3 });
    await functions.update('hdr', { enabled: false });
    expect(edge.running).toEqual({});
    await functions.update('hdr', { enabled: true });
    expect(edge.running).toEqual({ hdr: 3 });
    await functions.remove('hdr');
    expect(edge.running).toEqual({});
    expect(() => functions.get('hdr')).toThrow(/no edge function "hdr"/);
  });

  it('keeps its functions across a restart; an edge that connects is sent its set', async () => {
    const first = make();
    await first.functions.create({ name: 'hdr', route: '/live/**', phase: 'response', code: CODE, enabled: true });
    const { registry, functions } = make(db);
    expect(functions.list().map((f) => [f.name, f.version, f.phase])).toEqual([['hdr', 1, 'response']]);
    const edge = new FakeEdge(registry, 'e9');
    await settle();
    expect(edge.running).toEqual({ hdr: 1 });
    expect(functions.get('hdr').edges).toEqual([{ id: 'e9', version: 1, status: 'applied', error: null }]);
  });

  it('picks canary edges, the version to go back to and the threshold as documented', () => {
    expect(canaryEdges(['c', 'a', 'b', 'd'], 10)).toEqual(['a']);
    expect(canaryEdges(['c', 'a', 'b', 'd'], 50)).toEqual(['a', 'b']);
    expect(canaryEdges(['c', 'a', 'b', 'd'], 99)).toEqual(['a', 'b', 'c', 'd']);
    const v = (version: number, state: 'stable' | 'superseded' | 'rolled-back') => ({ version, route: '/', phase: 'request' as const, code: '', createdAt: 0, state, rolledBack: null });
    expect(previousGood([v(1, 'superseded'), v(2, 'rolled-back'), v(3, 'stable')], 3)).toBe(1);
    expect(previousGood([v(1, 'rolled-back'), v(2, 'stable')], 2)).toBeNull();
    expect(pastThreshold({ calls: 100, errors: 4 }, { errorRate: 0.01, minErrors: 5 })).toBe(false);
    expect(pastThreshold({ calls: 100, errors: 5 }, { errorRate: 0.05, minErrors: 5 })).toBe(true);
    expect(pastThreshold({ calls: 100, errors: 9 }, { errorRate: 0.1, minErrors: 5 })).toBe(false);
  });
});
