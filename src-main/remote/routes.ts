import type { AdmissionRequest, AdmissionResult } from '../auth/types.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { bearerOf } from '../http/credentials.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import type { RemoteService } from './remote-service.js';
import { viewerPage } from './viewer-page.js';

/**
 * The viewer's side of remote desktop (no studio sign-in: the pairing code is the credential):
 *   GET    /remote                        the viewer page
 *   POST   /remote/pair      {code} or {jwt, session} (a JWT with act "remote" naming the session)
 *                                         -> {token, expiresAt, sessionId, permission, width, height}
 *   POST   /remote/viewers   Authorization: Bearer <token>, body: SDP offer -> 201 answer + Location
 *   DELETE /remote/viewers/<id>           Authorization: Bearer <token> -> 200
 * The host's side (sessions, displays) is the authenticated API.
 */
export interface RemoteRoutesOptions {
  remote: RemoteService;
  logger: Logger;
  /** Remote-view JWTs (auth/admission.ts): `POST /remote/pair {jwt, session}` instead of a code. */
  admit?: (request: AdmissionRequest) => Promise<AdmissionResult>;
}

export function remoteRoutes(options: RemoteRoutesOptions): HttpPlugin {
  return async (app) => {
    await app.register(async (scope) => remoteScope(scope, options));
  };
}

const SDP = 'application/sdp';
const ID_RE = /^[A-Za-z0-9_-]{16}$/;

async function remoteScope(scope: FastifyInstance, options: RemoteRoutesOptions): Promise<void> {
  const { remote, logger } = options;
  scope.addContentTypeParser(SDP, { parseAs: 'string' }, (_req, body, done) => done(null, body));
  const fail = (reply: FastifyReply, error: unknown): FastifyReply => {
    const studio = StudioError.from(error);
    if (studio.code === 'INTERNAL') logger.error({ err: error }, 'remote request failed');
    return sendError(reply.header('Cache-Control', 'no-store'), studio.toJSON());
  };

  scope.get('/remote', async (_req, reply) =>
    reply
      .header('Cache-Control', 'no-store')
      .header('Content-Security-Policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src 'self' blob:; img-src 'self' data:")
      .type('text/html; charset=utf-8')
      .send(viewerPage()),
  );

  scope.post('/remote/pair', async (req, reply) => {
    try {
      const body = req.body as { code?: unknown; jwt?: unknown; session?: unknown } | undefined;
      if (typeof body?.jwt === 'string') {
        // A platform's (or the host's) JWT with act "remote" for this session stands for the pairing code.
        const session = typeof body.session === 'string' ? body.session.slice(0, 64) : '';
        if (!options.admit) throw new StudioError('UNAUTHORIZED', 'this host takes pairing codes only');
        const result = await options.admit({ action: 'remote', protocol: 'remote', stream: session, ip: req.ip, credential: { jwt: body.jwt.slice(0, 4096) } });
        if (!result.ok) throw new StudioError(result.code, result.reason, result.details);
        return reply.header('Cache-Control', 'no-store').send(await remote.pair(undefined, { sessionId: session }));
      }
      return reply.header('Cache-Control', 'no-store').send(await remote.pair(body?.code));
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.post('/remote/viewers', async (req, reply) => {
    try {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      remote.checkViewer(bearerOf(req.headers.authorization), req.ip);
      if (type !== SDP) throw new StudioError('UNSUPPORTED_MEDIA_TYPE', `send the offer as ${SDP}`);
      const { id, answer } = await remote.connect(bearerOf(req.headers.authorization), req.body as string, req.ip);
      return reply.code(201).header('Location', `/remote/viewers/${id}`).header('Cache-Control', 'no-store').type(SDP).send(answer);
    } catch (error) {
      return fail(reply, error);
    }
  });

  scope.delete<{ Params: { id: string } }>('/remote/viewers/:id', async (req, reply) => {
    try {
      const session = remote.book.check(bearerOf(req.headers.authorization));
      if (!ID_RE.test(req.params.id)) throw new StudioError('NOT_FOUND', 'no such viewer');
      remote.disconnect(req.params.id, session.id);
      return reply.send({ id: req.params.id, deleted: true });
    } catch (error) {
      return fail(reply, error);
    }
  });
}
