import { describe, expect, it } from 'vitest';
import { decideEdgeScale, decideScale, edgeDrained, parseProviderMachine, parseSshPool, type EdgeScaleInput, type ScaleEdge, type ScaleInput } from './autoscale.js';

const policy = { enabled: true, min: 0, max: 3, queueWaitSeconds: 30, idleSeconds: 300, cooldownSeconds: 120 };
const at = 1_800_000_000_000;
const input = (over: Partial<ScaleInput> = {}): ScaleInput => ({
  policy, now: at, connected: 1, freeSlots: 0, waiting: 0, oldestWaitMs: 0, members: [], lastActionAt: null, backoffUntil: null, ...over,
});
const member = (id: string, state: 'provisioning' | 'ready' | 'draining' | 'removing', idleMs: number | null = null) => ({ id, name: `auto-${id}`, state, since: at, idleMs });

describe('decideScale', () => {
  it('adds a runner when a job has waited past the target with no slot free, saying why', () => {
    expect(decideScale(input({ waiting: 3, oldestWaitMs: 45_000 }))).toEqual({ action: 'add', reason: '3 jobs waiting, the oldest 45 s (target 30 s), no runner slot free' });
    // Within the target, or a slot free: nothing.
    expect(decideScale(input({ waiting: 3, oldestWaitMs: 10_000 })).action).toBe('none');
    expect(decideScale(input({ waiting: 3, oldestWaitMs: 45_000, freeSlots: 1 })).action).toBe('none');
  });

  it('keeps its bounds, one machine at a time, the cooldown and the backoff', () => {
    const overdue = { waiting: 2, oldestWaitMs: 60_000 };
    expect(decideScale(input({ ...overdue, connected: 3 }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/at the maximum of 3$/) });
    expect(decideScale(input({ ...overdue, members: [member('a', 'provisioning')] }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/a runner is being added$/) });
    expect(decideScale(input({ ...overdue, lastActionAt: at - 60_000 }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/cooling down$/) });
    expect(decideScale(input({ ...overdue, backoffUntil: at + 90_000 }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/adding waits 90 s after a failure$/) });
    expect(decideScale(input({ ...overdue, lastActionAt: at - 120_000 })).action).toBe('add');
    expect(decideScale({ ...input(overdue), policy: { ...policy, enabled: false } })).toEqual({ action: 'none', reason: 'autoscaling is off' });
  });

  it('adds up to the minimum, even with nothing waiting (not while one is on its way or backed off)', () => {
    const min2 = { ...policy, min: 2 };
    expect(decideScale(input({ policy: min2, connected: 1 }))).toEqual({ action: 'add', reason: '1 runner, below the minimum of 2' });
    expect(decideScale(input({ policy: min2, connected: 1, members: [member('a', 'provisioning')] })).action).toBe('none');
    expect(decideScale(input({ policy: min2, connected: 0, backoffUntil: at + 30_000 })).action).toBe('none');
  });

  it('removes the runner it added that has been idle longest, once past idleSeconds, while nothing waits and above the minimum', () => {
    const members = [member('a', 'ready', 400_000), member('b', 'ready', 900_000), member('c', 'ready', 100_000)];
    expect(decideScale(input({ connected: 3, members }))).toEqual({ action: 'remove', member: 'b', reason: 'auto-b idle for 900 s (target 300 s), nothing waiting' });
    // Something waiting, at the minimum, or cooling down: it stays.
    expect(decideScale(input({ connected: 3, members, waiting: 1, oldestWaitMs: 1000, freeSlots: 1 })).action).toBe('none');
    expect(decideScale(input({ connected: 3, members, policy: { ...policy, min: 3 } })).action).toBe('none');
    expect(decideScale(input({ connected: 3, members, lastActionAt: at - 1000 })).action).toBe('none');
    // Runners started by hand are never its to remove.
    expect(decideScale(input({ connected: 3, members: [] })).action).toBe('none');
  });
});

