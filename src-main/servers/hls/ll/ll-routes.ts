import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../../http/reply.js';
import { firstString, type QueryLike } from '../../../protocols/signing.js';
import type { LlStream } from './ll-stream.js';
import { writeLlMasterPlaylist, writeLlMediaPlaylist } from './ll-playlist.js';
import { writeLlMpd } from './ll-mpd.js';
import type { TrackState } from './track-state.js';
import { LL_FILE_RE, llUris } from './types.js';
import { closedSignal, waitFor } from './waits.js';
import { resourceCipher, type RunEncryption } from './content-keys.js';

/**
 * The low-latency answers of the playback routes (routes.ts decides when a stream is low latency and
 * has authorised the request): LL-HLS playlists with blocking reloads and delta updates
 * (RFC 8216bis 6.2.5), parts that block until written, segments in progress streamed chunk by chunk
 * (LL-DASH), and the LL-DASH MPD.
 */

export interface LlRouteContext {
  stream: LlStream;
  live: boolean;
  /** No more media is coming: ENDLIST, a static MPD. Not at once when a publisher drops (see routes.ts). */
  over: boolean;
  /** Appended to every URI we write (`sid`, signature). */
  query: string;
  partTargetSec: number;
  segmentSeconds: number;
  dvrSeconds: number;
  /** EXT-X-DATERANGE lines of the stream's timed data from a program date-time on. */
  dateRanges?: (fromPdt: number) => readonly string[];
  /** A DASH EventStream of the stream's timed data in [fromPdt, toPdt), times from fromPdt. */
  eventStream?: (fromPdt: number, toPdt: number) => string;
}

const M3U8 = 'application/vnd.apple.mpegurl';
const MPD = 'application/dash+xml';
const SEGMENT_CACHE = 'public, max-age=600, immutable';
const LIVE_CACHE = 'public, max-age=1';
const INT_RE = /^\d{1,10}$/;

/** A 404 for what is not produced yet: no cache may keep it (edges keep other 404s for a minute). */
export function notYet(reply: FastifyReply, message: string): FastifyReply {
  return sendError(reply.header('X-Accel-Expires', '0'), { code: 'NOT_FOUND', message });
}

const badRequest = (reply: FastifyReply, message: string): FastifyReply => sendError(reply, { code: 'BAD_REQUEST', message });

function targetDuration(ctx: LlRouteContext, track: TrackState): number {
  const longest = Math.max(ctx.segmentSeconds, ...track.segments.filter((s) => s.complete).map((s) => s.duration));
  return Math.max(1, Math.round(longest));
}

/** Every track of the run is known with its codec: the master playlist can be written. */
export function llMasterReady(ctx: LlRouteContext): boolean {
  const infos = ctx.stream.infos();
  return infos.length >= (ctx.stream.currentRun?.trackCount ?? 1) && infos.every((i) => i.codec);
}

/** Track `index` has a part (or there is no such track, which is answered at once). */
export function llMediaReady(ctx: LlRouteContext, index: number): boolean {
  const track = ctx.stream.track(index);
  if (!track) return index >= (ctx.stream.currentRun?.trackCount ?? 1);
  return track.segments.length > 0;
}

/** Every track of the run has a part: the MPD can be written. */
export function llManifestReady(ctx: LlRouteContext): boolean {
  const indexes = ctx.stream.trackIndexes();
  return indexes.length >= (ctx.stream.currentRun?.trackCount ?? 1) && ctx.stream.availabilityStartMs !== null
    && indexes.every((i) => ctx.stream.track(i)!.segments.length > 0);
}

export function llMaster(reply: FastifyReply, ctx: LlRouteContext): FastifyReply {
  const infos = ctx.stream.infos();
  if (!llMasterReady(ctx)) {
    return sendError(reply.header('Retry-After', '1'), { code: 'UNAVAILABLE', message: 'the stream is starting; retry' });
  }
  return reply.type(M3U8).send(writeLlMasterPlaylist(infos, { query: ctx.query }));
}

