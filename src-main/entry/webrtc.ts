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
import type { QueryLike, UrlSigner } from '../protocols/signing.js';
import { iceOptionsOf } from '../protocols/webrtc/peer.js';
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
  signer: UrlSigner;
  analytics: ViewerAnalytics;
  auth: Pick<AuthService, 'authenticate'>;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  logger: Logger;
  /** WHEP viewers' `data` channel: time maps from the media clock, the timed messages (entry/live.ts). */
  clock?: Pick<MediaClock, 'programDateTime'>;
  timedMetadata?: Pick<TimedMetadata, 'messages' | 'subscribe'>;
}): WebRtc {
  const { streams, signer } = deps;
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
    analytics: deps.analytics,
    keyframeIntervalMs: () => deps.config().live.segmentSeconds * 1000,
    ...(deps.clock && deps.timedMetadata ? { timedData: timedDataOf(deps.clock, deps.timedMetadata) } : {}),
  });
  const checkView = (name: string, req: FastifyRequest): void => {
    const entry = streams.lookup(name);
    if (!entry?.private) return;
    const verdict = signer.verify(name, req.query as QueryLike, req.ip);
    if (!verdict.ok) throw new StudioError('FORBIDDEN', `stream "${name}" is private: its playback URL must be signed (${verdict.reason.replace('_', ' ')})`);
  };
  const isOperator = (req: FastifyRequest): boolean => deps.auth.authenticate(req.headers, SESSION_COOKIE) !== undefined;
  return { server, services: [server], plugins: [webrtcRoutes({ server, logger, checkView, isOperator, streamExists: (name) => streams.lookup(name) !== undefined })] };
}

function timedDataOf(clock: Pick<MediaClock, 'programDateTime'>, timed: Pick<TimedMetadata, 'messages' | 'subscribe'>) {
  return {
    programDateTime: (stream: string, mediaTime: number) => clock.programDateTime(stream, mediaTime),
    messages: (stream: string, fromPdt: number) => timed.messages(stream, fromPdt),
    subscribe: (stream: string, listener: Parameters<TimedMetadata['subscribe']>[1]) => timed.subscribe(stream, listener),
  };
}