// 400 Mbit/s per core = 50 MB/s.
const edgePolicy = { enabled: true, min: 0, max: 4, targetBps: 50e6, drainSeconds: 300, cooldownSeconds: 120 };
const edge = (id: string, mbitps: number, over: Partial<ScaleEdge> = {}): ScaleEdge => ({ id, bps: (mbitps * 1e6) / 8, cores: 1, healthy: true, draining: false, ...over });
const edgeInput = (over: Partial<EdgeScaleInput> = {}): EdgeScaleInput => ({ policy: edgePolicy, now: at, edges: [], members: [], lastActionAt: null, backoffUntil: null, ...over });
const edgeMember = (id: string, edgeId: string | null, state: 'provisioning' | 'ready' | 'draining' | 'removing' = 'ready') => ({ id, name: `auto-${id}`, state, edgeId });

describe('decideEdgeScale', () => {
  it('adds an edge when the traffic per core of the edges taking viewers reaches the target, saying why', () => {
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 600, { cores: 2 }), edge('e2', 600)] }))).toEqual({
      action: 'add',
      reason: '1200 Mbit/s on 2 edges (3 cores), 400 Mbit/s per core, at or above the target of 400 Mbit/s',
    });
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 300, { cores: 2 }), edge('e2', 600)] }))).toEqual({
      action: 'none',
      reason: '900 Mbit/s on 2 edges (3 cores), 300 Mbit/s per core, within the target of 400 Mbit/s',
    });
    expect(decideEdgeScale(edgeInput())).toEqual({ action: 'none', reason: 'steady: no edge traffic' });
  });

  it("counts a draining edge's traffic on the others, and an unhealthy edge not at all", () => {
    // 2 x 250 on one taking core: 500 per core.
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 250), edge('e2', 250, { draining: true })] })).action).toBe('add');
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 250), edge('e2', 250, { healthy: false })] })).action).toBe('none');
    // Traffic and no edge taking viewers: add.
    expect(decideEdgeScale(edgeInput({ edges: [edge('e2', 5, { draining: true })] }))).toMatchObject({ action: 'add', reason: expect.stringMatching(/^5\.0 Mbit\/s and no edge taking viewers/) });
  });

  it('keeps its bounds, one machine at a time, the cooldown and the backoff', () => {
    const busy = [edge('e1', 500), edge('e2', 500)];
    expect(decideEdgeScale(edgeInput({ edges: busy, policy: { ...edgePolicy, max: 2 } }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/at the maximum of 2$/) });
    expect(decideEdgeScale(edgeInput({ edges: busy, members: [edgeMember('a', null, 'provisioning')] }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/an edge is being added$/) });
    expect(decideEdgeScale(edgeInput({ edges: busy, lastActionAt: at - 30_000 }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/cooling down$/) });
    expect(decideEdgeScale(edgeInput({ edges: busy, backoffUntil: at + 60_000 }))).toMatchObject({ action: 'none', reason: expect.stringMatching(/adding waits 60 s after a failure$/) });
    expect(decideEdgeScale(edgeInput({ edges: busy, policy: { ...edgePolicy, enabled: false } }))).toEqual({ action: 'none', reason: 'edge autoscaling is off' });
    expect(decideEdgeScale(edgeInput({ policy: { ...edgePolicy, min: 1 } }))).toEqual({ action: 'add', reason: '0 edges in rotation, below the minimum of 1' });
    expect(decideEdgeScale(edgeInput({ policy: { ...edgePolicy, min: 1 }, backoffUntil: at + 10_000 })).action).toBe('none');
  });

  it('removes the edge it added that carries least once the others would stay below half the target, never below the minimum', () => {
    const members = [edgeMember('a', 'e2'), edgeMember('b', 'e3')];
    const edges = [edge('e1', 100), edge('e2', 40), edge('e3', 20)];
    // 160 Mbit/s on 3 cores; without e3 80 per core, below 200.
    expect(decideEdgeScale(edgeInput({ edges, members }))).toEqual({
      action: 'remove',
      member: 'b',
      reason: '160 Mbit/s on 3 edges (3 cores), 53 Mbit/s per core; without auto-b 80 Mbit/s per core, below half the target of 400 Mbit/s',
    });
    // Between half the target and the target: it stays (no flapping).
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 300), edge('e2', 300), edge('e3', 0)], members })).action).toBe('none');
    expect(decideEdgeScale(edgeInput({ edges, members, policy: { ...edgePolicy, min: 3 } })).action).toBe('none');
    expect(decideEdgeScale(edgeInput({ edges, members, lastActionAt: at - 1000 })).action).toBe('none');
    // Edges provisioned by hand are never its to remove; one not in rotation is not weighed.
    expect(decideEdgeScale(edgeInput({ edges, members: [] })).action).toBe('none');
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 100), edge('e2', 0, { draining: true })], members: [edgeMember('a', 'e2')] })).action).toBe('none');
    // Above the maximum: the one it added that carries least goes, whatever the traffic.
    expect(decideEdgeScale(edgeInput({ edges: [edge('e1', 350), edge('e2', 380), edge('e3', 390)], members, policy: { ...edgePolicy, max: 2 } }))).toMatchObject({ action: 'remove', member: 'a' });
  });

  it('lets a draining edge go once its viewers moved on, it left, or the drain took its longest', () => {
    expect(edgeDrained({ connected: true, requests: 3 }, 5000, 300)).toBe('3 requests in the last minute');
    expect(edgeDrained({ connected: true, requests: 800 }, 5000, 300)).toBeNull();
    expect(edgeDrained({ connected: true, requests: 800 }, 300_000, 300)).toBe('its viewers still there after 300 s of draining');
    expect(edgeDrained({ connected: false, requests: 800 }, 0, 300)).toBe('it is no longer connected');
    expect(edgeDrained(undefined, 0, 300)).toBe('it is no longer connected');
  });
});