/** `v<N>.m3u8`: waits for `_HLS_msn`/`_HLS_part` when asked, answers a delta update for `_HLS_skip`. */
export async function llMediaPlaylist(req: FastifyRequest, reply: FastifyReply, ctx: LlRouteContext, index: number): Promise<FastifyReply> {
  const track = ctx.stream.track(index);
  if (!track) return sendError(reply, { code: 'NOT_FOUND', message: `no media playlist ${index}` });
  const q = req.query as QueryLike;
  const msnText = firstString(q._HLS_msn);
  const partText = firstString(q._HLS_part);
  const skipText = firstString(q._HLS_skip);
  if (partText !== undefined && msnText === undefined) return badRequest(reply, '_HLS_part needs _HLS_msn');
  if ((msnText !== undefined && !INT_RE.test(msnText)) || (partText !== undefined && !INT_RE.test(partText))) {
    return badRequest(reply, '_HLS_msn and _HLS_part must be whole numbers');
  }
  if (skipText !== undefined && skipText !== 'YES' && skipText !== 'v2') return badRequest(reply, '_HLS_skip must be YES or v2');
  const td = targetDuration(ctx, track);
  if (msnText !== undefined) {
    const msn = Number(msnText);
    const part = partText === undefined ? undefined : Number(partText);
    const last = track.current();
    const lastMsn = last?.msn ?? -1;
    // RFC 8216bis 6.2.5.2: more than two segments ahead, or a part beyond the advance limit, is a 400.
    const partsPerSegment = Math.ceil(ctx.segmentSeconds / ctx.partTargetSec);
    const tooFarPart = part !== undefined && last !== undefined && msn === lastMsn && part > last.parts.length + partsPerSegment * 3;
    if (msn > lastMsn + 2 || (part !== undefined && part > partsPerSegment * 4) || tooFarPart) {
      return badRequest(reply, `_HLS_msn=${msn}${part === undefined ? '' : ` _HLS_part=${part}`} is too far ahead of the live edge (${lastMsn})`);
    }
    const ok = await waitFor(track, () => track.has(msn, part), {
      timeoutMs: td * 3000,
      // Within the grace after a publisher left, a returning one may still answer the request.
      ended: () => ctx.over,
      signal: closedSignal(reply.raw),
    });
    if (!ok && !track.has(msn, part)) {
      if (reply.raw.destroyed) return reply;
      return sendError(reply.header('Retry-After', '1').header('X-Accel-Expires', '0'), {
        code: 'UNAVAILABLE',
        message: `segment ${msn}${part === undefined ? '' : ` part ${part}`} was not produced in time`,
      });
    }
  }
  if (track.segments.length === 0) {
    return sendError(reply.header('Retry-After', '1').header('X-Accel-Expires', '0'), { code: 'UNAVAILABLE', message: 'no part yet; retry' });
  }
  const renditionReports = ctx.stream
    .trackIndexes()
    .filter((i) => i !== index)
    .flatMap((i) => {
      const last = ctx.stream.track(i)!.lastPart();
      return last ? [{ uri: llUris.media(i), lastMsn: last.msn, lastPart: last.part }] : [];
    });
  const fromPdt = track.segments[0]!.programDateTime;
  const dateRanges = ctx.dateRanges?.(fromPdt);
  const skip = skipText === undefined ? false : skipText;
  const key = [
    track.playlistKey(),
    ctx.over,
    skip,
    td,
    ctx.partTargetSec,
    renditionReports.map((r) => `${r.uri}:${r.lastMsn}.${r.lastPart}`).join(','),
    ctx.query === '' ? 'plain' : 'query',
  ].join('|');
  const encryption = ctx.stream.encryption;
  const protection = ctx.stream.protection;
  const body = answerOf(track, key, dateRanges, ctx.query, (query) => {
    const snapshot = track.snapshot(ctx.over);
    return writeLlMediaPlaylist(snapshot, {
      ...(encryption ? { keyUri: (msn: number) => llUris.key(encryption.kidOf(msn)) } : {}),
      ...(protection
        ? {
            sampleAesKid: (msn: number) => protection.kidOf(msn),
            sampleAesKeys: (msn: number) => protection.systemsOf(protection.periodOf(msn)).flatMap((system) => (system.hls ? [system.hls] : [])),
          }
        : {}),
      partTargetSec: ctx.partTargetSec,
      targetDurationSec: td,
      query,
      skip,
      renditionReports,
      endList: snapshot.ended,
      ...(dateRanges ? { dateRanges } : {}),
    });
  });
  // An answer to a blocking request describes one moment: shared caches may keep it (a later identical
  // request is satisfied by it); the plain playlist changes every part.
  const cache = ctx.over ? 'public, max-age=10' : msnText !== undefined ? `public, max-age=${td * 3}` : LIVE_CACHE;
  return reply.header('Cache-Control', cache).type(M3U8).send(body);
}

