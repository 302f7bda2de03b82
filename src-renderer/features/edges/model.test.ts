import { describe, expect, it } from 'vitest';
import type { EdgeInfo } from '../../../src-shared/contract/index.js';
import { ago, appendEdgeSample, EMPTY_EDGE_SERIES, mergeSeries, purgeFromForm } from './model.js';

const edge = (hitRatio: number, bytes: number): EdgeInfo => ({
  id: 'e1', url: 'http://e1', region: '', version: '1', healthy: true, unhealthyReason: null, connected: true, draining: null, hitRatio, lastSeen: 0, lastSeq: 0, registeredAt: 0,
  stats: { hitRatio, requests: 10, bytes, p50Ms: 1, p95Ms: 2, p99Ms: 3, cacheBytes: 0, nginxUp: true },
});

describe('edges model', () => {
  it('turns heartbeats into chart series and merges edges on one time axis', () => {
    let a = appendEdgeSample(EMPTY_EDGE_SERIES, edge(0.5, 6000), 1000_000);
    a = appendEdgeSample(a, edge(0.75, 12_000), 1005_000);
    expect(a).toEqual({ t: [1000, 1005], hit: [50, 75], bps: [100, 200], p99: [3, 3] });
    const b = appendEdgeSample(EMPTY_EDGE_SERIES, edge(1, 0), 1005_000);
    expect(mergeSeries({ a, b }, ['a', 'b'], 'hit')).toEqual([[1000, 1005], [50, 75], [null, 100]]);
    expect(appendEdgeSample(a, { ...edge(1, 0), stats: null }, 1010_000)).toBe(a);
  });

  it('builds purge requests from the form and words what is wrong', () => {
    expect(purgeFromForm('tags', 'stream/demo, stream/b', true)).toEqual({ request: { tags: ['stream/demo', 'stream/b'], soft: true } });
    expect(purgeFromForm('urls', '/live/a/x.m4s\n/live/a/y.m4s', false)).toEqual({ request: { urls: ['/live/a/x.m4s', '/live/a/y.m4s'] } });
    expect(purgeFromForm('prefix', '/etc/', false)).toEqual({ error: 'prefix: must start with /live/ or /vod/' });
    expect(purgeFromForm('pattern', '(', false)).toEqual({ error: 'pattern: not a valid regular expression' });
    expect('error' in purgeFromForm('tags', '  ', false)).toBe(true);
  });

  it('says how long ago', () => {
    expect(ago(null, 0)).toBe('never');
    expect(ago(0, 4_000)).toBe('4 s ago');
    expect(ago(0, 180_000)).toBe('3 min ago');
  });
});
