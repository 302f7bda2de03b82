import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadReport, Episode, Show } from '../../src-shared/contract/podcasts.js';
import { startEdge, type EdgeProcess } from '../../test-support/edge.js';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { needs } from '../../test-support/peers.js';
import { checkPodcastFeed } from '../../test-support/podcast-feed-rules.js';
import { tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';

// A show served through two real nginx edges: the feed cached per host it was asked by (its files named
// on that edge), the episode from the edges' mirrors with ranges, and the downloads counted once per
// listener by the IAB rules from the edges' own lines (the origin sees only the edges' fills, and does
// not count them): a listener whose ranges come through both edges, repeats, a HEAD and a bot.
describe.skipIf(needs('ffmpeg', 'nginx'))('podcast downloads through two edges (real nginx)', () => {
  let host: HostProcess;
  let tmp: string;
  let show: Show;
  let episode: Episode;
  const edges: EdgeProcess[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podcast-edges-'));
    host = await startHost();
    for (const region of ['eu', 'us']) edges.push(await startEdge({ origin: host.url, token: host.token, region }));
    const audio = path.join(tmp, 'talk.m4a');
    const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=220:sample_rate=44100:duration=150', '-c:a', 'aac', '-b:a', '64k', audio]);
    expect(made.status, String(made.stderr)).toBe(0);
    const uploadId = await tusUpload(host, audio, { filename: 'talk.m4a', purpose: 'podcast' });
    show = (await api(host, 'POST', '/api/v1/shows', { title: 'Edge Talks', author: 'Ada', ownerEmail: 'ada@example.com', category: 'Technology' })).json as unknown as Show;
    // Directories require artwork (the feed rules check it): an audio upload has no poster to fall back on.
    const art = path.join(tmp, 'art.png');
    expect(spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1400x1400', '-frames:v', '1', art]).status).toBe(0);
    const put = await fetch(`${host.url}/api/v1/shows/${show.id}/artwork`, { method: 'PUT', headers: { authorization: `Bearer ${host.token}`, 'content-type': 'image/png' }, body: fs.readFileSync(art) });
    expect(put.status).toBe(200);
    const created = await api(host, 'POST', `/api/v1/shows/${show.id}/episodes`, { title: 'Far away', uploadId, status: 'published' });
    expect(created.status, created.text).toBe(201);
    episode = await waitFor('the episode ready', async () => {
      const list = (await api(host, 'GET', `/api/v1/shows/${show.id}/episodes`)).json as unknown as Episode[];
      const e = list[0];
      if (e?.state === 'failed') throw new Error(JSON.stringify(e.error));
      return e?.state === 'ready' ? e : null;
    }, 60_000, 250);
    await waitFor('both edges in rotation', async () => {
      const list = (await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as { healthy: boolean }[];
      return list.length === 2 && list.every((e) => e.healthy);
    }, 30_000, 250);
  }, 120_000);

  afterAll(async () => {
    for (const edge of edges) {
      await edge.stop();
      edge.remove();
    }
    expect(await host?.stop()).toBe(0);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("serves the feed through each edge, naming that edge in the enclosures, from the edge's cache after the first", async () => {
    for (const edge of edges) {
      const first = await fetch(`${edge.url}${show.feed!}`);
      expect(first.status).toBe(200);
      const xml = await first.text();
      expect(checkPodcastFeed(xml)).toEqual([]);
      expect(xml).toContain(`<enclosure url="${edge.url}${episode.audio!.mp3.path}"`);
      expect(xml).toContain(`<itunes:image href="${edge.url}/podcasts/${show.slug}/art/`);
      const again = await fetch(`${edge.url}${show.feed!}`, { headers: { 'if-none-match': first.headers.get('etag')! } });
      expect(again.status).toBe(304);
      expect(again.headers.get('x-cache')).toBe('HIT');
    }
  });

  it('counts one download per listener across both edges (ranges merged, a repeat, a HEAD and a bot left out)', async () => {
    const mp3 = episode.audio!.mp3;
    const [eu, us] = edges as [EdgeProcess, EdgeProcess];
    const half = Math.floor(mp3.bytes / 2);
    const fetchBody = async (edge: EdgeProcess, ua: string, range?: string): Promise<Response> => {
      const res = await fetch(`${edge.url}${mp3.path}`, { headers: { 'user-agent': ua, ...(range ? { range } : {}) } });
      await res.arrayBuffer();
      return res;
    };
    const listener = 'Podcasts/1720.4 CFNetwork/1496.0.7 Darwin/23.5.0';
    // The first half through one edge, the rest through the other: one listener, one download.
    const a = await fetchBody(eu, listener, `bytes=0-${half - 1}`);
    expect(a.status).toBe(206);
    expect(Number(a.headers.get('content-length'))).toBe(half);
    expect((await fetchBody(us, listener, `bytes=${half}-`)).status).toBe(206);
    // A repeat within the day (the whole file again, through the other edge).
    expect((await fetchBody(eu, listener)).status).toBe(200);
    // Another listener, a HEAD and a crawler.
    expect((await fetchBody(us, 'AntennaPod/3.4.0')).status).toBe(200);
    expect((await fetch(`${us.url}${mp3.path}`, { method: 'HEAD', headers: { 'user-agent': 'Overcast/3.0' } })).status).toBe(200);
    expect((await fetchBody(eu, 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)')).status).toBe(200);

    const report = await waitFor('the edges\' lines at the origin', async () => {
      const r = (await api(host, 'GET', `/api/v1/shows/${show.id}/downloads`)).json as unknown as DownloadReport;
      return r.requests >= 6 ? r : null;
    }, 15_000, 250);
    // Six listener requests, every one from an edge's log: the edges' own fetches are not listeners.
    expect(report.requests).toBe(6);
    expect(report.totals).toEqual([{ episode: episode.id, downloads: 2 }]);
    expect(report.excluded).toMatchObject({ bots: 1, head: 1 });
    const listed = (await api(host, 'GET', `/api/v1/shows/${show.id}/episodes`)).json as unknown as Episode[];
    expect(listed[0]!.downloads).toBe(2);
  });

  it("purges a deleted episode's files from both edges' mirrors", async () => {
    const mp3 = episode.audio!.mp3.path;
    for (const edge of edges) expect(fs.existsSync(path.join(edge.dir, 'cache', 'mirror', 'p', mp3)), edge.url).toBe(true);
    expect((await api(host, 'DELETE', `/api/v1/shows/${show.id}/episodes/${episode.id}`)).status).toBe(200);
    for (const edge of edges) {
      await waitFor(`${edge.url} purged`, () => !fs.existsSync(path.join(edge.dir, 'cache', 'mirror', 'p', mp3)), 10_000, 100);
      expect((await fetch(`${edge.url}${mp3}`)).status).toBe(404);
    }
  });
});
