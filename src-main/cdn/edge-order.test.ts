import { describe, expect, it } from 'vitest';
import type { EdgeInfo, EdgeStats } from '../../src-shared/contract/cdn.js';
import { edgeLoad, LOAD_STEP_BPS, orderEdges, regionRank } from './edge-order.js';

const STATS: EdgeStats = {
  hitRatio: 1, requests: 0, bytes: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, cacheBytes: 0, nginxUp: true, cores: 1,
  dataPlane: { ok: true, status: 200, error: null, at: 0, ms: 2 },
};

/** An edge in rotation; `mbps` is its load in units of LOAD_STEP_BPS per core (bytes over the minute). */
function edge(id: string, over: { region?: string; steps?: number; cores?: number; probeMs?: number; healthy?: boolean; draining?: EdgeInfo['draining']; noStats?: boolean } = {}): EdgeInfo {
  const cores = over.cores ?? 1;
  return {
    id, url: `http://${id}`, region: over.region ?? '', version: '1', healthy: over.healthy ?? true, unhealthyReason: null, connected: true,
    draining: over.draining ?? null, hitRatio: 1, lastSeen: 0, lastSeq: 0, registeredAt: 0,
    stats: over.noStats ? null : { ...STATS, cores, bytes: (over.steps ?? 0) * LOAD_STEP_BPS * 60 * cores, dataPlane: { ...STATS.dataPlane!, ms: over.probeMs ?? 2 } },
  };
}

const ids = (edges: EdgeInfo[], viewer: Parameters<typeof orderEdges>[1] = {}): string[] => orderEdges(edges, viewer).map((o) => o.edge.id);

describe('orderEdges', () => {
  const table: { name: string; edges: EdgeInfo[]; viewer?: Parameters<typeof orderEdges>[1]; want: string[] }[] = [
    { name: 'no edges', edges: [], want: [] },
    { name: 'out of rotation and draining edges are left out', edges: [edge('a', { healthy: false }), edge('b', { draining: 'operator' }), edge('c', { draining: 'upgrade' }), edge('d')], want: ['d'] },
    { name: 'every edge draining: none (the player uses the origin)', edges: [edge('a', { draining: 'decommission' })], want: [] },
    { name: 'the viewer\'s region first, then its area, then the rest', edges: [edge('us', { region: 'us-east' }), edge('euc', { region: 'eu-central' }), edge('euw', { region: 'eu-west' })], viewer: { region: 'eu-west' }, want: ['euw', 'euc', 'us'] },
    { name: 'region beats load', edges: [edge('far', { region: 'us-east' }), edge('near', { region: 'EU-West', steps: 9 })], viewer: { region: 'eu-west ' }, want: ['near', 'far'] },
    { name: 'in one region the least loaded first', edges: [edge('busy', { region: 'eu', steps: 5 }), edge('idle', { region: 'eu', steps: 0 }), edge('mid', { region: 'eu', steps: 2 })], viewer: { region: 'eu' }, want: ['idle', 'mid', 'busy'] },
    { name: 'load is per core', edges: [edge('small', { steps: 3, cores: 1 }), edge('big', { steps: 2, cores: 8 })], want: ['big', 'small'] },
    { name: 'equal load: the quicker data-plane probe', edges: [edge('slow', { probeMs: 400 }), edge('quick', { probeMs: 3 })], want: ['quick', 'slow'] },
    { name: 'no hint: region does not count, load does', edges: [edge('eu', { region: 'eu', steps: 4 }), edge('us', { region: 'us', steps: 1 })], want: ['us', 'eu'] },
    { name: 'an edge without stats yet counts as idle', edges: [edge('busy', { steps: 3 }), edge('fresh', { noStats: true })], want: ['fresh', 'busy'] },
  ];
  for (const row of table) it(row.name, () => expect(ids(row.edges, row.viewer)).toEqual(row.want));

  it('spreads viewers over equal edges, and gives one viewer the same order every time', () => {
    const edges = ['a', 'b', 'c'].map((id) => edge(id));
    const firsts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const first = ids(edges, { key: `10.0.0.${i}` })[0]!;
      firsts.set(first, (firsts.get(first) ?? 0) + 1);
    }
    expect([...firsts.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const count of firsts.values()) expect(count).toBeGreaterThan(60);
    expect(ids(edges, { key: 'x' })).toEqual(ids([...edges].reverse(), { key: 'x' }));
  });

  it('reports the region match and the load figure', () => {
    const [first] = orderEdges([edge('a', { region: 'eu-west', steps: 2, cores: 4 })], { region: 'eu-central' });
    expect(first).toMatchObject({ regionRank: 1, load: 2 * LOAD_STEP_BPS });
    expect(edgeLoad({ stats: null })).toBeNull();
    expect(edgeLoad({ stats: { ...STATS, bytes: 600, cores: undefined } })).toBe(10);
    expect([regionRank('eu', ''), regionRank('', 'eu'), regionRank('eu', 'eu')]).toEqual([2, 2, 0]);
  });
});
