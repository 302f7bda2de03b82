import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAccessLine, percentile, RequestWindow, TagIndex, type AccessRecord } from './access-log.js';
import { pathOf, planPurge } from './purge-plan.js';

// Lines written by nginx 1.22 with the edge's log_format (nginx-conf.ts), plus two broken ones.
const LINES = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'access.json.log'), 'utf8').trim().split('\n');
const records = LINES.map(parseAccessLine);

describe('parseAccessLine', () => {
  it("indexes a soft purge's refresh as the object it put back in the cache, not as the control URL", () => {
    const line = JSON.stringify({ t: 1795315962.5, m: 'GET', u: '/refresh/edge_fill/s/live/demo/s/x/chunk-stream0-00009.m4s', s: 200, b: 1000, rt: 0.01, c: 'BYPASS', up: '127.0.0.1:7070', k: 'stream/demo', v: 'p', pf: '' });
    const record = parseAccessLine(line)!;
    expect(record).toMatchObject({ uri: '/live/demo/s/x/chunk-stream0-00009.m4s', variant: 's', cache: 'MISS', upstream: true, tags: ['stream/demo'], prefetch: true });
    const index = new TagIndex();
    index.add(record);
    expect([...index.match((_u, tags) => tags.has('stream/demo'))]).toEqual(['/live/demo/s/x/chunk-stream0-00009.m4s']);
  });

  it('reads nginx JSON lines and refuses broken ones', () => {
    expect(records.filter(Boolean)).toHaveLength(6);
    expect(records[6]).toBeNull();
    expect(records[7]).toBeNull();
    expect(records[3]).toEqual<AccessRecord>({
      at: 1795315962001,
      method: 'GET',
      uri: '/live/demo/s/mwr8rgz10/chunk-stream0-00005.m4s',
      status: 200,
      bytes: 484106,
      ms: 32,
      cache: 'MISS',
      upstream: true,
      tags: ['stream/demo'],
      variant: 'p',
      prefetch: false,
      stored: false,
      weight: 1,
    });
    expect(records[1]!.upstream).toBe(false);
    expect(records[4]!.variant).toBe('s');
  });
});

describe('RequestWindow', () => {
  it('computes hit ratio, bytes and latency percentiles over the window', () => {
    const window = new RequestWindow(60_000);
    for (const r of records) if (r) window.add(r);
    const stats = window.stats(1795315962301);
    // The two 1795315684/693 lines are older than a minute.
    expect(stats.requests).toBe(3);
    expect(stats.bytes).toBe(484106 + 600);
    expect(stats.hitRatio).toBeCloseTo(1 / 3);
    expect(stats.originFetches).toBe(3);
    expect(stats.p99Ms).toBe(32);
    expect(window.totals).toMatchObject({ requests: 6, hits: 2, cached: 5, originFetches: 4 });
  });

  it('takes nearest-rank percentiles, each value standing for its weight', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => ({ value: i + 1, weight: 1 }));
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99)]).toEqual([50, 95, 99]);
    expect(percentile([], 99)).toBe(0);
    // 10 sampled playlist hits of 1 ms standing for 80 requests, 20 segment hits of 5 ms.
    const mixed = [{ value: 1, weight: 80 }, { value: 5, weight: 20 }];
    expect([percentile(mixed, 50), percentile(mixed, 80), percentile(mixed, 81)]).toEqual([1, 1, 5]);
  });

  it('counts a sampled playlist hit as the requests it stands for', () => {
    const line = (u: string, w: number) => `{"t":1795315962.000,"m":"GET","u":"${u}","s":200,"b":1000,"rt":0.001,"c":"HIT","v":"p","pf":"","w":${w}}`;
    const window = new RequestWindow(60_000);
    window.add(parseAccessLine(line('/live/demo/v0.m3u8', 10))!);
    window.add(parseAccessLine(line('/live/demo/s/r1/seg-0-1.m4s', 1))!);
    expect(window.stats(1795315962500)).toMatchObject({ requests: 11, bytes: 11000, hitRatio: 1 });
    expect(window.totals).toMatchObject({ requests: 11, hits: 11 });
    // Nonsense weights count once.
    expect(parseAccessLine(line('/live/demo/v0.m3u8', 1000))!.weight).toBe(1);
  });
});