/** Stands for the viewer's query in a kept playlist; a query is URI-encoded text and never holds it. */
const QUERY_MARK = '\u0001';
const KEPT_ANSWERS_PER_TRACK = 8;

interface KeptAnswer {
  key: string;
  dateRanges: readonly string[] | undefined;
  /** The playlist cut where each viewer's query goes (one piece without a query). */
  pieces: string[];
}

/**
 * Media playlists as written for the track's current state, kept per key (see `TrackState.playlistKey`)
 * with the viewer's query left out: every viewer blocked on the next part is answered at the same moment
 * with the same playlist, which carries the whole DVR window and up to 64 KB of date ranges. Written once
 * per state, each answer is one join with its query (in the soak, writing each answer anew kept the host's
 * event loop busy for tens of milliseconds after every part).
 */
const keptAnswers = new WeakMap<TrackState, KeptAnswer[]>();

function answerOf(track: TrackState, key: string, dateRanges: readonly string[] | undefined, query: string, write: (query: string) => string): string {
  let kept = keptAnswers.get(track);
  if (!kept) keptAnswers.set(track, (kept = []));
  let answer = kept.find((a) => a.key === key && a.dateRanges === dateRanges);
  if (!answer) {
    answer = { key, dateRanges, pieces: query === '' ? [write('')] : write(QUERY_MARK).split(QUERY_MARK) };
    kept.push(answer);
    if (kept.length > KEPT_ANSWERS_PER_TRACK) kept.shift();
  }
  return answer.pieces.length === 1 ? answer.pieces[0]! : answer.pieces.join(query);
}

/** `licenceUrl`: where EME players ask for a cbcs stream's ClearKey licence (absolute, with the viewer's query). */
export function llManifest(reply: FastifyReply, ctx: LlRouteContext, timeUrl: string, licenceUrl?: string): FastifyReply {
  const start = ctx.stream.availabilityStartMs;
  if (!llManifestReady(ctx) || start === null) {
    return sendError(reply.header('Retry-After', '1'), { code: 'UNAVAILABLE', message: 'the stream is starting; retry' });
  }
  const tracks = ctx.stream.trackIndexes().map((i) => ({ info: ctx.stream.track(i)!.info, snapshot: ctx.stream.snapshot(i)! }));
  const now = Date.now();
  const body = writeLlMpd({
    tracks,
    availabilityStartMs: start,
    publishMs: now,
    segmentSec: ctx.segmentSeconds,
    partSec: ctx.partTargetSec,
    minimumUpdatePeriodSec: ctx.segmentSeconds,
    timeShiftBufferDepthSec: Math.max(ctx.dvrSeconds, windowSeconds(tracks[0]!.snapshot.segments)),
    // Three parts behind the live edge, as LL-HLS's PART-HOLD-BACK, plus half a second for a part to
    // reach the player (dash.js then sits ~1.2 s behind the encoder; 1.53 s put it at 1.7 s glass-to-glass).
    targetLatencyMs: Math.round(ctx.partTargetSec * 3000 + 500),
    utcTiming: { kind: 'http-iso', url: timeUrl },
    query: ctx.query,
    ended: ctx.over,
    ...(ctx.eventStream ? { eventStream: ctx.eventStream } : {}),
    ...(ctx.stream.protection && licenceUrl ? { protection: { kid: ctx.stream.protection.kidOf(0), licenceUrl, systems: ctx.stream.protection.systemsOf(0) } } : {}),
  });
  // A caller that minted the viewer's id has made the answer private already.
  if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', ctx.over ? 'public, max-age=10' : LIVE_CACHE);
  return reply.type(MPD).send(body);
}

