import type { FastifyRequest } from 'fastify';
import type { StudioConfig } from '../../src-shared/config.js';
import { SESSION_COOKIE } from '../../src-shared/contract/index.js';
import type { AuthService } from '../api/auth.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { TimedMetadata } from '../data/timed-metadata.js';
import type { MediaClock } from '../media/media-clock.js';
import type { PathManager } from '../media/path-manager.js';
import type { StreamService } from '../media/stream-service.js';
import type { ViewerAnalytics } from '../servers/hls/analytics.js';
import { firstString, type QueryLike } from '../protocols/signing.js';
import { looksLikeJwt } from '../auth/admission.js';
import { originAllowed } from '../auth/limits.js';
import { splitList } from '../../src-shared/config-auth.js';
import type { AdmissionRequest, AdmissionResult } from '../auth/types.js';
import { bearerOf } from '../http/credentials.js';
import { iceOptionsOf } from '../protocols/webrtc/ice-options.js';
import { p2pTrackerRoutes } from '../servers/p2p/tracker.js';
import { webrtcRoutes } from '../servers/webrtc/routes.js';
import { WebRtcServer } from '../servers/webrtc/server.js';

export interface WebRtc {
  server: WebRtcServer;
  services: Service[];
  plugins: HttpPlugin[];
}

/** Wires WHIP/WHEP (part of the studio composition root), on the live server's Path hub and stream keys. */
export function wireWebRtc(deps: {
  config: () => StudioConfig;
  paths: PathManager;
  streams: StreamService;
  analytics: ViewerAnalytics;
  auth: Pick<AuthService, 'authenticate'>;
  /** Who may publish (WHIP) and watch (WHEP): auth/admission.ts. */
  admit: (request: AdmissionRequest) => Promise<AdmissionResult>;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  logger: Logger;
  /** WHEP viewers' `data` channel: time maps from the media clock, the timed messages (entry/live.ts). */
  clock?: Pick<MediaClock, 'programDateTime'>;
  timedMetadata?: Pick<TimedMetadata, 'messages' | 'subscribe'>;
}): WebRtc {
  const { streams } = deps;
  const logger = deps.logger.child({ service: 'webrtc' });
  const server = new WebRtcServer({
    paths: deps.paths,
    authorize: (key) => streams.authorize(key),
    streamExists: (name) => streams.lookup(name) !== undefined,
    children: deps.children,
    ffmpegPath: deps.ffmpegPath,
    logger,
    ice: () => iceOptionsOf(deps.config().webrtc),
    silenceTimeoutMs: () => deps.config().webrtc.silenceTimeoutSec * 1000,
    fanout: () => deps.config().webrtc.fanout,
    analytics: deps.analytics,
    keyframeIntervalMs: () => deps.config().live.segmentSeconds * 1000,
    ...(deps.clock && deps.timedMetadata ? { timedData: timedDataOf(deps.clock, deps.timedMetadata) } : {}),
  });
  const refuse = (result: Extract<AdmissionResult, { ok: false }>): never => {
    throw new StudioError(result.code, result.reason, result.details);
  };
  const limits = (): StudioConfig['limits'] => deps.config().limits;
  /** WebRTC sessions per address (limits.connectionsPerIp), before any offer is read. */
  const checkAddress = (ip: string): void => {
    const limit = limits().connectionsPerIp;
    if (limit > 0 && server.sessionsFrom(ip) >= limit) throw new StudioError('CONNECTION_LIMIT', `this address has ${limit} WebRTC sessions open already`, { retryAfterSec: 10 });
  };
  /** The origin allow-list, then the stream's read admission (public, signed URL, JWT or webhook). */
  const admitRead = async (name: string, req: FastifyRequest, protocol: 'whep' | 'hls'): Promise<void> => {
    if (!originAllowed(splitList(limits().allowedOrigins), { origin: req.headers.origin, referer: req.headers.referer, host: req.headers.host })) {
      throw new StudioError('ORIGIN_FORBIDDEN', `stream "${name}" may not be played from ${req.headers.origin ?? req.headers.referer ?? 'this site'}`);
    }
    const query = req.query as QueryLike;
    const jwt = firstString(query.jwt) ?? bearerOf(req.headers.authorization);
    const signed: Record<string, string> = {};
    for (const key of ['exp', 'sig', 'ip']) {
      const value = firstString(query[key]);
      if (value !== undefined) signed[key] = value;
    }
    const result = await deps.admit({ action: 'read', protocol, stream: name, ip: req.ip, credential: { signed, ...(jwt ? { jwt } : {}) } });
    if (!result.ok) refuse(result);
  };
  const checkView = async (name: string, req: FastifyRequest): Promise<void> => {
    checkAddress(req.ip);
    const cap = streams.access(name)?.maxViewers || limits().maxViewersPerStream;
    if (cap > 0 && deps.analytics.viewerCount(name) >= cap) throw new StudioError('STREAM_FULL', `stream "${name}" has as many viewers as it takes; try again later`, { retryAfterSec: 15 });
    await admitRead(name, req, 'whep');
  };
  const checkPublish = async (name: string, req: FastifyRequest): Promise<void> => {
    checkAddress(req.ip);
    const studio = deps.auth.authenticate(req.headers, SESSION_COOKIE);
    const bearer = bearerOf(req.headers.authorization);
    // The Bearer of a WHIP client is the stream key or a publish JWT; a signed-in studio page sends its cookie.
    const credential = studio ? { studio } : bearer === undefined ? {} : looksLikeJwt(bearer) ? { jwt: bearer } : { key: bearer };
    const result = await deps.admit({ action: 'publish', protocol: 'whip', stream: name, ip: req.ip, credential });
    if (!result.ok) refuse(result);
  };
  const isOperator = (req: FastifyRequest): boolean => deps.auth.authenticate(req.headers, SESSION_COOKIE) !== undefined;
  // The P2P tracker admits a viewer as the stream's playlists do (origin allow-list, signed URL or JWT);
  // the viewer caps count players, which a tracker connection is not.
  const checkSwarm = (name: string, req: FastifyRequest): Promise<void> => admitRead(name, req, 'hls');
  const p2pOf = (name: string): ReturnType<StreamService['p2pOf']> => streams.p2pOf(name);
  const tracker = p2pTrackerRoutes({ logger, p2pOf, checkView: checkSwarm });
  return {
    server,
    services: [server],
    plugins: [webrtcRoutes({ server, logger, checkView, checkPublish, isOperator, p2pOf, segmentSeconds: () => deps.config().live.segmentSeconds, stunServer: () => deps.config().webrtc.stunServer, streamExists: (name) => streams.lookup(name) !== undefined }), tracker],
  };
}

function timedDataOf(clock: Pick<MediaClock, 'programDateTime'>, timed: Pick<TimedMetadata, 'messages' | 'subscribe'>) {
  return {
    programDateTime: (stream: string, mediaTime: number) => clock.programDateTime(stream, mediaTime),
    messages: (stream: string, fromPdt: number) => timed.messages(stream, fromPdt),
    subscribe: (stream: string, listener: Parameters<TimedMetadata['subscribe']>[1]) => timed.subscribe(stream, listener),
  };
}
