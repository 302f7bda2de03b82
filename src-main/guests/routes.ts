import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GUEST_CHAT_MAX, GUEST_ID_RE, guestChatTextSchema, guestNameSchema } from '../../src-shared/contract/guests.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { bearerOf } from '../http/credentials.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { addLayerRoutes, layerLink } from '../servers/webrtc/layer-routes.js';
import type { LayerState, RelayHooks } from '../servers/webrtc/server.js';
import type { GuestRecord } from '../store/guests.js';
import { guestPath, returnPath, type GuestService } from './guest-service.js';
import type { GuestTakes } from './takes.js';
import { contentDisposition } from '../recorder/naming.js';
import { sendSessionFile } from '../servers/hls/files.js';

/**
 * A guest's own routes (their link's JWT as `Authorization: Bearer`, checked before any body is read):
 *   GET    /guest/<id>                  the guest page (the token stays in the link's #fragment)
 *   GET    /guest/<id>/state            what the page shows: green room, on the show, refused (410 once the link ended)
 *   POST   /guest/<id>/join  {name}     into the green room (an admitted guest who reloads stays on the show)
 *   POST   /guest/<id>/chat  {text}     a line to the producer (their answers come with /state)
 *   POST   /guest/<id>/whip             SDP offer -> 201 answer: their camera and microphone, once admitted
 *   POST   /guest/<id>/return/whep      SDP offer -> 201 answer: their return feed (the program's picture
 *                                       when live, the show's sound without their own voice)
 * and the studio's (a signed-in producer's session, or a token with scenes:read for the files):
 *   GET    /api/v1/streams/<stream>/guest-takes/<upload id>/file   a guest's take as they recorded it (Range)
 *   POST   /guest/<id>/whep             SDP offer -> 201 answer: the guest as a source of the show
 *   POST   /guest/<id>/return           SDP offer (sound) -> 201 answer: the studio's mix for this guest
 *   PATCH/DELETE /guest/<id>/session/<session id>   trickle ICE / end, as for WHIP and WHEP
 *   GET/POST /guest/<id>/session/<session id>/layer the studio's pull: which of the guest's simulcast
 *                                       layers it receives (the WHEP layer extension, layer-routes.ts)
 */
export interface GuestRoutesOptions {
  guests: GuestService;
  webrtc: {
    publishRelay(name: string, offer: unknown, remoteAddress: string, hooks: RelayHooks): Promise<{ id: string; answer: string }>;
    view(name: string, offer: unknown, remoteAddress: string): Promise<{ id: string; answer: string; layered?: boolean }>;
    layers(id: string): LayerState;
    selectLayer(id: string, encodingId: string | null): LayerState;
    viewReturn(name: string, program: string, offer: unknown, remoteAddress: string): Promise<{ id: string; answer: string }>;
    end(id: string, options?: { returning?: boolean }): boolean;
    trickle(id: string, fragment: unknown): Promise<void>;
    sessionInfo(id: string): { kind: 'whip' | 'whep'; name: string } | undefined;
  };
  takes: Pick<GuestTakes, 'fileOf'>;
  /** The caller holds a studio session allowed to run the show (scenes:write). */
  isProducer(req: FastifyRequest): boolean;
  /** The caller may see the show (scenes:read, and the stream if their token names streams). */
  canRead(req: FastifyRequest): boolean;
  /** The built renderer: guest.html and its assets. */
  rendererDir: string;
  logger: Logger;
}

const SDP = 'application/sdp';
const TRICKLE = 'application/trickle-ice-sdpfrag';
const SESSION_RE = /^[A-Za-z0-9_-]{16}$/;
/** A join body is a name, a chat body a line: a couple of kilobytes at most. */
const JOIN_BODY_LIMIT = 2048;

type Params = { id: string; sid?: string; stream?: string };

export function guestRoutes(options: GuestRoutesOptions): HttpPlugin {
  return async (app) => {
    await app.register(async (scope) => guestScope(scope, options));
  };
}

