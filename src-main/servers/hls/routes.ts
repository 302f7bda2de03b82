import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { streamTag } from '../../../src-shared/contract/cdn.js';
import { STREAM_NAME_PATTERN } from '../../../src-shared/contract/streams.js';
import type { Logger } from '../../core/logger.js';
import type { HttpPlugin } from '../../http/plugin.js';
import { sendError } from '../../http/reply.js';
import type { StudioErrorShape } from '../../../src-shared/errors.js';
import { isBeaconSid, isValidSid, protocolOfSid, type ViewerAnalytics, type ViewerHit } from './analytics.js';
import type { LiveCatalog, LiveSession, LiveStreamEntry } from './catalog.js';
import { segmentContentType, sendSessionFile, SessionFileCache } from './files.js';
import { SegmentHashes } from './segment-hashes.js';
import { P2P_HASH_SUFFIX } from '../../../src-shared/p2p.js';
import { isDynamicMpd, rewriteMpd } from './mpd.js';
import {
  buildStitchedPlaylist, DEFAULT_WINDOW, packagerMediaPlaylist, rewriteMaster, SERVED_MEDIA_RE, streamIndexOfFile,
  writeMediaPlaylist, type MediaPlaylist,
} from './playlist.js';
import { firstString, signatureQueryOf, type QueryLike, type UrlSigner } from '../../protocols/signing.js';
import { preflight } from '../../http/cors.js';
import { bearerOf, parseCookies } from '../../http/credentials.js';
import type { AdmissionRequest, AdmissionResult } from '../../auth/types.js';
import { originAllowed } from '../../auth/limits.js';
import type { LlStream } from './ll/ll-stream.js';
import type { SegmentTimes } from './segment-times.js';
import {
  llCompleteSegment, llEncryptedDiskFile, llFile, llManifest, llManifestReady, llMaster, llMasterReady, llMediaPlaylist, llMediaReady, type LlRouteContext,
} from './ll/ll-routes.js';
import { kidOf, parseKid } from './ll/content-keys.js';
import { KeyGuard, sendKey } from './key-guard.js';
import type { AuditEntry } from '../../../src-shared/contract/index.js';
import { monotonicMs } from '../../core/clock.js';

/**
 * HLS/DASH playback routes (URL shapes: see playlist.ts). Public streams need nothing; private ones a
 * valid signature on every request (403 FORBIDDEN with the reason otherwise). Errors are JSON
 * `{"error":{code,message}}` with `Cache-Control: no-store`; every response carries CORS headers.
 *
 * Cache-Control: live playlists and MPD `public, max-age=1`; once the stream is not live (playlists
 * carry ENDLIST) `public, max-age=<endedMaxAgeSec>`; a master or MPD answer that gave the client its
 * viewer id is `private` (a shared cache must not hand one sid to everybody); segments and init
 * `public, max-age=600, immutable`.
 */

export interface LiveRoutesOptions {
  catalog: LiveCatalog;
  signer: Pick<UrlSigner, 'verify'>;
  /**
   * Who may play (auth/admission.ts): public, a signed URL, a read JWT (`?jwt=`, Bearer or the
   * `streams_jwt` cookie) or the admission webhook, per stream. Without it: public or signed URLs only.
   */
  admit?: (request: AdmissionRequest) => Promise<AdmissionResult>;
  /** Most viewers of a stream at once (0: no limit); a new viewer over it gets 503 STREAM_FULL. */
  viewerCap?: (name: string) => number;
  /** Sites that may embed playback (hotlink protection; empty: any). */
  allowedOrigins?: () => string[];
  analytics: ViewerAnalytics;
  /**
   * How long a request for the master playlist, a media playlist or the MPD of a stream that has just
   * gone live waits for it to exist (the packager starting, the first part being cut) before answering
   * 503; default 3000 ms, well inside any player's load timeout (hls.js and dash.js allow 10 s).
   */
  startWaitMs?: number;
  logger: Logger;
  /** Segments per stitched media playlist (default 10). */
  windowSize?: number;
  /** max-age of the playlists of a stream that is no longer live (default 10 s). */
  endedMaxAgeSec?: number;
  /** minimumUpdatePeriod written into live MPDs (default 2 s); null keeps the packager's. */
  mpdUpdatePeriodSec?: number | null;
  /** Streams packaged for low latency (LL-HLS, LL-DASH) are answered from their timelines. */
  lowLatency?: {
    streams: { get(name: string): LlStream | undefined };
    segmentSeconds: () => number;
    dvrSecondsOf: (name: string) => number;
  };
  /** Timed data written into the media playlists (data/timed-metadata.ts). */
  timedMetadata?: { dateRanges(stream: string, fromPdt: number): readonly string[]; eventStream(stream: string, fromPdt: number, toPdt: number): string };
  /** The standard packager's segments on the program timeline (segment-times.ts): dates, exact EXTINF. */
  segmentTimes?: Pick<SegmentTimes, 'timing' | 'periodStartPdt'>;
  /** Content-key requests refused, and each address's first key of a live run (audit log). */
  audit?: { record(entry: Omit<AuditEntry, 'id' | 'at'>): void };
  /** Content-key requests one viewer (address and viewer id) may make in 10 s (default 200). */
  keyRequestsPer10s?: number;
  /** The rate limit and audit shared with other key routes (the recordings'); made from `audit` and `keyRequestsPer10s` when absent. */
  keyGuard?: KeyGuard;
}

