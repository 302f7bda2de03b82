import { describe, expect, it } from 'vitest';
import type { EdgeInfo } from '../../src-shared/contract/cdn.js';
import { UrlSigner } from '../protocols/signing.js';
import { createCdnHandlers, type CdnHandlerDeps } from './handlers-cdn.js';

const signer = new UrlSigner({ current: 'k'.repeat(32) });
const edge = (id: string, region: string, draining: EdgeInfo['draining'] = null): EdgeInfo => ({
  id, url: `http://${id}:8081`, region, version: '1', healthy: true, unhealthyReason: null, connected: true, draining, hitRatio: 1,
  lastSeen: 0, lastSeq: 0, registeredAt: 0, stats: null,
});

function handlers(privateStream: boolean) {
  const deps = {
    edges: () => [edge('us1', 'us-east'), edge('eu1', 'eu-west'), edge('eu2', 'eu-west', 'operator')],
    playbackPaths: (name: string) => ({ hls: `/live/${name}/index.m3u8`, dash: `/live/${name}/manifest.mpd`, private: privateStream }),
    verifySignature: (name: string, query: Record<string, unknown>, ip: string) => signer.verify(name, query, ip),
    signQuery: (name: string, sec: number) => new URLSearchParams(Object.entries(signer.sign(name, { expiresInSec: sec }))).toString(),
  } as Partial<CdnHandlerDeps> as CdnHandlerDeps;
  return createCdnHandlers(deps)['cdn.playback'];
}

const viewer = { transport: 'http' as const, baseUrl: 'http://host:7070', remoteAddress: '10.0.0.9', anonymous: true as const };

describe('cdn.playback', () => {
  it('answers anyone for a public stream: the viewer\'s region first, draining edges left out', async () => {
    const out = await handlers(false)({ name: 'show', region: 'eu-west' }, viewer);
    expect(out.origin).toEqual({ hls: 'http://host:7070/live/show/index.m3u8', dash: 'http://host:7070/live/show/manifest.mpd' });
    expect(out.edges).toEqual([
      { id: 'eu1', region: 'eu-west', hls: 'http://eu1:8081/live/show/index.m3u8', dash: 'http://eu1:8081/live/show/manifest.mpd', regionMatch: 'region', load: null },
      expect.objectContaining({ id: 'us1', regionMatch: 'none' }),
    ]);
  });

  it('asks an anonymous viewer of a private stream for its signature and hands back signed edge URLs', async () => {
    const play = handlers(true);
    await expect(Promise.resolve().then(() => play({ name: 'show' }, viewer))).rejects.toMatchObject({ code: 'FORBIDDEN', message: /private.*missing/ });
    const forged = { name: 'show', exp: '9999999999', sig: 'A'.repeat(43) };
    await expect(Promise.resolve().then(() => play(forged, viewer))).rejects.toMatchObject({ code: 'FORBIDDEN', message: /bad signature/ });
    const signed = signer.sign('show', { expiresInSec: 60 });
    const out = await play({ name: 'show', ...signed }, viewer);
    const query = `?exp=${signed.exp}&sig=${signed.sig}`;
    expect(out.origin.hls).toBe(`http://host:7070/live/show/index.m3u8${query}`);
    expect(out.edges.map((e) => e.id).sort()).toEqual(['eu1', 'us1']);
    expect(out.edges.every((e) => e.hls.endsWith(query) && e.dash.endsWith(query))).toBe(true);
  });

  it('signs fresh edge URLs for an operator (token or session) of a private stream', async () => {
    const out = await handlers(true)({ name: 'show' }, { transport: 'http', baseUrl: 'http://host:7070', remoteAddress: '127.0.0.1' });
    const url = new URL(out.edges[0]!.hls);
    expect(signer.verify('show', Object.fromEntries(url.searchParams), '1.2.3.4')).toEqual({ ok: true });
  });
});

describe('recordings.download', () => {
  const operator = { transport: 'http' as const, baseUrl: 'http://host:7070', remoteAddress: '10.0.0.9' };
  const download = createCdnHandlers({
    edges: () => [edge('us1', 'us-east'), edge('eu1', 'eu-west'), edge('eu2', 'eu-west', 'operator')],
    recordingDownloadPath: (id: string, sec: number) => {
      if (id !== 'rec1') throw new Error(`no recording "${id}"`);
      return `/vod/rec1/download/show.mp4?exp=${Math.floor(Date.now() / 1000) + sec}&sig=x`;
    },
  } as Partial<CdnHandlerDeps> as CdnHandlerDeps)['recordings.download'];

  it('signs one path for the origin and every edge in rotation, the downloader\'s region first', async () => {
    const out = await download({ id: 'rec1', expiresInSec: 3600, region: 'eu-west' }, operator);
    expect(out.url).toMatch(/^http:\/\/host:7070\/vod\/rec1\/download\/show\.mp4\?exp=\d+&sig=x$/);
    expect(out.edges.map((e) => e.id)).toEqual(['eu1', 'us1']);
    expect(out.edges[0]!.url).toBe(`http://eu1:8081${out.url.slice('http://host:7070'.length)}`);
    expect(out.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
  });
});

describe('recordings.playback', () => {
  const viewer = { transport: 'http' as const, baseUrl: 'http://host:7070', remoteAddress: '10.0.0.9' };
  const playback = createCdnHandlers({
    edges: () => [edge('us1', 'us-east'), edge('eu1', 'eu-west'), edge('eu2', 'eu-west', 'operator')],
    recordingPlaybackPaths: (id: string, sec: number) => {
      if (id !== 'rec1') throw new Error(`no recording "${id}"`);
      const query = `exp=${Math.floor(Date.now() / 1000) + sec}&sig=x`;
      return { hls: `/vod/rec1/index.m3u8?${query}`, dash: `/vod/rec1/manifest.mpd?${query}` };
    },
  } as Partial<CdnHandlerDeps> as CdnHandlerDeps)['recordings.playback'];

  it('signs one VOD path for the origin and every edge in rotation (none draining), the viewer\'s region first', async () => {
    const out = await playback({ id: 'rec1', expiresInSec: 600, region: 'eu-west' }, viewer);
    expect(out.hls).toMatch(/^http:\/\/host:7070\/vod\/rec1\/index\.m3u8\?exp=\d+&sig=x$/);
    expect(out.edges.map((e) => [e.id, e.region])).toEqual([['eu1', 'eu-west'], ['us1', 'us-east']]);
    expect(out.edges[0]!.hls).toBe(`http://eu1:8081${out.hls.slice('http://host:7070'.length)}`);
    expect(out.dash).toMatch(/^http:\/\/host:7070\/vod\/rec1\/manifest\.mpd\?exp=\d+&sig=x$/);
    expect(out.edges.map((e) => e.dash)).toEqual([`http://eu1:8081${out.dash.slice('http://host:7070'.length)}`, `http://us1:8081${out.dash.slice('http://host:7070'.length)}`]);
    expect(out.expiresAt).toBeGreaterThan(Date.now() + 590_000);
    await expect(async () => playback({ id: 'rec2', expiresInSec: 600 }, viewer)).rejects.toThrow(/no recording/);
  });
});