describe('TagIndex and planPurge', () => {
  const index = new TagIndex(3);
  for (const r of records) if (r) index.add(r);

  it('indexes only what entered the cache from the origin', () => {
    // The HIT and the 403 did not come from the origin; the 404 did (cached 60 s).
    expect([...index.match(() => true)].sort()).toEqual([
      '/live/demo/missing.m3u8',
      '/live/demo/s/mwr8rgz10/chunk-stream0-00005.m4s',
      '/live/other/v0.m3u8',
    ]);
  });

  it('resolves tags, prefixes and patterns against the index; URLs as given', () => {
    expect(planPurge({ tags: ['stream/demo'] }, index)).toEqual(['/live/demo/s/mwr8rgz10/chunk-stream0-00005.m4s']);
    expect(planPurge({ prefix: '/live/other/' }, index)).toEqual(['/live/other/v0.m3u8']);
    expect(planPurge({ pattern: '\\.m3u8$' }, index).sort()).toEqual(['/live/demo/missing.m3u8', '/live/other/v0.m3u8']);
    expect(planPurge({ urls: ['/live/x/a.m4s?sid=1', '/live/x/a.m4s'] }, index)).toEqual(['/live/x/a.m4s']);
    expect(planPurge({ tags: ['stream/none'] }, index)).toEqual([]);
  });

  it('drops the oldest entry past its limit and forgets purged ones', () => {
    const small = new TagIndex(2);
    for (const r of records) if (r) small.add(r);
    expect(small.size).toBe(2);
    expect([...small.match((u) => u.includes('missing'))]).toEqual([]);
    small.forget('/live/other/v0.m3u8');
    expect(small.size).toBe(1);
  });

  it('takes the path of a URL, decoded like nginx $uri', () => {
    expect(pathOf('/live/a%20b/x.m3u8?sid=1#f')).toBe('/live/a b/x.m3u8');
    expect(pathOf('/live/%E0%A4%A/x')).toBe('/live/%E0%A4%A/x');
  });
});

describe('TagIndex persistence', () => {
  it('round-trips through JSON and skips malformed entries', () => {
    const index = new TagIndex();
    for (const r of records) if (r) index.add(r);
    const copy = new TagIndex();
    copy.load([...JSON.parse(JSON.stringify(index)), ['/x', 'bad'], 42]);
    expect(copy.toJSON()).toEqual(index.toJSON());
    expect(planPurge({ tags: ['stream/other'] }, copy)).toEqual(['/live/other/v0.m3u8']);
  });
});

describe('newestSegments', () => {
  it('resolves the newest segments of a media playlist against its path', async () => {
    const { newestSegments } = await import('./prefetch.js');
    const playlist = '#EXTM3U\n#EXTINF:2,\ns/a/1.m4s?sid=x\n#EXTINF:2,\ns/a/2.m4s?sid=x\n#EXTINF:2,\ns/a/3.m4s?sid=x\n';
    expect(newestSegments(playlist, '/live/demo/v0.m3u8')).toEqual(['/live/demo/s/a/2.m4s', '/live/demo/s/a/3.m4s']);
    expect(newestSegments('#EXTM3U\nhttp://elsewhere/x.m4s\n../../etc/passwd\n', '/live/demo/v0.m3u8')).toEqual([]);
  });
});

describe('parseAccessLine: the mirror tier', () => {
  const line = (fields: Record<string, unknown>): string =>
    JSON.stringify({ t: 1795315962.5, m: 'GET', s: 200, b: 204800, rt: 0.001, c: '', v: 'p', pf: '', ...fields });

  it('reads a mirrored file served without an upstream as a hit, not an origin fetch', () => {
    const hit = parseAccessLine(line({ u: '/live/demo/s/a/chunk-stream0-00001.m4s' }))!;
    expect({ cache: hit.cache, upstream: hit.upstream, stored: hit.stored }).toEqual({ cache: 'HIT', upstream: false, stored: false });
    // A live playlist without a cache status was the playlist tier's file (playlist-plan.ts): a hit too.
    expect(parseAccessLine(line({ u: '/live/demo/v0.m3u8' }))!.cache).toBe('HIT');
    expect(parseAccessLine(line({ u: '/vod/r1/index.m3u8' }))!.cache).toBe('');
    expect(parseAccessLine(line({ u: '/live/demo/s/a/chunk-stream0-00001.m4s', s: 404 }))!.cache).toBe('');
  });

  it('reads a miss filled through the fill server by the fill zone\'s status, and indexes it with its tags', () => {
    const miss = parseAccessLine(line({ u: '/vod/r1/chunk-stream0-00001.m4s', up: '127.0.0.1:9003', f: 'MISS', k: 'vod/r1' }))!;
    expect({ cache: miss.cache, upstream: miss.upstream, stored: miss.stored }).toEqual({ cache: 'MISS', upstream: true, stored: true });
    // A waiter of the same miss was answered from the fill zone: no origin fetch, but stored in the mirror too.
    const waiter = parseAccessLine(line({ u: '/vod/r2/chunk-stream0-00001.m4s', up: '127.0.0.1:9003', f: 'HIT', k: 'vod/r2' }))!;
    expect({ cache: waiter.cache, upstream: waiter.upstream, stored: waiter.stored }).toEqual({ cache: 'HIT', upstream: false, stored: true });
    const index = new TagIndex();
    index.add(miss);
    index.add(waiter);
    expect([...index.match((_u, tags) => tags.has('vod/r2'))]).toEqual(['/vod/r2/chunk-stream0-00001.m4s']);
    expect(index.size).toBe(2);
  });
});
