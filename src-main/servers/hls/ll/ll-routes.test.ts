import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LL_AUDIO_INPUT as AUDIO, LL_VIDEO_INPUT as VIDEO, llAacFrames, llVideoFrames as frames } from '../../../../test-support/ll-fixtures.js';
import { silentLogger } from '../../../core/logger.js';
import { LlStream, type LlFiles } from './ll-stream.js';
import { writeLlMediaPlaylist } from './ll-playlist.js';
import { llFile, llManifest, llMediaPlaylist, type LlRouteContext } from './ll-routes.js';
import { llUris } from './types.js';

/** Segment files written when the test says (a slow disk): parts leave memory only then. */
const pendingWrites: (() => void)[] = [];
const files: LlFiles = { write: () => new Promise<void>((resolve) => pendingWrites.push(resolve)), remove: async () => undefined };
const flushWrites = (): void => pendingWrites.splice(0).forEach((resolve) => resolve());
const tick = () => new Promise((r) => setImmediate(r));

/** A host's low-latency playlist route over a stream the test feeds; date ranges from `ranges`. */
function host() {
  const s = new LlStream({
    name: 'show', partTargetSec: 0.2, segmentTargetSec: 2, windowSec: 8, minWindowSegments: 2, files,
    writeFragment: ({ sequence, samples }) => Buffer.concat([Buffer.from([sequence & 0xff]), ...samples.map((x) => x.data)]),
    logger: silentLogger(), now: () => 1_000_000, partsKeptSegments: 1,
  });
  const state = { ranges: [] as readonly string[], over: false };
  const ctx = (query: string): LlRouteContext => ({
    stream: s, live: true, over: state.over, query, partTargetSec: s.partLimitSec, segmentSeconds: 2, dvrSeconds: 8,
    dateRanges: () => state.ranges,
  });
  const app = Fastify();
  app.get('/v/:i', (req, reply) => {
    const sid = (req.query as { sid?: string }).sid;
    return llMediaPlaylist(req, reply, ctx(sid ? `sid=${sid}` : ''), Number((req.params as { i: string }).i));
  });
  app.get('/manifest.mpd', (_req, reply) => llManifest(reply, ctx(''), '/time'));
  app.get('/s/:run/:file', async (req, reply) => {
    const { run, file } = req.params as { run: string; file: string };
    if (!(await llFile(reply, ctx(''), run, file))) return reply.code(404).send('not held');
    return reply;
  });
  /** The playlist the route must answer now, written afresh from the stream's state. */
  const expected = (index: number, query: string, skip: false | 'YES' | 'v2' = false): string => {
    const snapshot = s.snapshot(index)!;
    const others = s.trackIndexes().filter((i) => i !== index).flatMap((i) => {
      const last = s.track(i)!.lastPart();
      return last ? [{ uri: llUris.media(i), lastMsn: last.msn, lastPart: last.part }] : [];
    });
    const longest = Math.max(2, ...snapshot.segments.filter((x) => x.complete).map((x) => x.duration));
    return writeLlMediaPlaylist({ ...snapshot, ended: state.over }, {
      partTargetSec: s.partLimitSec, targetDurationSec: Math.max(1, Math.round(longest)), query, skip,
      renditionReports: others, endList: state.over, dateRanges: state.ranges,
    });
  };
  return { s, app, state, expected };
}