const windowSeconds = (segments: readonly { duration: number }[]): number => segments.reduce((sum, s) => sum + s.duration, 0);

/**
 * `s/<run>/<file>` of a low-latency run: held in memory (recent parts and segments, segments in
 * progress) and answered here (true), or false when the caller should serve the run's folder from disk.
 */
export async function llFile(reply: FastifyReply, ctx: LlRouteContext, run: string, file: string): Promise<boolean> {
  // A reply is a thenable (it settles when the answer is finished): an async function must not
  // return one, or its caller's await yields undefined and the file is sent a second time.
  const answered = await answerLlFile(reply, ctx, run, file);
  return answered !== null;
}

type Answered = { reply: FastifyReply } | null;

async function answerLlFile(reply: FastifyReply, ctx: LlRouteContext, run: string, file: string): Promise<Answered> {
  const done = (answer: FastifyReply): Answered => ({ reply: answer });
  const m = LL_FILE_RE.exec(file);
  if (!m) return null;
  const signal = closedSignal(reply.raw);
  const ended = (): boolean => ctx.stream.ended;
  if (m[1] !== undefined) {
    const init = ctx.stream.track(Number(m[1]))?.inits.get(run);
    return init ? done(send(reply, init)) : null;
  }
  const index = Number(m[2] ?? m[4]);
  const track = ctx.stream.track(index);
  if (!track) return null;
  const timeoutMs = targetDuration(ctx, track) * 3000;
  const encryption = ctx.stream.encryption;
  if (m[4] !== undefined) {
    const n = Number(m[5]);
    const partOf = async (): Promise<Buffer | null | undefined | typeof NO_KEY> => {
      const at = track.partAt(n);
      const data = at && at.seg.run === run ? at.seg.parts[at.index]!.data : undefined;
      if (!data || !encryption) return data;
      return (await keyed(encryption, at!.seg.msn)) ? encryption.encrypt(data, at!.seg.msn, data) : NO_KEY;
    };
    const known = await partOf();
    if (known === NO_KEY) return done(noKey(reply));
    if (known) return done(send(reply, known));
    // An encrypted part whose segment left memory cannot be told from the disk (parts are not kept there).
    if (encryption && track.partAt(n)) return done(notYet(reply, `part ${n} is no longer held; ask for its segment`));
    // The preload hint names the next part (whichever segment it opens): hold the request until it is written.
    if (n !== track.nextPart || !ctx.live) return done(notYet(reply, `no part ${n}`));
    const ok = await waitFor(track, () => track.nextPart > n, { timeoutMs, ended, signal });
    const data = await partOf();
    if (data === NO_KEY) return done(noKey(reply));
    if (data) return done(send(reply, data));
    if (reply.raw.destroyed) return done(reply);
    // A publisher that returned writes its parts under a new run: the hint named the old run's folder.
    return done(notYet(reply, ok ? `part ${n} belongs to another run than ${run}` : `part ${n} was not produced in time`));
  }
  const msn = Number(m[3]);
  let seg = track.find(msn);
  if (seg && seg.run !== run) return null;
  if (!seg) {
    const last = track.current();
    // LL-DASH asks for the segment about to start a little early (availabilityTimeOffset).
    if (!ctx.live || !last || msn !== last.msn + 1) return null;
    await waitFor(track, () => track.find(msn) !== undefined, { timeoutMs, ended, signal });
    seg = track.find(msn);
    if (!seg) return done(reply.raw.destroyed ? reply : notYet(reply, `segment ${msn} was not produced in time`));
  }
  if (encryption && !(await keyed(encryption, seg.msn))) return done(noKey(reply));
  if (seg.complete) {
    if (seg.parts.every((part) => part.data !== null)) {
      const whole = seg;
      const clear = (): Buffer => Buffer.concat(whole.parts.map((part) => part.data!));
      return done(send(reply, encryption ? encryption.encrypt(whole, whole.msn, clear()) : clear()));
    }
    return null;
  }
  return done(streamSegment(reply, track, seg.msn, { timeoutMs, ended, signal }, encryption));
}