async function guestScope(scope: FastifyInstance, options: GuestRoutesOptions): Promise<void> {
  const { guests, webrtc, logger } = options;
  scope.addContentTypeParser([SDP, TRICKLE], { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const fail = (reply: FastifyReply, error: unknown): FastifyReply => {
    const studio = StudioError.from(error);
    if (studio.code === 'INTERNAL') logger.error({ err: error }, 'guest request failed');
    return sendError(reply.header('Cache-Control', 'no-store'), studio.toJSON());
  };
  const contentType = (req: FastifyRequest): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const requireType = (req: FastifyRequest, type: string): void => {
    if (contentType(req) !== type) throw new StudioError('UNSUPPORTED_MEDIA_TYPE', `send the body as ${type}`);
  };
  const guestOf = (req: FastifyRequest): Promise<GuestRecord> => guests.authenticate((req.params as Params).id, bearerOf(req.headers.authorization), req.ip);
  /** Rule 12: the link's JWT is checked in onRequest, before Fastify reads the body. */
  const asGuest = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    try {
      (req as FastifyRequest & { guest?: GuestRecord }).guest = await guestOf(req);
      return undefined;
    } catch (error) {
      return fail(reply, error);
    }
  };
  const asProducer = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (options.isProducer(req)) return undefined;
    return fail(reply, new StudioError('UNAUTHORIZED', "a guest's picture is for the studio: sign in as a producer"));
  };
  const guestIn = (req: FastifyRequest): GuestRecord => (req as FastifyRequest & { guest: GuestRecord }).guest;
  const created = (reply: FastifyReply, id: string, sid: string, answer: string, layered = false): FastifyReply => {
    const location = `/guest/${id}/session/${sid}`;
    if (layered) reply.header('Link', layerLink(location));
    return reply.code(201).header('Location', location).header('Cache-Control', 'no-store').type(SDP).send(answer);
  };

  scope.get('/guest/:id', async (req, reply) => {
    const { id } = req.params as Params;
    const file = path.join(options.rendererDir, 'guest.html');
    if (!GUEST_ID_RE.test(id)) return fail(reply, new StudioError('NOT_FOUND', 'no such guest link'));
    if (!fs.existsSync(file)) {
      return reply.code(503).type('text/html; charset=utf-8').send('<!doctype html><title>Streams Studio</title><p>The guest page is not built. Run <code>npm run build</code>, then reload.</p>');
    }
    // The build's asset paths are relative (./assets/...): from /guest/<id> they must start at the root.
    const html = (await fs.promises.readFile(file, 'utf8')).replace('<head>', '<head><base href="/">');
    // Camera and microphone are asked for by this page only; it may not be framed by another site.
    return reply.header('Cache-Control', 'no-store').header('Permissions-Policy', 'camera=(self), microphone=(self), display-capture=()').type('text/html; charset=utf-8').send(html);
  });

  scope.get('/guest/:id/state', { onRequest: asGuest }, async (req, reply) => reply.header('Cache-Control', 'no-store').send(guests.viewOf(guestIn(req))));

  scope.post('/guest/:id/join', { onRequest: asGuest, bodyLimit: JOIN_BODY_LIMIT }, async (req, reply) => {
    try {
      const body = (req.body ?? {}) as { name?: unknown };
      const name = guestNameSchema.safeParse(body.name);
      if (!name.success) throw new StudioError('VALIDATION_FAILED', 'your name: 1 to 60 characters', { fields: [{ path: 'name', message: name.error.issues[0]?.message ?? 'invalid' }] });
      return reply.header('Cache-Control', 'no-store').send(guests.join(guestIn(req), name.data));
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.post('/guest/:id/chat', { onRequest: asGuest, bodyLimit: JOIN_BODY_LIMIT }, async (req, reply) => {
    try {
      const text = guestChatTextSchema.safeParse(((req.body ?? {}) as { text?: unknown }).text);
      if (!text.success) throw new StudioError('VALIDATION_FAILED', `text: 1 to ${GUEST_CHAT_MAX} characters`, { fields: [{ path: 'text', message: text.error.issues[0]?.message ?? 'invalid' }] });
      return reply.code(201).header('Cache-Control', 'no-store').send(guests.guestSays(guestIn(req), text.data));
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.post('/guest/:id/whip', { onRequest: asGuest }, async (req, reply) => {
    try {
      const guest = guestIn(req);
      guests.checkPublish(guest);
      requireType(req, SDP);
      const { id, answer } = await webrtc.publishRelay(guestPath(guest.id), req.body, req.ip, {
        onLive: (media) => guests.setLive(guest.id, media),
        onEnded: () => guests.setLive(guest.id, null),
      });
      return created(reply, guest.id, id, answer);
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.post('/guest/:id/whep', { onRequest: asProducer }, async (req, reply) => {
    try {
      const { id } = req.params as Params;
      if (!GUEST_ID_RE.test(id) || !guests.isLive(id)) throw new StudioError('STREAM_OFFLINE', 'the guest is not sending yet', { id });
      requireType(req, SDP);
      const { id: sid, answer, layered } = await webrtc.view(guestPath(id), req.body, req.ip);
      return created(reply, id, sid, answer, layered);
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.post('/guest/:id/return', { onRequest: asProducer }, async (req, reply) => {
    try {
      const { id } = req.params as Params;
      if (!GUEST_ID_RE.test(id) || !guests.isLive(id)) throw new StudioError('STREAM_OFFLINE', 'the guest is not on the show', { id });
      requireType(req, SDP);
      const quiet = (): void => undefined;
      const { id: sid, answer } = await webrtc.publishRelay(returnPath(id), req.body, req.ip, { onLive: quiet, onEnded: quiet });
      return created(reply, id, sid, answer);
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.post('/guest/:id/return/whep', { onRequest: asGuest }, async (req, reply) => {
    try {
      const guest = guestIn(req);
      guests.checkPublish(guest);
      requireType(req, SDP);
      const { id: sid, answer } = await webrtc.viewReturn(returnPath(guest.id), guest.stream, req.body, req.ip);
      return created(reply, guest.id, sid, answer);
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.get('/api/v1/streams/:stream/guest-takes/:id/file', async (req, reply) => {
    try {
      if (!options.canRead(req)) throw new StudioError('FORBIDDEN', "a guest's recording needs the scenes:read scope", { scope: 'scenes:read' });
      const { stream = '', id } = req.params as Params;
      const found = /^[0-9a-f]{32}$/.test(id) ? await options.takes.fileOf(stream, id) : undefined;
      if (!found) throw new StudioError('NOT_FOUND', `stream "${stream}" has no guest take ${id}`);
      reply.header('Content-Disposition', contentDisposition(found.name));
      const outcome = await sendSessionFile(req, reply, path.dirname(found.file), path.basename(found.file), { contentType: found.mimeType, cacheControl: 'private, no-cache' });
      if (outcome === 'sent') return reply;
      reply.removeHeader('Content-Disposition');
      throw new StudioError(outcome === 'unsatisfiable' ? 'BAD_REQUEST' : 'NOT_FOUND', outcome === 'unsatisfiable' ? 'range not satisfiable' : 'the take has no file yet');
    } catch (error) {
      return fail(reply, error);
    }
  });

  /** A session of this guest's (its id is the capability, as for /live/<name>/<kind>/<id>). */
  const session = (req: FastifyRequest): string => {
    const { id, sid } = req.params as Params;
    const info = sid && SESSION_RE.test(sid) ? webrtc.sessionInfo(sid) : undefined;
    if (!info || (info.name !== guestPath(id) && info.name !== returnPath(id))) throw new StudioError('NOT_FOUND', 'no such WebRTC session');
    return sid!;
  };
  addLayerRoutes(scope, { url: '/guest/:id/session/:sid', sessionOf: session, server: webrtc, fail, onRequest: asProducer });
  scope.delete('/guest/:id/session/:sid', async (req, reply) => {
    try {
      webrtc.end(session(req), { returning: (req.query as { returning?: unknown }).returning === '1' });
      return reply.code(200).header('Cache-Control', 'no-store').send();
    } catch (error) {
      return fail(reply, error);
    }
  });
  scope.patch('/guest/:id/session/:sid', async (req, reply) => {
    try {
      const sid = session(req);
      requireType(req, TRICKLE);
      await webrtc.trickle(sid, req.body);
      return reply.code(204).send();
    } catch (error) {
      return fail(reply, error);
    }
  });
}