const M3U8 = 'application/vnd.apple.mpegurl';
/** The cookie a read JWT from a playlist's query is kept in, for the segments of that stream. */
export const JWT_COOKIE = 'streams_jwt';

/** The signed-URL fields of a query (exp, sig, ip), as strings. */
function signatureFields(query: QueryLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['exp', 'sig', 'ip']) {
    const value = firstString(query[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The query as strings, bounded, for the admission webhook (no credential: the jwt is described, not passed). */
function plainQuery(query: QueryLike): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query).slice(0, 20)) {
    const text = firstString(value);
    if (text !== undefined && key !== 'jwt' && key !== 'sig') out[key.slice(0, 64)] = text.slice(0, 256);
  }
  return out;
}
/** Who decides whether a viewer may play (see `LiveRoutesOptions.admit`). */
export interface ViewerAdmission {
  admit?: LiveRoutesOptions['admit'];
  signer: Pick<UrlSigner, 'verify'>;
}

export type Admitted =
  | {
      ok: true;
      /** What got the viewer in, to carry on in every URI of an answer (players send no headers for segments and parts). */
      signature: string;
      /** A read JWT that came in the query: kept in a cookie scoped to the stream. */
      cookieJwt: string | null;
    }
  | { ok: false; error: StudioErrorShape; /** No credential came at all. */ bare: boolean };

/**
 * Whether `req` may play stream `name`: the admission (public, a signed URL, a read JWT from the query,
 * Bearer or cookie, or the webhook), or without one a signed URL for a private stream.
 */
export async function admitViewer(deps: ViewerAdmission, req: FastifyRequest, name: string, isPrivate: boolean): Promise<Admitted> {
  const query = req.query as QueryLike;
  const jwt = firstString(query.jwt) ?? bearerOf(req.headers.authorization) ?? parseCookies(req.headers.cookie).get(JWT_COOKIE);
  const bare = firstString(query.sig) === undefined && !jwt;
  if (deps.admit) {
    const decision = await deps.admit({
      action: 'read',
      protocol: req.url.includes('.mpd') || req.url.includes('/dash/') ? 'dash' : 'hls',
      stream: name,
      ip: req.ip,
      credential: { signed: signatureFields(query), ...(jwt ? { jwt } : {}) },
      query: plainQuery(query),
    });
    if (!decision.ok) return { ok: false, bare, error: { code: decision.code, message: decision.reason, ...(decision.details ? { details: decision.details } : {}) } };
    if (decision.via === 'jwt' && jwt) return { ok: true, signature: `jwt=${encodeURIComponent(jwt)}`, cookieJwt: firstString(query.jwt) ? jwt : null };
    return { ok: true, signature: decision.via === 'signed' ? signatureQueryOf(query) : '', cookieJwt: null };
  }
  if (!isPrivate) return { ok: true, signature: '', cookieJwt: null };
  const verdict = deps.signer.verify(name, query, req.ip);
  if (!verdict.ok) {
    return {
      ok: false,
      bare,
      error: { code: 'FORBIDDEN', message: `stream "${name}" is private: its playback URL must be signed (${verdict.reason.replace('_', ' ')})`, details: { reason: verdict.reason } },
    };
  }
  return { ok: true, signature: signatureQueryOf(query), cookieJwt: null };
}

/** A content-key request with no credential at all. */
export const unauthorizedKey = (name: string): StudioErrorShape => ({
  code: 'UNAUTHORIZED',
  message: `the keys of stream "${name}" go to its admitted viewers only: send the playback URL's signature or JWT`,
});

const MPD = 'application/dash+xml';
const SEGMENT_CACHE = 'public, max-age=600, immutable';
const LIVE_CACHE = 'public, max-age=1';
const SESSION_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** How many segments behind the live edge a player may start: a cbcs licence carries their keys. */
const LIVE_START_SEGMENTS = 4;
/** How long low-latency playlists of a stream whose publisher left stay open for it to return. */
const LL_RETURN_GRACE_MS = 15_000;
/** See `LiveRoutesOptions.startWaitMs`. */
const DEFAULT_START_WAIT_MS = 3000;
const START_POLL_MS = 50;
/** What an attempt to answer for a stream that is starting says when there is nothing to answer yet. */
const STARTING: unique symbol = Symbol('starting');
/**
 * An attempt's answer, wrapped: a reply is a thenable (it settles when sent), so an async function that
 * returned one bare would make its caller's await wait for the send and yield undefined.
 */
type Attempt = { sent: FastifyReply | Promise<FastifyReply> } | typeof STARTING;

interface StreamContext {
  name: string;
  entry: LiveStreamEntry;
  live: boolean;
  /** The signature query to propagate (private streams), else ''. */
  signature: string;
}

type Params = { name: string; playlist?: string; session?: string; file?: string };

export function liveRoutes(options: LiveRoutesOptions): HttpPlugin {
  return (app) => registerLiveRoutes(app, options);
}

export async function registerLiveRoutes(app: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  await app.register(async (scope) => liveScope(scope, options));
}