/**
 * A segment or part file of an encrypted stream read from the run's folder (the DVR window after its
 * parts left memory), encrypted as it is sent: such a stream never answers clear media. True when it
 * answered (the file, or a 404); false when `file` is an init section (clear: the caller serves it) or
 * `stream` is not encrypted. (A boolean: an async function must not return a reply, see `llFile`.)
 */
export async function llEncryptedDiskFile(reply: FastifyReply, stream: LlStream, dir: string, file: string): Promise<boolean> {
  const encryption = stream.encryption;
  const m = LL_FILE_RE.exec(file);
  if (!encryption || (m && m[1] !== undefined)) return false;
  const msn = m?.[3] === undefined ? null : Number(m[3]);
  let data: Buffer | null = null;
  if (msn !== null) data = await fs.readFile(path.join(dir, file)).catch(() => null);
  if (msn === null || data === null) void sendError(reply, { code: 'NOT_FOUND', message: `no such file: ${file}` });
  else if (!(await keyed(encryption, msn))) void noKey(reply);
  else void send(reply, encryption.encryptOnce(msn, data));
  return true;
}

/** Stands for a part or segment whose key has not come from the key provider. */
const NO_KEY: unique symbol = Symbol('no key');

/** Whether segment `msn`'s key is at hand (always, but for a key provider that has not given it yet). */
const keyed = (encryption: RunEncryption, msn: number): Promise<boolean> => encryption.ready(encryption.periodOf(msn));

/** A 503 for media whose key has not come: never sent clear instead, and kept by no cache. */
const noKey = (reply: FastifyReply): FastifyReply =>
  sendError(reply.header('Retry-After', '1').header('X-Accel-Expires', '0'), { code: 'UNAVAILABLE', message: 'the key of this segment has not come from the key provider; retry' });

function send(reply: FastifyReply, data: Buffer): FastifyReply {
  return reply.header('Cache-Control', SEGMENT_CACHE).type('video/mp4').send(data);
}

/** A segment in progress, sent part by part as each is written (chunked transfer). */
function streamSegment(
  reply: FastifyReply,
  track: TrackState,
  msn: number,
  options: { timeoutMs: number; ended: () => boolean; signal: AbortSignal },
  encryption: RunEncryption | null,
): FastifyReply {
  // An encrypted segment goes through one cipher as its parts come (CBC chains across them; the padding at the end).
  const cipher = encryption ? resourceCipher(encryption.keyOf(encryption.periodOf(msn)), msn) : null;
  const body = cipher ?? new PassThrough();
  let sent = 0;
  const pump = async (): Promise<void> => {
    for (;;) {
      const seg = track.find(msn);
      if (!seg) break;
      while (sent < seg.parts.length) {
        const data = seg.parts[sent]?.data;
        if (!data) break;
        body.write(data);
        sent += 1;
      }
      if (seg.complete) break;
      const more = await waitFor(track, () => (track.find(msn)?.parts.length ?? 0) > sent || Boolean(track.find(msn)?.complete), options);
      if (!more) {
        // Cut short (the run died, the client left): abort, so that no cache keeps half a segment.
        if (!track.find(msn)?.complete) body.destroy(new Error('segment not completed'));
        return;
      }
    }
    body.end();
  };
  pump().catch(() => body.destroy());
  return reply.header('Cache-Control', SEGMENT_CACHE).header('X-Accel-Buffering', 'no').type('video/mp4').send(body);
}


/**
 * The bytes of a complete segment of a low-latency run held in memory (what `llFile` sends for it),
 * for the hash P2P viewers check a peer's copy against: `pending` while it is being cut, null when
 * memory does not hold it (the run's folder on disk does) or `file` is no segment.
 */
export function llCompleteSegment(ctx: LlRouteContext, run: string, file: string): Buffer | 'pending' | null {
  const m = LL_FILE_RE.exec(file);
  if (!m || m[3] === undefined) return null;
  const seg = ctx.stream.track(Number(m[2]))?.find(Number(m[3]));
  if (!seg || seg.run !== run) return null;
  if (!seg.complete) return 'pending';
  return seg.parts.every((part) => part.data !== null) ? Buffer.concat(seg.parts.map((part) => part.data!)) : null;
}
