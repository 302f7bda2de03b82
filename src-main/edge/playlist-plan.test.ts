import { describe, expect, it } from 'vitest';
import { isLivePlaylist, PlaylistPlan, type OriginAnswer } from './playlist-plan.js';

const limits = { refreshMs: 500, idleMs: 10_000, staleMs: 60_000, cooldownMs: 10_000 };
const ok = (body: string, extra: Partial<Extract<OriginAnswer, { kind: 'ok' }>> = {}): OriginAnswer => ({
  kind: 'ok', status: 200, cacheControl: 'public, max-age=1', body, tags: ['stream/demo'], ...extra,
});

/** One refresh round: the due entries answered with `answer` at `now`. */
function round(plan: PlaylistPlan, answer: OriginAnswer, now: number) {
  return plan.due().map((e) => ({ uri: e.uri, variant: e.variant, action: plan.answered(e, e.generation, answer, now) }));
}

describe('isLivePlaylist', () => {
  it('takes live playlists and manifests, not segments, VOD or odd paths', () => {
    expect(isLivePlaylist('/live/demo/v0.m3u8')).toBe(true);
    expect(isLivePlaylist('/live/demo/manifest.mpd')).toBe(true);
    expect(isLivePlaylist('/live/demo/s/a/seg.m4s')).toBe(false);
    expect(isLivePlaylist('/live/demo/s/a/v0.m3u8')).toBe(false);
    expect(isLivePlaylist('/vod/r1/index.m3u8')).toBe(false);
    expect(isLivePlaylist('/live/../x.m3u8')).toBe(false);
  });
});

describe('PlaylistPlan', () => {
  it('activates a playlist on a request, writes the origin\'s answer, rewrites only a changed body', () => {
    const plan = new PlaylistPlan(limits);
    expect(plan.seen('/live/demo/v0.m3u8', 'p', 0)).toBe(true);
    expect(plan.seen('/live/demo/v0.m3u8', 'p', 100)).toBe(false);
    expect(plan.seen('/live/demo/s/a/seg.m4s', 'p', 100)).toBe(false);
    expect(round(plan, ok('A'), 200)).toEqual([{ uri: '/live/demo/v0.m3u8', variant: 'p', action: { do: 'write', body: 'A', changed: true } }]);
    expect(round(plan, ok('A'), 700)[0]!.action).toEqual({ do: 'keep' });
    expect(round(plan, ok('B'), 1200)[0]!.action).toEqual({ do: 'write', body: 'B', changed: true });
    // Each variant is its own entry (a signed copy is never handed to an unsigned request).
    expect(plan.seen('/live/demo/v0.m3u8', 's', 1300)).toBe(true);
    expect(plan.size).toBe(2);
  });

  it('does not fetch an entry again while its fetch is in flight', () => {
    const plan = new PlaylistPlan(limits);
    plan.seen('/live/demo/v0.m3u8', 'p', 0);
    const [entry] = plan.due();
    expect(plan.due()).toEqual([]);
    plan.answered(entry!, entry!.generation, ok('A'), 100);
    expect(plan.due()).toHaveLength(1);
  });

  it('deletes the file of a playlist not requested for the idle window; the next request activates it again', () => {
    const plan = new PlaylistPlan(limits);
    plan.seen('/live/demo/v0.m3u8', 'p', 0);
    round(plan, ok('A'), 100);
    plan.seen('/live/demo/v0.m3u8', 'p', 5_000);
    expect(plan.expire(15_000)).toEqual([]);
    expect(plan.expire(15_001).map((e) => e.uri)).toEqual(['/live/demo/v0.m3u8']);
    expect(plan.size).toBe(0);
    expect(plan.seen('/live/demo/v0.m3u8', 'p', 16_000)).toBe(true);
  });

  it('keeps the last file while the origin fails, for staleMs after the last good answer', () => {
    const plan = new PlaylistPlan(limits);
    plan.seen('/live/demo/v0.m3u8', 'p', 0);
    round(plan, ok('A'), 0);
    for (let t = 1_000; t <= 60_000; t += 1_000) {
      plan.seen('/live/demo/v0.m3u8', 'p', t);
      expect(round(plan, { kind: 'failed' }, t)[0]!.action).toEqual({ do: 'keep' });
    }
    expect(round(plan, ok('', { status: 502 }), 60_000)[0]!.action).toEqual({ do: 'keep' });
    plan.seen('/live/demo/v0.m3u8', 'p', 60_500);
    expect(round(plan, { kind: 'failed' }, 60_500)[0]!.action).toEqual({ do: 'delete' });
    expect(plan.size).toBe(0);
    // Also when no fetch comes back at all (the expiry sweep).
    plan.seen('/live/demo/v1.m3u8', 'p', 0);
    round(plan, ok('A'), 0);
    plan.seen('/live/demo/v1.m3u8', 'p', 60_000);
    expect(plan.expire(60_001).map((e) => e.uri)).toEqual(['/live/demo/v1.m3u8']);
  });

  it('deletes the file and leaves the playlist to proxy_cache for a while on an answer it cannot share as a 1 s file', () => {
    const plan = new PlaylistPlan(limits);
    for (const [i, answer] of [
      ok('', { status: 404 }),
      ok('A', { cacheControl: 'public, max-age=10' }),
      ok('A', { cacheControl: 'private, max-age=1' }),
      ok('A', { cacheControl: null }),
    ].entries()) {
      const uri = `/live/demo/v${i}.m3u8`;
      plan.seen(uri, 'p', 0);
      expect(round(plan, answer, 0)[0]!.action).toEqual({ do: 'delete' });
      expect(plan.seen(uri, 'p', 9_999)).toBe(false);
      expect(plan.seen(uri, 'p', 10_000)).toBe(true);
      plan.clear();
    }
  });

  it('purges by URL, prefix, pattern, tag and the stream\'s tag, and drops the answer of a fetch the purge overtook', () => {
    const plan = new PlaylistPlan(limits);
    for (const uri of ['/live/a/v0.m3u8', '/live/a/manifest.mpd', '/live/b/v0.m3u8', '/live/c/v0.m3u8']) plan.seen(uri, 'p', 0);
    const inFlight = plan.due();
    expect(plan.purge({ urls: ['/live/a/v0.m3u8?sid=1'] }, 10).map((e) => e.uri)).toEqual(['/live/a/v0.m3u8']);
    const overtaken = inFlight.find((e) => e.uri === '/live/a/v0.m3u8')!;
    expect(plan.answered(overtaken, overtaken.generation, ok('A'), 20)).toBeNull();
    expect(plan.purge({ prefix: '/live/a/' }, 30).map((e) => e.uri)).toEqual(['/live/a/manifest.mpd']);
    // A stream ending purges by `stream/<name>`, known before any answer told the tags.
    expect(plan.purge({ tags: ['stream/b'] }, 40).map((e) => e.uri)).toEqual(['/live/b/v0.m3u8']);
    expect(plan.purge({ pattern: '^/live/c/' }, 50).map((e) => e.uri)).toEqual(['/live/c/v0.m3u8']);
    expect(plan.size).toBe(0);
    // A purged playlist is active again on its next request (no pause).
    expect(plan.seen('/live/a/v0.m3u8', 'p', 60)).toBe(true);
  });
});
