import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STREAM_NAME_PATTERN } from '../../../src-shared/contract/streams.js';
import { p2pTrackerPath } from '../../../src-shared/p2p.js';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { bearerOf } from '../../http/credentials.js';
import type { HttpPlugin } from '../../http/plugin.js';
import { sendError } from '../../http/reply.js';
import { addLayerRoutes, layerLink } from './layer-routes.js';
import { P2P_ASSETS, p2pModulePaths } from '../../protocols/p2p-page.js';
import { playerPage } from './player-page.js';
import type { WebRtcServer } from './server.js';

/**
 * WHIP (RFC 9725) and WHEP routes:
 *   POST   /live/<name>/whip          Authorization: Bearer <stream key>, body: SDP offer -> 201 answer + Location
 *   POST   /live/<name>/whep          body: SDP offer -> 201 answer + Location
 *   PATCH  <Location>                 application/trickle-ice-sdpfrag -> 204 (ICE restart: 422)
 *   GET/POST <Location>/layer         a WHEP viewer of a simulcast publisher: its layer (layer-routes.ts)
 *   DELETE <Location>                 -> 200, the session is freed at once; a WHIP publisher that adds
 *                                     ?returning=1 publishes again in a moment: its viewers wait for it
 *   GET    /play/<name>               the player page (through the edges when there are some, else WebRTC
 *                                     first with an HLS fallback; latency shown)
 *   GET    /embed/<name>              the same player, chromeless, for an <iframe> on any site
 * Errors are JSON `{"error":{code,message}}` like every other route.
 */
export interface WebRtcRoutesOptions {
  server: WebRtcServer;
  logger: Logger;
  /** A viewer may watch this stream (private streams need a signed URL or a read JWT, as for HLS); throws StudioError otherwise. */
  checkView(name: string, req: FastifyRequest): void | Promise<void>;
  /**
   * A publisher may publish to this stream (its key, a publish JWT, a studio caller, or the webhook);
   * throws StudioError otherwise. Without it, the server checks the stream key itself.
   */
  checkPublish?(name: string, req: FastifyRequest): Promise<void>;
  /** The request comes from a signed-in studio client (session cookie): it may publish without the stream key. */
  isOperator(req: FastifyRequest): boolean;
  streamExists(name: string): boolean;
  /** What a stream's viewers may share (P2P segments); without it, nobody shares. */
  p2pOf?(name: string): { active: boolean; maxUploadKbps: number; lowLatency: boolean } | undefined;
  /** The live segment length (live.segmentSeconds): P2P viewers' time windows follow it. */
  segmentSeconds?(): number;
  /** The host's STUN server (webrtc.stunServer), handed to P2P viewers; '' for none. */
  stunServer?(): string;
}

/** hls.js's browser build (the player page's fallback), when the package is installed beside us. */
function hlsScriptPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js');
  } catch {
    return null;
  }
}

const SDP = 'application/sdp';
const TRICKLE = 'application/trickle-ice-sdpfrag';
const ID_RE = /^[A-Za-z0-9_-]{16}$/;

type Params = { name: string; id?: string; kind?: string };

export function webrtcRoutes(options: WebRtcRoutesOptions): HttpPlugin {
  return async (app) => {
    await app.register(async (scope) => webrtcScope(scope, options));
  };
}