async function liveScope(scope: FastifyInstance, options: LiveRoutesOptions): Promise<void> {
  const { catalog, analytics, logger } = options;
  const windowSize = options.windowSize ?? DEFAULT_WINDOW;
  const endedCache = `public, max-age=${options.endedMaxAgeSec ?? 10}`;
  const mpdUpdatePeriodSec = options.mpdUpdatePeriodSec === undefined ? 2 : options.mpdUpdatePeriodSec;
  const files = new SessionFileCache();
  const startWaitMs = options.startWaitMs ?? DEFAULT_START_WAIT_MS;
  const keyGuard = options.keyGuard ?? new KeyGuard({ ...(options.keyRequestsPer10s ? { perTenSeconds: options.keyRequestsPer10s } : {}), ...(options.audit ? { audit: options.audit } : {}) });
  const hits = new WeakMap<FastifyRequest, { name: string; hit: ViewerHit }>();
  const cacheFor = (live: boolean): string => (live ? LIVE_CACHE : endedCache);
  const notFound = (reply: FastifyReply, message: string): FastifyReply => sendError(reply, { code: 'NOT_FOUND', message });
  const unavailable = (reply: FastifyReply, message: string): FastifyReply =>
    sendError(reply.header('Retry-After', '1'), { code: 'UNAVAILABLE', message });

  scope.addHook('onRequest', async (_req, reply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified');
  });
  scope.addHook('onSend', async (req, reply, payload) => {
    const { name } = (req.params ?? {}) as Params;
    // Tags for edge purges (servers of the edge fleet index objects by them).
    if (name && STREAM_NAME_PATTERN.test(name)) reply.header('Surrogate-Key', streamTag(name));
    if (reply.statusCode === 404 && reply.getHeader('x-accel-expires') === undefined) {
      // Shared caches (edges) keep a 404 for 60 s; browsers keep nothing. nginx honours
      // X-Accel-Expires only when it comes before Cache-Control, hence the order.
      reply.removeHeader('Cache-Control');
      reply.header('X-Accel-Expires', '60');
    }
    if (reply.statusCode >= 400) reply.header('Cache-Control', 'no-store');
    return payload;
  });
  scope.addHook('onResponse', async (req, reply) => {
    const record = hits.get(req);
    if (!record || reply.statusCode >= 400) return;
    const sent = req.method !== 'HEAD' && reply.statusCode !== 304;
    analytics.record(record.name, { ...record.hit, bytes: sent ? Number(reply.getHeader('content-length') ?? 0) || 0 : 0 });
  });
  scope.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 404) return notFound(reply, error.message);
    if (status === 413) return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: error.message });
    if (status === 415) return sendError(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: error.message });
    if (status >= 400 && status < 500) return sendError(reply, { code: 'BAD_REQUEST', message: error.message });
    logger.error({ err: error, url: req.url }, 'playback request failed');
    return sendError(reply, { code: 'INTERNAL', message: 'internal error; see the host log' });
  });
  // An answer that sets a viewer's JWT cookie is that viewer's alone: no shared cache may keep it.
  scope.addHook('onSend', async (_req, reply, payload) => {
    const cache = reply.getHeader('cache-control');
    if (reply.getHeader('set-cookie') !== undefined && typeof cache === 'string' && cache.startsWith('public')) reply.header('Cache-Control', cache.replace(/^public/, 'private'));
    return payload;
  });
  // navigator.sendBeacon posts text/plain; the API app refuses text/plain, this scope reads it as JSON text.
  if (!scope.hasContentTypeParser('text/plain')) {
    scope.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }

  /**
   * Resolves and authorizes the stream of a request; answers the error itself and returns null. A
   * content-key request (`keyRequest`) that carries no credential at all is answered 401, not 403.
   */
  async function openStream(req: FastifyRequest, reply: FastifyReply, keyRequest = false): Promise<StreamContext | null> {
    const { name } = req.params as Params;
    const entry = STREAM_NAME_PATTERN.test(name) ? catalog.lookup(name) : undefined;
    if (!entry) {
      notFound(reply, `no stream named "${name}"`);
      return null;
    }
    if (options.allowedOrigins && !originAllowed(options.allowedOrigins(), { origin: req.headers.origin, referer: req.headers.referer, host: req.headers.host })) {
      sendError(reply, { code: 'ORIGIN_FORBIDDEN', message: `stream "${name}" may not be played from ${req.headers.origin ?? req.headers.referer ?? 'this site'}` });
      return null;
    }
    const admitted = await admitViewer(options, req, name, entry.private);
    if (!admitted.ok) {
      if (keyRequest) {
        keyGuard.auditRefusal(req, name, admitted.bare ? 'UNAUTHORIZED' : admitted.error.code);
      }
      sendError(reply, keyRequest && admitted.bare ? unauthorizedKey(name) : admitted.error);
      return null;
    }
    // A JWT from the query also becomes a cookie scoped to the stream.
    if (admitted.cookieJwt) reply.header('Set-Cookie', `${JWT_COOKIE}=${encodeURIComponent(admitted.cookieJwt)}; Path=/live/${name}/; HttpOnly; SameSite=Lax`);
    const signature = admitted.signature;
    if (entry.sessions.length === 0) {
      notFound(reply, `stream "${name}" is not live`);
      return null;
    }
    return { name, entry, live: entry.state === 'live', signature };
  }

  /**
   * A stream that has just gone live has no playlist for a moment (its packager starting, its first
   * part being cut). Its first viewers' requests wait for it, bounded, instead of a 503 that some
   * players give up on: `attempt` answers, or says STARTING, and is tried again every 50 ms with the
   * stream's current state until it answers, the stream is no longer live, the viewer has gone or
   * `startWaitMs` has passed (then 503 `message`, never kept by an edge).
   */
  async function untilStarted(
    reply: FastifyReply,
    opened: StreamContext,
    message: string,
    attempt: (ctx: StreamContext) => Promise<Attempt>,
  ): Promise<FastifyReply | Promise<FastifyReply>> {
    const deadline = monotonicMs() + startWaitMs;
    let ctx = opened;
    for (;;) {
      const answer = await attempt(ctx);
      if (answer !== STARTING) return answer.sent;
      if (!ctx.live || reply.raw.destroyed || monotonicMs() >= deadline) break;
      await sleep(START_POLL_MS);
      const entry = catalog.lookup(ctx.name);
      if (!entry || entry.sessions.length === 0) break;
      ctx = { ...ctx, entry, live: entry.state === 'live' };
    }
    return unavailable(reply.header('X-Accel-Expires', '0'), message);
  }

  /** The low-latency context of a stream whose current session is a low-latency run, else null. */
  const llOf = (ctx: StreamContext, sid: string): LlRouteContext | null => {
    const ll = options.lowLatency;
    const stream = ll?.streams.get(ctx.name);
    const run = stream?.currentRun;
    if (!ll || !stream || !run || ctx.entry.sessions.at(-1)?.id !== run.id) return null;
    // A publisher that drops often returns within seconds (an encoder's reconnect): playlists stay
    // open for a grace period so that players carry on across the gap instead of stopping at ENDLIST.
    // One that was stopped (a broadcast, a deleted stream, a rotated key) ends them at once.
    const endedFor = stream.endedAt === null ? 0 : Date.now() - stream.endedAt;
    return {
      stream,
      live: ctx.live,
      over: ctx.entry.state === 'error' || (!ctx.live && (!stream.mayReturn || stream.endedAt === null || endedFor > LL_RETURN_GRACE_MS)),
      query: query(sid, ctx.signature),
      partTargetSec: stream.partLimitSec,
      segmentSeconds: ll.segmentSeconds(),
      dvrSeconds: ll.dvrSecondsOf(ctx.name),
      ...(options.timedMetadata
        ? {
            dateRanges: (fromPdt: number) => options.timedMetadata!.dateRanges(ctx.name, fromPdt),
            eventStream: (fromPdt: number, toPdt: number) => options.timedMetadata!.eventStream(ctx.name, fromPdt, toPdt),
          }
        : {}),
    };
  };

  /** A new viewer of a stream at its cap (a viewer already watching is never turned away). */
  const full = (name: string, sid: string): boolean => {
    const cap = options.viewerCap?.(name) ?? 0;
    return cap > 0 && !analytics.isViewer(name, sid) && analytics.viewerCount(name) >= cap;
  };
  const streamFull = (reply: FastifyReply, name: string): FastifyReply =>
    sendError(reply.header('Retry-After', '15'), { code: 'STREAM_FULL', message: `stream "${name}" has as many viewers as it takes; try again later` });
  const query = (sid: string, signature: string): string => [`sid=${encodeURIComponent(sid)}`, signature].filter(Boolean).join('&');
  const sidOf = (req: FastifyRequest): string | undefined => {
    const sid = firstString((req.query as QueryLike).sid);
    return isValidSid(sid) ? sid : undefined;
  };
  const derived = (req: FastifyRequest, name: string, protocol: 'hls' | 'dash'): string =>
    analytics.derivedSid(protocol, name, req.ip, req.headers['user-agent'] ?? '');
  const endedSince = (s: LiveSession): number | null => s.endedAt;
  const renditionOf = (session: LiveSession | undefined, index: number | null): string | null =>
    index === null ? null : (session?.renditions[index]?.id ?? null);

  async function newestFile(sessions: readonly LiveSession[], file: string): Promise<{ session: LiveSession; text: string } | null> {
    for (let i = sessions.length - 1; i >= 0; i -= 1) {
      const session = sessions[i]!;
      const text = await files.readText(path.join(session.dir, file), endedSince(session));
      if (text !== null) return { session, text };
    }
    return null;
  }

  scope.get('/live/:name/index.m3u8', async (req, reply) => {
    const opened = await openStream(req, reply);
    if (!opened) return reply;
    const given = sidOf(req);
    const sid = given && protocolOfSid(given) === 'hls' ? given : analytics.mintSid('hls');
    if (full(opened.name, sid)) return streamFull(reply, opened.name);
    return untilStarted(reply, opened, 'the stream is starting; retry', async (ctx): Promise<Attempt> => {
      const ll = llOf(ctx, sid);
      if (ll) {
        if (!llMasterReady(ll)) return STARTING;
        hits.set(req, { name: ctx.name, hit: { sid, protocol: 'hls', rendition: null } });
        return { sent: llMaster(reply.header('Cache-Control', sid === given ? cacheFor(ctx.live) : 'private, max-age=1'), ll) };
      }
      const found = await newestFile(ctx.entry.sessions, 'master.m3u8');
      if (!found) return ctx.live ? STARTING : { sent: notFound(reply, 'no playlist') };
      const body = rewriteMaster(found.text, { query: query(sid, ctx.signature) });
      hits.set(req, { name: ctx.name, hit: { sid, protocol: 'hls', rendition: null } });
      return { sent: reply.header('Cache-Control', sid === given ? cacheFor(ctx.live) : 'private, max-age=1').type(M3U8).send(body) };
    });
  });

  scope.get('/live/:name/manifest.mpd', async (req, reply) => {
    const opened = await openStream(req, reply);
    if (!opened) return reply;
    const llSid = sidOf(req);
    if (full(opened.name, llSid && protocolOfSid(llSid) === 'dash' ? llSid : derived(req, opened.name, 'dash'))) return streamFull(reply, opened.name);
    return untilStarted(reply, opened, 'the stream is starting; retry', async (ctx): Promise<Attempt> => {
      const session = ctx.entry.sessions.at(-1)!;
      const ll = llOf(ctx, llSid && protocolOfSid(llSid) === 'dash' ? llSid : derived(req, ctx.name, 'dash'));
      if (ll?.stream.encryption) {
        return { sent: notFound(reply, `stream "${ctx.name}" is encrypted with AES-128, which HLS carries: play /live/${ctx.name}/index.m3u8`) };
      }
      if (ll) {
        if (!llManifestReady(ll)) return STARTING;
        const sid = llSid && protocolOfSid(llSid) === 'dash' ? llSid : derived(req, ctx.name, 'dash');
        hits.set(req, { name: ctx.name, hit: { sid, protocol: 'dash', rendition: null } });
        if (sid !== llSid) reply.header('Cache-Control', 'private, max-age=1');
        // The licence server is asked where the viewer asked for the MPD: this host, or the edge in
        // between (it names itself in X-Forwarded-Host and passes the POST on); answers vary with it.
        let licence: string | undefined;
        if (ll.stream.protection) {
          reply.header('Vary', 'X-Forwarded-Host');
          licence = `//${viewerHostOf(req)}/live/${encodeURIComponent(ctx.name)}/licence${ll.query === '' ? '' : `?${ll.query}`}`;
        }
        return { sent: llManifest(reply, ll, `/live/${encodeURIComponent(ctx.name)}/time`, licence) };
      }
      const xml = await files.readText(path.join(session.dir, 'manifest.mpd'), endedSince(session));
      if (xml === null) return ctx.live ? STARTING : { sent: notFound(reply, 'no manifest') };
      // A dynamic MPD of a stream that is over would be served as live forever.
      if (!ctx.live && isDynamicMpd(xml)) return { sent: notFound(reply, `stream "${ctx.name}" has ended`) };
      const given = sidOf(req);
      const sid = given && protocolOfSid(given) === 'dash' ? given : derived(req, ctx.name, 'dash');
      const body = rewriteMpd(xml, {
        prefix: `s/${encodeURIComponent(session.id)}/`,
        query: query(sid, ctx.signature),
        minimumUpdatePeriodSec: mpdUpdatePeriodSec,
        utcTimingIso: new Date().toISOString(),
        eventStream: eventStreamOf(ctx.name, session.dir),
      });
      hits.set(req, { name: ctx.name, hit: { sid, protocol: 'dash', rendition: null } });
      return { sent: reply.header('Cache-Control', sid === given ? cacheFor(ctx.live) : 'private, max-age=1').type(MPD).send(body) };
    });
  });

  // The server clock for dash.js (UTCTiming http-iso): never cached, so players behind an edge read the origin's time.
  scope.get('/live/:name/time', async (_req, reply) => reply.header('Cache-Control', 'no-store').type('text/plain').send(new Date().toISOString()));

  scope.get('/live/:name/:playlist', async (req, reply) => {
    const match = SERVED_MEDIA_RE.exec((req.params as Params).playlist ?? '');
    if (!match) return notFound(reply, `nothing at ${req.url.split('?')[0]}`);
    const opened = await openStream(req, reply);
    if (!opened) return reply;
    const index = Number(match[1]);
    const llSid = sidOf(req) ?? derived(req, opened.name, 'hls');
    return untilStarted(reply, opened, 'no segment yet; retry', async (ctx): Promise<Attempt> => {
      const ll = llOf(ctx, llSid);
      if (ll) {
        if (!llMediaReady(ll, index)) return STARTING;
        hits.set(req, { name: ctx.name, hit: { sid: llSid, protocol: protocolOfSid(llSid), rendition: renditionOf(ctx.entry.sessions.at(-1), index) } });
        return { sent: llMediaPlaylist(req, reply, ll, index) };
      }
      const sessions = await Promise.all(
        ctx.entry.sessions.map(async (s) => ({
          id: s.id,
          playlist: await readPlaylistSafe(path.join(s.dir, packagerMediaPlaylist(index)), endedSince(s)),
          ended: s.endedAt !== null,
          discontinuityBefore: s.discontinuityBefore,
        })),
      );
      const sid = sidOf(req) ?? derived(req, ctx.name, 'hls');
      const stitched = buildStitchedPlaylist(sessions, { windowSize, endList: !ctx.live, query: query(sid, ctx.signature) });
      if (stitched.segments.length === 0) {
        // Wait only while the packager is starting; a playlist no session has is not coming.
        const current = ctx.entry.sessions.at(-1)!;
        const starting = sessions.some((s) => s.playlist) || !(await files.readText(path.join(current.dir, 'master.m3u8')));
        return ctx.live && starting ? STARTING : { sent: notFound(reply, `no media playlist ${index}`) };
      }
      if (options.segmentTimes) await onProgramTimeline(stitched, ctx);
      const rendition = renditionOf(ctx.entry.sessions.at(-1), index);
      hits.set(req, { name: ctx.name, hit: { sid, protocol: protocolOfSid(sid), rendition } });
      return { sent: reply.header('Cache-Control', cacheFor(ctx.live)).type(M3U8).send(writeMediaPlaylist(stitched)) };
    });
  });

  /**
   * Each segment's EXT-X-PROGRAM-DATE-TIME from the media clock and its EXTINF from its media (ffmpeg's
   * dates are its own wall clock); a segment not placed yet loses ffmpeg's date (players carry the
   * previous one on). Then the stream's timed data as EXT-X-DATERANGE from the window's first date.
   */
  async function onProgramTimeline(pl: MediaPlaylist, ctx: StreamContext): Promise<void> {
    const times = options.segmentTimes!;
    const dirs = new Map(ctx.entry.sessions.map((s) => [s.id, s.dir]));
    let firstPdt: number | null = null;
    await Promise.all(
      pl.segments.map(async (seg, i) => {
        const where = /^s\/([^/]+)\/([^/?]+)/.exec(seg.uri);
        const dir = where ? dirs.get(decodeURIComponent(where[1]!)) : undefined;
        const timing = where && dir ? await times.timing(ctx.name, dir, where[2]!) : null;
        seg.tags = seg.tags.filter((tag) => !tag.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
        if (!timing) return;
        seg.duration = timing.durationSec;
        seg.tags.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(timing.programDateTime).toISOString()}`);
        if (i === 0) firstPdt = timing.programDateTime;
      }),
    );
    if (firstPdt !== null && options.timedMetadata) pl.headerTags.push(...options.timedMetadata.dateRanges(ctx.name, firstPdt));
  }

  /** The stream's timed data as the EventStream of a standard session's Period (its time 0 on the program timeline). */
  function eventStreamOf(name: string, dir: string): string {
    const start = options.segmentTimes?.periodStartPdt(name, dir) ?? null;
    return start === null || !options.timedMetadata ? '' : options.timedMetadata.eventStream(name, start, Infinity);
  }

  async function readPlaylistSafe(file: string, finalSince: number | null): ReturnType<SessionFileCache['readPlaylist']> {
    try {
      return await files.readPlaylist(file, finalSince);
    } catch (error) {
      logger.warn({ err: error, file }, 'unreadable packager playlist');
      return null;
    }
  }

  /**
   * `<segment>.sha256`: the SHA-256 of a media segment (hex), which P2P viewers check a peer's copy of
   * it against (src-shared/p2p.ts). Admitted as the segment is; immutable once the segment is; not
   * counted as a viewer's request. An encrypted stream's segments are not shared, so have none.
   */
  const hashes = new SegmentHashes();
  const segmentHash = async (req: FastifyRequest, reply: FastifyReply, sessionId: string, file: string): Promise<FastifyReply> => {
    if (!segmentContentType(file) || !SESSION_ID_RE.test(sessionId) || file.startsWith('init')) return notFound(reply, 'no such segment');
    const ctx = await openStream(req, reply);
    if (!ctx) return reply;
    const session = ctx.entry.sessions.find((s) => s.id === sessionId);
    if (!session) return notFound(reply, `no session "${sessionId}" of stream "${ctx.name}"`);
    if (options.lowLatency?.streams.get(ctx.name)?.encryption) return notFound(reply, `stream "${ctx.name}" is encrypted: its segments are not shared between viewers`);
    const send = (hash: string, final: boolean): FastifyReply =>
      reply.header('Cache-Control', final ? SEGMENT_CACHE : 'no-store').type('text/plain; charset=utf-8').send(`${hash}\n`);
    const ll = llOf(ctx, '');
    const held = ll ? llCompleteSegment(ll, session.id, file) : null;
    if (held === 'pending') return unavailable(reply, `segment ${file} is still being cut`);
    if (held) return send(hashes.ofBuffer(`${ctx.name}/${session.id}/${file}`, held), true);
    const found = await hashes.ofFile(session.dir, file);
    return found ? send(found.hash, found.final) : notFound(reply, 'no such segment');
  };

  scope.get('/live/:name/s/:session/:file', async (req, reply) => {
    const { session: sessionId = '', file = '' } = req.params as Params;
    if (file.endsWith(P2P_HASH_SUFFIX)) return segmentHash(req, reply, sessionId, file.slice(0, -P2P_HASH_SUFFIX.length));
    const contentType = segmentContentType(file);
    if (!contentType || !SESSION_ID_RE.test(sessionId)) return notFound(reply, 'no such file');
    const ctx = await openStream(req, reply);
    if (!ctx) return reply;
    const session = ctx.entry.sessions.find((s) => s.id === sessionId);
    if (!session) return notFound(reply, `no session "${sessionId}" of stream "${ctx.name}"`);
    const sid = sidOf(req) ?? derived(req, ctx.name, 'hls');
    const rendition = renditionOf(session, streamIndexOfFile(file));
    const ll = llOf(ctx, sid);
    if (ll) {
      if (await llFile(reply, ll, session.id, file)) {
        hits.set(req, { name: ctx.name, hit: { sid, protocol: protocolOfSid(sid), rendition } });
        return reply;
      }
    }
    // An encrypted stream's segments leave in AES-128 only (whichever run they belong to).
    const llStream = options.lowLatency?.streams.get(ctx.name);
    if (llStream?.encryption) {
      if (await llEncryptedDiskFile(reply, llStream, session.dir, file)) {
        if (reply.statusCode < 400) hits.set(req, { name: ctx.name, hit: { sid, protocol: protocolOfSid(sid), rendition } });
        return reply;
      }
    }
    const outcome = await sendSessionFile(req, reply, session.dir, file, { contentType, cacheControl: SEGMENT_CACHE });
    if (outcome === 'not_found') return notFound(reply, 'no such file');
    if (outcome === 'unsatisfiable') {
      return reply.code(416).type('application/json').send({ error: { code: 'BAD_REQUEST', message: 'range not satisfiable' } });
    }
    hits.set(req, { name: ctx.name, hit: { sid, protocol: protocolOfSid(sid), rendition } });
    return reply;
  });

  /** The media sequence number a low-latency stream's next segment gets (its newest period's keys are made). */
  const nextMsnOf = (stream: LlStream): number => Math.max(0, ...stream.trackIndexes().map((i) => stream.track(i)!.nextMsn));

  /** The first key a viewer gets in a live run is audited (once per address and run). */
  const auditFirstKey = (req: FastifyRequest, name: string, epoch: string, kid: string): void =>
    keyGuard.auditFirst(req, name, epoch, `first key of the live run (${kid})`);

  /**
   * The key of an encrypted stream's key period (AES-128; a cbcs run's keys too): 16 bytes to a viewer the stream admits (the
   * same signed URL, JWT or webhook as its playlists), never kept by a shared cache. 401 without any
   * credential, 403 with one the stream refuses, 404 for a kid the live run has not made, 429 past
   * `keyRequestsPer10s` from one viewer (address and viewer id).
   */
  scope.get('/live/:name/keys/:kid', async (req, reply) => {
    if (keyGuard.limited(req, reply)) return reply;
    const ctx = await openStream(req, reply, true);
    if (!ctx) return reply;
    const { kid = '' } = req.params as Params & { kid?: string };
    const stream = options.lowLatency?.streams.get(ctx.name);
    const encryption = stream ? (stream.encryption ?? stream.protection) : null;
    const wanted = parseKid(kid);
    if (!stream || !encryption || !wanted || wanted.epoch !== encryption.epoch || wanted.period > encryption.periodOf(nextMsnOf(stream))) {
      return notFound(reply, encryption ? `stream "${ctx.name}" has no key "${kid}"` : `stream "${ctx.name}" is not encrypted`);
    }
    if (!(await encryption.ready(wanted.period))) {
      return sendError(reply.header('Retry-After', '1'), { code: 'UNAVAILABLE', message: `the key provider has not given key "${kid}" yet; retry` });
    }
    auditFirstKey(req, ctx.name, encryption.epoch, kid);
    return sendKey(reply, encryption.keyOf(wanted.period));
  });

  /**
   * A cbcs stream's ClearKey licence server (W3C Encrypted Media Extensions, "Clear Key"): EME's
   * licence request `{"kids": [<base64url>], "type": "temporary"}` answered with the keys of the kids
   * the live run has, `{"keys": [{"kty": "oct", "kid", "k"}], "type": "temporary"}`, to the viewers
   * the stream admits; the same 401/403/404/429 as the key route, never kept by a shared cache.
   * EME players post the CDM's message as they got it: JSON text, or bytes with no content type (hls.js).
   */
  void scope.register(async (licence) => {
    licence.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, data, done) => done(null, data));
    licence.post('/live/:name/licence', { bodyLimit: 8192 }, async (req, reply) => {
      if (keyGuard.limited(req, reply)) return reply;
      const ctx = await openStream(req, reply, true);
      if (!ctx) return reply;
      const stream = options.lowLatency?.streams.get(ctx.name);
      const protection = stream?.protection;
      if (!stream || !protection) return notFound(reply, `stream "${ctx.name}" is not encrypted with cbcs: it has no licence server`);
      const kids = licenceRequestKids(req.body);
      if (!kids) return sendError(reply, LICENCE_REQUEST_EXPECTED);
      // The run's keys asked for (any period up to the one after the newest segment's: fragments name it
      // ahead) and, when keys rotate, those of the last few segments and the next period: a player that
      // asked with another key id (the init section's, as hls.js does) plays from where live players
      // start, a few segments back, through the next rotation.
      const next = nextMsnOf(stream);
      const newest = protection.periodOf(next);
      const asked = kids.flatMap((k) => {
        const wanted = parseKid(Buffer.from(k, 'base64url').toString('hex'));
        return wanted && wanted.epoch === protection.epoch && wanted.period <= (protection.rotates ? newest + 1 : 0) ? [wanted.period] : [];
      });
      if (asked.length === 0) return notFound(reply, `stream "${ctx.name}" has none of the keys asked for`);
      const periods: number[] = [];
      const live = protection.rotates ? [...Array.from({ length: LIVE_START_SEGMENTS + 1 }, (_, back) => protection.periodOf(Math.max(0, next - back))), newest + 1] : [];
      for (const period of new Set([...asked, ...live])) {
        if (await protection.ready(period)) periods.push(period);
        else if (asked.includes(period)) {
          return sendError(reply.header('Retry-After', '1'), { code: 'UNAVAILABLE', message: `the key provider has not given key "${kidOf(protection.epoch, period)}" yet; retry` });
        }
      }
      auditFirstKey(req, ctx.name, protection.epoch, kidOf(protection.epoch, periods[0]!));
      return sendLicence(reply, periods.map((period) => ({ kid: kidOf(protection.epoch, period), key: protection.keyOf(period) })));
    });
  });

  scope.post('/live/:name/beacon', { bodyLimit: 4096 }, async (req, reply) => {
    const { name } = req.params as Params;
    if (!STREAM_NAME_PATTERN.test(name) || !catalog.lookup(name)) return notFound(reply, `no stream named "${name}"`);
    const body = parseBeacon(req.body);
    if (!body) return sendError(reply, { code: 'BAD_REQUEST', message: 'send {"sid": string, "startupMs"?: number, "latencyMs"?: number} or {"sid": string, "p2pBytes": number, "httpBytes": number}' });
    const known =
      (body.startupMs === undefined || analytics.reportStartup(name, body.sid, body.startupMs)) &&
      (body.latencyMs === undefined || analytics.reportLatency(name, body.sid, body.latencyMs)) &&
      (body.segmentBytes === undefined || analytics.reportSegmentBytes(name, body.sid, body.segmentBytes.p2p, body.segmentBytes.http));
    if (!known) return notFound(reply, 'unknown player session');
    return reply.code(204).send();
  });

  scope.options('/live/*', preflight('GET, HEAD, POST, PATCH, DELETE, OPTIONS', 'Range, If-None-Match, Content-Type, Authorization'));

  // Anything else under /live (traversal attempts, unknown files) is a JSON 404.
  scope.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/live/*',
    handler: async (req, reply) => notFound(reply, `nothing at ${req.method} ${req.url.split('?')[0]}`),
  });
}

function parseBeacon(raw: unknown): { sid: string; startupMs?: number; latencyMs?: number; segmentBytes?: { p2p: number; http: number } } | null {
  let body = raw;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return null;
    }
  }
  if (!body || typeof body !== 'object') return null;
  const { sid, startupMs, latencyMs, p2pBytes, httpBytes } = body as Record<string, unknown>;
  // A P2P player's segment bytes so far, both figures or neither (at most a petabyte each).
  const bytes = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 1e15 ? v : null);
  if (p2pBytes !== undefined || httpBytes !== undefined) {
    const p2p = bytes(p2pBytes), http = bytes(httpBytes);
    if (!isBeaconSid(sid) || p2p === null || http === null || startupMs !== undefined || latencyMs !== undefined) return null;
    return { sid, segmentBytes: { p2p, http } };
  }
  const figure = (v: unknown): number | undefined | null =>
    v === undefined ? undefined : typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 600_000 ? v : null;
  const startup = figure(startupMs);
  const latency = figure(latencyMs);
  if (!isBeaconSid(sid) || startup === null || latency === null || (startup === undefined && latency === undefined)) return null;
  return { sid, ...(startup === undefined ? {} : { startupMs: startup }), ...(latency === undefined ? {} : { latencyMs: latency }) };
}

/** A Host header's value: a name or address and a port, nothing else. */
const HOST_HEADER = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/** Where the viewer asked: this host, or the edge in between (it names itself in X-Forwarded-Host). Answers that name it vary with that header. */
export function viewerHostOf(req: FastifyRequest): string {
  const forwarded = firstString(req.headers['x-forwarded-host']);
  return forwarded && HOST_HEADER.test(forwarded) ? forwarded : (req.headers.host ?? 'localhost');
}

export const LICENCE_REQUEST_EXPECTED: StudioErrorShape = { code: 'BAD_REQUEST', message: 'send a ClearKey licence request: {"kids": ["<key id, base64url>"], "type": "temporary"}' };

/** The key ids (base64url, at most 16) of an EME ClearKey licence request, posted as JSON or as bytes with no content type (hls.js); null when it is none. */
export function licenceRequestKids(raw: unknown): string[] | null {
  const body = (Buffer.isBuffer(raw) ? safeJson(raw.toString('utf8')) : typeof raw === 'string' ? safeJson(raw) : raw) as { kids?: unknown } | null;
  const kids = Array.isArray(body?.kids) ? body.kids.filter((k): k is string => typeof k === 'string').slice(0, 16) : [];
  return kids.length > 0 ? kids : null;
}

/** A ClearKey licence (W3C EME "Clear Key"): the keys (kid in hex), never kept by a cache. */
export function sendLicence(reply: FastifyReply, keys: readonly { kid: string; key: Buffer }[]): FastifyReply {
  const jwks = keys.map(({ kid, key }) => ({ kty: 'oct', kid: Buffer.from(kid, 'hex').toString('base64url'), k: key.toString('base64url') }));
  return reply.header('Cache-Control', 'no-store, private').type('application/json').send({ keys: jwks, type: 'temporary' });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
