import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { StudioError } from '../core/errors.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { sendSessionFile } from '../servers/hls/files.js';
import { MAX_MEDIA_BYTES, MEDIA_FILE_RE, MEDIA_TYPES, mediaFileName, sniffMedia, type MediaExt } from './media-files.js';

const UPLOAD_TYPES = [...new Set(Object.values(MEDIA_TYPES))];
/** How much of a refused body is read away before the answer (beyond it, the connection just closes). */
const LINGER_MAX_BYTES = 4 * MAX_MEDIA_BYTES;
const LINGER_MAX_MS = 10_000;

/** Reads `req`'s body to its end and throws it away; gives up past `maxBytes` or `maxMs`. */
function discardBody(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) done();
    };
    const timer = setTimeout(done, maxMs);
    req.on('data', onData);
    req.once('end', done);
    req.once('close', done);
    req.resume();
  });
}

/**
 * `POST /api/v1/scenes/media` (a picture or video as the raw body, Content-Type image/* or video/*):
 * stored under HOME/studio-media when its first bytes say it is one (415 MEDIA_INVALID otherwise),
 * answered `201 {url, contentType, bytes}`. Who may upload is settled before the body is read: the
 * API's authentication, and the scope of `scenes.addSource` (what the file is for). `GET
 * /studio-media/<file>` serves them to every window and browser source (random names; Range for videos).
 */
export function studioMediaRoutes(dir: string): HttpPlugin {
  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      scope.addContentTypeParser(UPLOAD_TYPES, { parseAs: 'buffer', bodyLimit: MAX_MEDIA_BYTES }, (_req, body, done) => done(null, body));
      scope.setErrorHandler(async (error: Error & { code?: string }, req, reply) => {
        if (error instanceof StudioError) return sendError(reply, error.toJSON());
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          // Refused from its Content-Length, before a byte was read: the client is still sending, and a
          // connection closed under it ends its request with EPIPE instead of this answer. Read the rest
          // away first (as nginx's lingering close does), within bounds, then answer and close.
          await discardBody(req.raw, LINGER_MAX_BYTES, LINGER_MAX_MS);
          return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: `a studio media file is at most ${MAX_MEDIA_BYTES / 1024 / 1024} MiB` });
        }
        if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: `send a picture or a video with its type (${UPLOAD_TYPES.join(', ')})` });
        return sendError(reply, StudioError.from(error).toJSON());
      });
      scope.post('/api/v1/scenes/media', { bodyLimit: MAX_MEDIA_BYTES, config: { contractMethod: 'scenes.addSource' } }, async (req, reply) => {
        const body = req.body as Buffer | undefined;
        if (!body || body.length === 0) throw new StudioError('BODY_REQUIRED', 'send the file as the request body');
        const ext: MediaExt | null = sniffMedia(body.subarray(0, 16));
        if (!ext) throw new StudioError('MEDIA_INVALID', 'this file is not a picture or a video (PNG, JPEG, GIF, WebP, MP4, WebM): nothing was stored');
        fs.mkdirSync(dir, { recursive: true });
        const file = mediaFileName(crypto.randomBytes(24), ext);
        fs.writeFileSync(path.join(dir, file), body);
        return reply.code(201).send({ url: `/studio-media/${file}`, contentType: MEDIA_TYPES[ext], bytes: body.length });
      });
    });
    app.get('/studio-media/:file', async (req, reply) => {
      const { file } = req.params as { file: string };
      const ext = file.split('.').pop() as MediaExt;
      if (!MEDIA_FILE_RE.test(file)) return sendError(reply, { code: 'NOT_FOUND', message: 'no such studio media' });
      const outcome = await sendSessionFile(req, reply, dir, file, { contentType: MEDIA_TYPES[ext], cacheControl: 'public, max-age=31536000, immutable' });
      if (outcome === 'sent') return reply;
      if (outcome === 'unsatisfiable') return reply.code(416).send();
      return sendError(reply, { code: 'NOT_FOUND', message: 'no such studio media' });
    });
    // The studio page (a hash route of the app) under a plain address too.
    app.get('/studio', async (_req, reply) => reply.redirect('/#/studio', 302));
  };
}