describe('the SSH pool and the provider', () => {
  it('reads user@host[:port] lists', () => {
    expect(parseSshPool('root@10.0.0.5, deploy@render2.example:2222 root@[fd00::7]:22')).toEqual([
      { target: 'root@10.0.0.5:22', user: 'root', host: '10.0.0.5', port: 22 },
      { target: 'deploy@render2.example:2222', user: 'deploy', host: 'render2.example', port: 2222 },
      { target: 'root@fd00::7:22', user: 'root', host: 'fd00::7', port: 22 },
    ]);
    expect(parseSshPool('')).toEqual([]);
  });

  it("reads the provider's machine, and says what is wrong with a bad one", () => {
    expect(parseProviderMachine('creating…\n{"id":"i-0abc","host":"203.0.113.9"}\n')).toEqual({ id: 'i-0abc', host: '203.0.113.9', port: 22, user: 'root', root: '/', httpPort: null, region: null });
    expect(parseProviderMachine('{"id":"e1","host":"10.1.0.2","httpPort":8090,"region":"eu-west"}')).toMatchObject({ httpPort: 8090, region: 'eu-west' });
    expect(() => parseProviderMachine('{"id":"e1","host":"h","httpPort":0}')).toThrow('bad httpPort');
    expect(parseProviderMachine('{"id":"m1","host":"127.0.0.1","port":2222,"user":"ci","root":"/tmp/m1"}')).toMatchObject({ port: 2222, user: 'ci', root: '/tmp/m1' });
    expect(() => parseProviderMachine('done')).toThrow('the provider printed no JSON machine');
    expect(() => parseProviderMachine('{"id":"m1"}')).toThrow('needs an "id" and a "host"');
    expect(() => parseProviderMachine('{"id":"m1","host":"h; rm -rf /"}')).toThrow('needs an "id" and a "host"');
    expect(() => parseProviderMachine('{"id":"m1","host":"h","port":70000}')).toThrow('bad port');
    expect(() => parseProviderMachine('{"id":"m1","host":"h","user":"a b"}')).toThrow('bad user');
    expect(() => parseProviderMachine('{"id":')).toThrow('does not parse');
  });
});