function contentType(req: FastifyRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function fail(reply: FastifyReply, error: unknown, logger: Logger): FastifyReply {
  const studio = StudioError.from(error);
  if (studio.code === 'INTERNAL') logger.error({ err: error }, 'WebRTC request failed');
  return sendError(reply.header('Cache-Control', 'no-store'), studio.toJSON());
}

async function webrtcScope(scope: FastifyInstance, options: WebRtcRoutesOptions): Promise<void> {
  const { server, logger } = options;
  // SDP bodies as text; the size limit is checked by the SDP parser (SDP_TOO_LARGE), not here.
  scope.addContentTypeParser([SDP, TRICKLE], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  scope.addHook('onRequest', async (_req, reply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Expose-Headers', 'Location, Link, Content-Type');
  });

  const requireSdp = (req: FastifyRequest, type: string): void => {
    if (contentType(req) !== type) throw new StudioError('UNSUPPORTED_MEDIA_TYPE', `send the body as ${type}`);
  };
  const checkName = (name: string): void => {
    if (!STREAM_NAME_PATTERN.test(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
  };
  const created = (reply: FastifyReply, name: string, kind: string, id: string, answer: string, layered = false): FastifyReply => {
    const location = `/live/${name}/${kind}/${id}`;
    if (layered) reply.header('Link', layerLink(location));
    return reply.code(201).header('Location', location).header('Cache-Control', 'no-store').type(SDP).send(answer);
  };

  const hlsJs = hlsScriptPath();
  const p2pModules = p2pModulePaths();
  if (!p2pModules) logger.warn('p2p-media-loader is not installed beside the host: player pages play without P2P segments');
  const p2pOf = (name: string): NonNullable<Parameters<typeof playerPage>[2]>['p2p'] => {
    const p2p = p2pModules && hlsJs ? options.p2pOf?.(name) : undefined;
    if (!p2p?.active) return null;
    const segment = options.segmentSeconds?.() ?? 2;
    // A sharing viewer of a standard stream plays 2.5 segments behind live (half a segment more than one
    // that does not share): a new segment is listed 1.5 segments before it is due; what is due within a
    // segment comes over HTTP, so peers have half a segment to pass it on. Measured by bench/p2p: 2
    // segments behind left them too little time (stalls), 3 cost a second more delay for little more share.
    return { tracker: p2pTrackerPath(name), urgentSec: segment, aheadSec: segment * 4, liveSegments: p2p.lowLatency ? null : 2.5, stunServer: options.stunServer?.() ?? '', maxUploadKbps: p2p.maxUploadKbps, coreModule: P2P_ASSETS.core, hlsjsModule: P2P_ASSETS.hlsjs };
  };
  const page = (embed: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const { name } = req.params as Params;
      checkName(name);
      if (!options.streamExists(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
      // The embed is meant for other sites' frames (the host's pages otherwise refuse to be framed).
      if (embed) reply.removeHeader('X-Frame-Options');
      return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(playerPage(name, hlsJs ? '/play/assets/hls.min.js' : null, { embed, p2p: p2pOf(name) }));
    } catch (error) {
      return fail(reply, error, logger);
    }
  };
  scope.get('/play/:name', page(false));
  scope.get('/embed/:name', page(true));
  if (hlsJs) {
    scope.get('/play/assets/hls.min.js', async (_req, reply) =>
      reply.header('Cache-Control', 'public, max-age=86400').type('text/javascript; charset=utf-8').send(fs.createReadStream(hlsJs)),
    );
  }
  if (p2pModules) {
    for (const kind of ['core', 'hlsjs'] as const) {
      scope.get(P2P_ASSETS[kind], async (_req, reply) =>
        reply.header('Cache-Control', 'public, max-age=86400').type('text/javascript; charset=utf-8').send(fs.createReadStream(p2pModules[kind])),
      );
    }
  }

  // Rule 12: who is asking is settled in onRequest, before Fastify reads or parses the body: a wrong
  // key with a garbled offer is 401, never 400 or 415.
  const whipAuth = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    try {
      const { name } = req.params as Params;
      checkName(name);
      if (options.checkPublish) {
        if (!options.streamExists(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`, { name });
        await options.checkPublish(name, req);
      } else server.authorizePublish(name, bearerOf(req.headers.authorization), options.isOperator(req));
      return undefined;
    } catch (error) {
      return fail(reply, error, logger);
    }
  };
  const whepAuth = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    try {
      const { name } = req.params as Params;
      checkName(name);
      if (!options.streamExists(name)) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
      await options.checkView(name, req);
      return undefined;
    } catch (error) {
      return fail(reply, error, logger);
    }
  };

  scope.post('/live/:name/whip', { onRequest: whipAuth }, async (req, reply) => {
    try {
      const { name } = req.params as Params;
      requireSdp(req, SDP);
      // Admitted in onRequest (checkPublish) or by the server's own key check below.
      const { id, answer } = await server.publish(name, bearerOf(req.headers.authorization), req.body, req.ip, options.checkPublish !== undefined || options.isOperator(req));
      return created(reply, name, 'whip', id, answer);
    } catch (error) {
      return fail(reply, error, logger);
    }
  });

  scope.post('/live/:name/whep', { onRequest: whepAuth }, async (req, reply) => {
    try {
      const { name } = req.params as Params;
      requireSdp(req, SDP);
      const { id, answer, layered } = await server.view(name, req.body, req.ip);
      return created(reply, name, 'whep', id, answer, layered);
    } catch (error) {
      return fail(reply, error, logger);
    }
  });

  const session = (req: FastifyRequest): string => {
    const { name, id, kind } = req.params as Params;
    const info = id && ID_RE.test(id) ? server.sessionInfo(id) : undefined;
    if (!info || info.name !== name || info.kind !== kind) throw new StudioError('NOT_FOUND', 'no such WebRTC session');
    return id!;
  };

  addLayerRoutes(scope, { url: '/live/:name/:kind/:id', sessionOf: session, server, fail: (reply, error) => fail(reply, error, logger) });

  scope.delete('/live/:name/:kind/:id', async (req, reply) => {
    try {
      server.end(session(req), { returning: (req.query as { returning?: unknown }).returning === '1' });
      return reply.code(200).header('Cache-Control', 'no-store').send();
    } catch (error) {
      return fail(reply, error, logger);
    }
  });

  scope.patch('/live/:name/:kind/:id', async (req, reply) => {
    try {
      const id = session(req);
      requireSdp(req, TRICKLE);
      await server.trickle(id, req.body);
      return reply.code(204).send();
    } catch (error) {
      return fail(reply, error, logger);
    }
  });
}