describe('low-latency media playlists kept per state', () => {
  const apps: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  it('answers exactly what a playlist written anew says, through parts, segments, memory trims, date ranges, rendition reports and the end', async () => {
    const { s, app, state, expected } = host();
    apps.push(app);
    const run = s.startRun('r1', '/d/r1', [VIDEO, AUDIO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    run.init(1, { trackId: 2, timescale: 48_000, codec: 'mp4a.40.2' }, Buffer.from('init'));
    const seen = new Set<string>();
    const check = async (): Promise<void> => {
      for (const index of [0, 1]) {
        for (const [sid, skip] of [['', undefined], ['a1', undefined], ['b2', undefined], ['a1', 'YES'], ['b2', 'v2']] as const) {
          const query = [sid ? `sid=${sid}` : '', skip ? `_HLS_skip=${skip}` : ''].filter(Boolean).join('&');
          const res = await app.inject(`/v/${index}${query ? `?${query}` : ''}`);
          if (s.track(index)!.segments.length === 0) continue;
          expect(res.statusCode).toBe(200);
          expect(res.body).toBe(expected(index, sid ? `sid=${sid}` : '', skip ?? false));
          seen.add(res.body);
        }
      }
    };
    // Frame by frame (parts of 0.2 s, segments of 2 s), past a window of 8 s (segments leave it, parts leave memory).
    for (let f = 0; f < 900; f += 3) {
      run.samples(0, frames(f, 3));
      run.samples(1, llAacFrames((f * 3000) / 1920, 5, 1920));
      // Asked before and after the segment just completed is on disk (its older neighbours' parts leave memory then).
      if (f % 30 === 0) await check();
      flushWrites();
      await tick();
      if (f % 30 === 0) await check();
      if (f === 450) state.ranges = ['#EXT-X-DATERANGE:ID="a-1",START-DATE="1970-01-01T00:16:45.000Z"'];
      if (f === 600) state.ranges = [...state.ranges, '#EXT-X-DATERANGE:ID="a-2",START-DATE="1970-01-01T00:16:50.000Z"'];
    }
    expect(s.track(0)!.segments[0]!.msn).toBeGreaterThan(3); // the window slid
    expect(seen.size).toBeGreaterThan(100);
    state.over = true;
    s.end();
    await check();
  });

  it('writes a state once for every viewer: each answer is that playlist with the viewer\'s own query', async () => {
    const { s, app, expected } = host();
    apps.push(app);
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    run.samples(0, frames(0, 200));
    const snapshot = vi.spyOn(s.track(0)!, 'snapshot');
    const bodies = await Promise.all(['v1', 'v2', 'v3', 'v4'].map(async (sid) => (await app.inject(`/v/0?sid=${sid}`)).body));
    expect(snapshot).toHaveBeenCalledTimes(1);
    bodies.forEach((body, i) => expect(body).toBe(expected(0, `sid=v${i + 1}`)));
    expect(bodies[0]).toContain('?sid=v1');
    expect(bodies[0]).not.toContain('sid=v2');
    // A new part is a new state: written again.
    run.samples(0, frames(200, 10));
    snapshot.mockClear();
    const body = (await app.inject('/v/0?sid=v1')).body;
    expect(snapshot).toHaveBeenCalledTimes(1);
    expect(body).toBe(expected(0, 'sid=v1'));
  });

  it('names the next part in the preload hint so that it comes whichever segment it opens', async () => {
    const { s, app } = host();
    apps.push(app);
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    // Two seconds: segment 0 has ten parts and waits for the frame that says whether it goes on.
    run.samples(0, frames(0, 60));
    const track = s.track(0)!;
    expect([track.segments.length, track.segments[0]!.parts.length, track.segments[0]!.complete]).toEqual([1, 10, false]);
    const playlist = (await app.inject('/v/0')).body;
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(playlist)![1]!;
    expect(hint).toBe(llUris.part('r1', 0, 10));
    const held = app.inject(`/${hint}`);
    await tick();
    // The next frame is a keyframe: segment 0 closes and the hinted part opens segment 1.
    run.samples(0, frames(60, 6));
    const answer = await held;
    expect(answer.statusCode).toBe(200);
    expect(track.segments[1]!.firstPart).toBe(10);
    expect(answer.rawPayload.equals(track.segments[1]!.parts[0]!.data!)).toBe(true);
    // Asked again (a late viewer, an edge), by its name: the same bytes; a part not written yet is not held.
    expect((await app.inject(`/${hint}`)).rawPayload.equals(answer.rawPayload)).toBe(true);
    expect((await app.inject(`/${llUris.part('r1', 0, 12)}`)).statusCode).toBe(404);
    expect((await app.inject(`/${llUris.part('r2', 0, 10)}`)).statusCode).toBe(404);
  });

  it('keeps a live MPD\'s Period where its run began while the window slides past it', async () => {
    const { s, app } = host();
    apps.push(app);
    const run = s.startRun('r1', '/d/r1', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    const anchors = async (): Promise<{ start: string; pto: string; startNumber: number }> => {
      const xml = (await app.inject('/manifest.mpd')).body;
      const start = /<Period id="r1" start="([^"]+)"/.exec(xml)?.[1] ?? '';
      const template = /<SegmentTemplate ([^>]*)>/.exec(xml)?.[1] ?? '';
      expect(template, 'regular segments are addressed by @duration').toContain('duration="180000"');
      return { start, pto: /presentationTimeOffset="(\d+)"/.exec(template)![1]!, startNumber: Number(/startNumber="(\d+)"/.exec(template)![1]) };
    };
    run.samples(0, frames(0, 150));
    const before = await anchors();
    expect(s.track(0)!.segments[0]!.msn).toBe(0);
    // Thirty seconds later the 8 s window holds segments 10-15 only.
    for (let f = 150; f < 1050; f += 30) {
      run.samples(0, frames(f, 30));
      flushWrites();
      await tick();
    }
    expect(s.track(0)!.segments[0]!.msn).toBeGreaterThan(5);
    // The Period, its offset and its numbering are those of the run's first segment, as before the slide
    // (a Period that moved made dash.js stop asking for segments once the window began to slide).
    expect(await anchors()).toEqual(before);
    expect(before).toEqual({ start: 'PT0S', pto: '0', startNumber: 0 });
  });
});
