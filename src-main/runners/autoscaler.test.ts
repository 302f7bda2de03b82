// The autoscaler's choice of machines and its removals with the SSH pool, on fakes of the pool, the
// queue and provisioning (the SSH and provider paths themselves run for real in the integration tests,
// which cannot install into a pool machine's "/" on the machine running them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, type StudioConfig } from '../../src-shared/config.js';
import type { EdgeInfo, ProvisionJob } from '../../src-shared/contract/cdn.js';
import { silentLogger } from '../core/logger.js';
import { Autoscaler, type AutoscalerDeps } from './autoscaler.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autoscaler-unit-'));
const keyFile = path.join(dir, 'key');
fs.writeFileSync(keyFile, 'a private key');
afterEach(() => fs.rmSync(path.join(dir, 'members.json'), { force: true }));

/** A scaler on fakes: runners connect when their provisioning ends, jobs wait as `waiting` says. */
function rig(scaling: Partial<StudioConfig['scaling']>) {
  const config = { ...CONFIG_DEFAULTS.scaling, sshKeyFile: keyFile, cooldownSeconds: 0, idleSeconds: 10, ...scaling };
  const connected = new Map<string, { work: number }>();
  const edges: EdgeInfo[] = [];
  const calls: string[] = [];
  const state = { waiting: 3, now: 1_800_000_000_000 };
  let job = 0;
  const started = (kind: ProvisionJob['kind'], target: string): ProvisionJob => ({ id: `job${++job}`, kind, target, state: 'running', steps: [], edgeId: null, failedStep: null, error: null, startedAt: 0, endedAt: null });
  const ends = new Map<string, ProvisionJob>();
  const deps: AutoscalerDeps = {
    config: () => config,
    pool: {
      load: () => ({ runners: connected.size, slots: connected.size, busy: [...connected.values()].filter((r) => r.work > 0).length }),
      setDraining: (name, draining) => void calls.push(`drain ${name} ${draining}`),
      workOf: (name) => connected.get(name)?.work,
      idOf: (name) => (connected.has(name) ? `run_${name}` : undefined),
    },
    queue: () => ({ waiting: state.waiting, oldestWaitMs: state.waiting ? 60_000 : 0 }),
    provision: (input) => {
      calls.push(`provision runner ${input.user}@${input.host}:${input.sshPort} root ${input.root}`);
      const j = started('provision', input.host);
      input.token();
      connected.set(input.name, { work: 1 });
      ends.set(j.id, { ...j, state: 'done' });
      return j;
    },
    decommission: (input) => {
      calls.push(`decommission runner ${input.user}@${input.host}:${input.sshPort}`);
      const j = started('decommission', input.host);
      for (const [name] of connected) if (`run_${name}` === input.runnerId) connected.delete(name);
      ends.set(j.id, { ...j, state: 'done' });
      return j;
    },
    edges: {
      list: () => edges,
      drain: (id) => {
        calls.push(`drain edge ${id}`);
        return { release: () => undefined };
      },
      provision: (input) => {
        calls.push(`provision edge ${input.user}@${input.host}:${input.sshPort} port ${input.port} region ${input.region}`);
        const j = started('provision', input.host);
        const id = `edge-${edges.length + 1}`;
        edges.push({ id, url: `http://${input.host}:${input.port}`, region: input.region, healthy: true, connected: true, draining: null } as EdgeInfo);
        ends.set(j.id, { ...j, state: 'done', edgeId: id });
        return j;
      },
      decommission: (input) => {
        calls.push(`decommission edge ${input.edgeId}`);
        const j = started('decommission', input.host);
        ends.set(j.id, { ...j, state: 'done' });
        return j;
      },
    },
    finished: async (id) => ends.get(id)!,
    origin: () => 'http://origin:7070',
    token: (name) => ({ token: `t-${name}`, id: `tok_${name}` }),
    deleteToken: (id) => void calls.push(`delete token ${id}`),
    runProvider: async (_command, args) => {
      calls.push(`provider ${args.join(' ')}`);
      return args[0] === 'create' ? { code: 0, stdout: JSON.stringify({ id: `m-${args[2]}`, host: '203.0.113.7', httpPort: 8090, region: 'eu-west' }), stderr: '' } : { code: 0, stdout: '', stderr: '' };
    },
    stateFile: path.join(dir, 'members.json'),
    onChange: () => undefined,
    logger: silentLogger(),
    now: () => state.now,
  };
  const scaler = new Autoscaler(deps);
  /** A look, and the provisioning it started ended (its `then` has run). */
  const tick = async (): Promise<void> => {
    await scaler.tick();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return { scaler, calls, connected, edges, state, tick };
}

describe('the autoscaler with an SSH pool', () => {
  it('takes the pool machines first, in order, then the provider; a removed pool machine goes back to the pool', async () => {
    const { scaler, calls, connected, state, tick } = rig({ runners: true, runnersMax: 3, sshHosts: 'root@10.0.0.5, deploy@10.0.0.6:2222', providerCommand: 'make-vm' });
    await tick();
    await tick();
    await tick();
    expect(calls.filter((c) => c.startsWith('provision') || c.startsWith('provider'))).toEqual([
      'provision runner root@10.0.0.5:22 root /',
      'provision runner deploy@10.0.0.6:2222 root /',
      expect.stringMatching(/^provider create runner auto-[0-9a-f]{6}$/),
      'provision runner root@203.0.113.7:22 root /',
    ]);
    const members = scaler.status().members;
    expect(members.map((m) => [m.source, m.target, m.state])).toEqual([
      ['pool', 'root@10.0.0.5:22', 'ready'],
      ['pool', 'deploy@10.0.0.6:2222', 'ready'],
      ['provider', 'root@203.0.113.7:22', 'ready'],
    ]);
    // At the maximum: nothing more, and it says so.
    await tick();
    expect(scaler.status().lastReason).toMatch(/at the maximum of 3$/);

    // The first runner idle past 10 s with nothing waiting: drained, decommissioned, its machine back in the pool.
    state.waiting = 0;
    connected.get(members[0]!.name)!.work = 0;
    await tick();
    state.now += 11_000;
    await tick();
    expect(scaler.status().members.find((m) => m.name === members[0]!.name)?.state).toBe('draining');
    await tick();
    const removed = scaler.status().decisions.find((d) => d.action === 'removed')!;
    expect(removed.reason).toBe(`${members[0]!.name} decommissioned (root@10.0.0.5:22 back in the pool)`);
    expect(calls).toContain('decommission runner root@10.0.0.5:22');
    expect(calls).toContain(`delete token tok_${members[0]!.name}`);
    // No provider call for a pool machine.
    expect(calls.filter((c) => c.startsWith('provider destroy'))).toEqual([]);

    // Jobs wait again: the machine given back is the first free one.
    state.waiting = 2;
    await tick();
    expect(calls.at(-1)).toBe('provision runner root@10.0.0.5:22 root /');
  });

  it('shares the pool between runners and edges, an edge on its configured port and region (a provider may name others)', async () => {
    const { scaler, calls, state, tick } = rig({
      runners: true, runnersMax: 1, edges: true, edgesMin: 2, edgePort: 8081, edgeRegion: 'us-east',
      sshHosts: 'root@10.0.0.5 root@10.0.0.6', providerCommand: 'make-vm',
    });
    state.waiting = 1;
    await tick();
    await tick();
    await tick();
    expect(calls.filter((c) => c.startsWith('provision') || c.startsWith('provider'))).toEqual([
      'provision runner root@10.0.0.5:22 root /',
      'provision edge root@10.0.0.6:22 port 8081 region us-east',
      expect.stringMatching(/^provider create edge auto-edge-[0-9a-f]{6}$/),
      'provision edge root@203.0.113.7:22 port 8090 region eu-west',
    ]);
    expect(scaler.status().members.map((m) => [m.role, m.edgeId, m.state])).toEqual([
      ['runner', null, 'ready'],
      ['edge', 'edge-1', 'ready'],
      ['edge', 'edge-2', 'ready'],
    ]);
    expect(scaler.status().edges.lastReason).toBe('steady: no edge traffic');
  });

  it('keeps its members across a restart; an edge an operator took back while it drained is ready again, not removed', async () => {
    const first = rig({ edges: true, edgesMin: 1, sshHosts: 'root@10.0.0.5', cooldownSeconds: 60 });
    await first.tick();
    const [edge] = first.edges;
    expect(first.scaler.status().members.map((m) => m.state)).toEqual(['ready']);
    // Two edges of traffic below half the target, one added by hand: the scaler's edge is drained.
    first.edges.push({ id: 'by-hand', url: 'http://10.9.9.9:8081', region: '', healthy: true, connected: true, draining: null } as EdgeInfo);
    const stats = { bytes: 6e6, requests: 600, cores: 2 } as NonNullable<EdgeInfo['stats']>;
    edge!.stats = stats;
    first.edges[1]!.stats = { ...stats, bytes: 9e6 };
    first.state.now += 61_000;
    await first.tick();
    expect(first.scaler.status().members.map((m) => m.state)).toEqual(['draining']);
    expect(first.calls).toContain(`drain edge ${edge!.id}`);
    // The host restarts: the member is read back, still draining, and drained again.
    const second = rig({ edges: true, edgesMin: 1, sshHosts: 'root@10.0.0.5', cooldownSeconds: 60 });
    second.edges.push({ ...edge!, draining: 'autoscaler' }, first.edges[1]!);
    second.scaler.start();
    await second.scaler.dispose();
    expect(second.scaler.status().members.map((m) => [m.role, m.edgeId, m.state])).toEqual([['edge', edge!.id, 'draining']]);
    expect(second.calls).toContain(`drain edge ${edge!.id}`);
    // An operator undrains it: the scaler takes it back as ready (and waits its cooldown before draining one again).
    second.edges[0]!.draining = null;
    second.state.now += 1000;
    await second.tick();
    expect(second.scaler.status().members.map((m) => m.state)).toEqual(['ready']);
    expect(second.scaler.status().decisions[0]).toMatchObject({ role: 'edge', action: 'ready', reason: expect.stringMatching(/taken back into rotation by an operator while it drained$/) });
  });
});
