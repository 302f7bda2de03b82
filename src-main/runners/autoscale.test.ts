import { describe, expect, it } from 'vitest';
import { decideScale, parseProviderMachine, parseSshPool, type ScaleInput } from './autoscale.js';

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
    expect(parseProviderMachine('creating…\n{"id":"i-0abc","host":"203.0.113.9"}\n')).toEqual({ id: 'i-0abc', host: '203.0.113.9', port: 22, user: 'root', root: '/' });
    expect(parseProviderMachine('{"id":"m1","host":"127.0.0.1","port":2222,"user":"ci","root":"/tmp/m1"}')).toMatchObject({ port: 2222, user: 'ci', root: '/tmp/m1' });
    expect(() => parseProviderMachine('done')).toThrow('the provider printed no JSON machine');
    expect(() => parseProviderMachine('{"id":"m1"}')).toThrow('needs an "id" and a "host"');
    expect(() => parseProviderMachine('{"id":"m1","host":"h; rm -rf /"}')).toThrow('needs an "id" and a "host"');
    expect(() => parseProviderMachine('{"id":"m1","host":"h","port":70000}')).toThrow('bad port');
    expect(() => parseProviderMachine('{"id":"m1","host":"h","user":"a b"}')).toThrow('bad user');
    expect(() => parseProviderMachine('{"id":')).toThrow('does not parse');
  });
});
