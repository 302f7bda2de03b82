import type { FastifyReply, FastifyRequest } from 'fastify';
import { STREAM_NAME_PATTERN } from '../../../src-shared/contract/streams.js';
import { StudioError } from '../../core/errors.js';
import type { HttpPlugin } from '../../http/plugin.js';
import { sendError } from '../../http/reply.js';
import type { DataAccessPort } from '../types.js';
import { overlayPage, overlayParts } from './page.js';

export interface OverlayPluginOptions {
  /** Who may read the stream's channels: a private stream's overlay needs its signed URL (or a studio session). */
  access: Pick<DataAccessPort, 'reader'>;
  streams: { lookup(name: string): unknown };
}

/**
 * GET /overlay/<name>: the stream's live overlay (poll with results, chat lines, score) for OBS's browser
 * source or another site's <iframe>: framable, transparent. The page reads the channels over SSE; the
 * check here only spares a private stream's outsider a page that could never load.
 */
export function overlayPlugin(options: OverlayPluginOptions): HttpPlugin {
  return async (app) => {
    app.get('/overlay/:name', async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const { name } = req.params as { name: string };
        if (!STREAM_NAME_PATTERN.test(name) || options.streams.lookup(name) === undefined) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
        const query = req.query as Record<string, unknown>;
        const credential = {
          ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
          ...(req.headers.cookie !== undefined ? { cookie: req.headers.cookie } : {}),
          query,
          ip: req.ip,
        };
        if (!options.access.reader(name, credential)) throw new StudioError('FORBIDDEN', `stream "${name}" is private: its overlay URL must be signed like its player's`);
        // Made to be framed by OBS and other sites (the host's pages otherwise refuse to be).
        reply.removeHeader('X-Frame-Options');
        return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(overlayPage(name, overlayParts(query.show)));
      } catch (error) {
        return sendError(reply.header('Cache-Control', 'no-store'), StudioError.from(error).toJSON());
      }
    });
  };
}
