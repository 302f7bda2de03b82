import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { StudioError } from '../core/errors.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { sendSessionFile } from '../servers/hls/files.js';
import { MAX_MEDIA_BYTES, MEDIA_FILE_RE, MEDIA_TYPES, mediaFileName, sniffMedia, type MediaExt } from './media-files.js';

const UPLOAD_TYPES = [...new Set(Object.values(MEDIA_TYPES))];

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
      scope.setErrorHandler((error: Error & { code?: string }, _req, reply) => {
        if (error instanceof StudioError) return sendError(reply, error.toJSON());
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: `a studio media file is at most ${MAX_MEDIA_BYTES / 1024 / 1024} MiB` });
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
