import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StudioError } from '../core/errors.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { sendSessionFile } from '../servers/hls/files.js';
import { sniffMedia } from '../studio/media-files.js';
import type { EnclosureRequest } from '../store/podcasts.js';
import type { PodcastDelivery, Resolved } from './delivery.js';
import type { PodcastService } from './service.js';

/** An edge's own fetch of a podcast file (nginx-conf.ts sets it): its listeners are in the edge's log, not here. */
export const EDGE_FETCH_HEADER = 'x-streams-edge';
const MAX_ARTWORK_BYTES = 10 * 1024 * 1024;
const NOT_FOUND = { code: 'NOT_FOUND', message: 'no such podcast file' } as const;

/** `https://host:port` as the listener asked (an edge names itself in X-Forwarded-Host and -Proto). */
export function requestOrigin(req: Pick<FastifyRequest, 'headers' | 'protocol'>): string {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  };
  const host = header('x-forwarded-host') ?? header('host') ?? '127.0.0.1';
  const proto = header('x-forwarded-proto') ?? req.protocol;
  return `${proto === 'https' ? 'https' : 'http'}://${/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? host : '127.0.0.1'}`;
}

/**
 * `/podcasts/...` (public: a private show answers only under a subscriber's token, and 404 otherwise,
 * as if it did not exist): the feed with ETag/Last-Modified and 304s, the files with ranges; every
 * enclosure request served here is kept for the download count. And `PUT /api/v1/shows/:id/artwork`
 * and `PUT /api/v1/shows/:id/episodes/:episodeId/artwork` (a JPEG or PNG body; the scope of the
 * update method, checked before the body is read).
 */
export function podcastRoutes(o: { service: PodcastService; delivery: PodcastDelivery; tmpDir?: string }): HttpPlugin {
  return async (app: FastifyInstance) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/podcasts/*',
      handler: async (req, reply) => {
        // As sent: every name we serve is plain ASCII, so an encoded path names nothing (fastify answers 400 to a malformed one).
        const found = o.delivery.resolve(req.url.split('?')[0] ?? '/');
        if (!found) return sendError(reply, NOT_FOUND);
        if (found.kind === 'feed') return sendFeed(req, reply, o.delivery, found);
        return sendFile(req, reply, found, o.delivery);
      },
    });

    await app.register(async (scope) => {
      scope.addContentTypeParser(['image/jpeg', 'image/png'], { parseAs: 'buffer', bodyLimit: MAX_ARTWORK_BYTES }, (_req, body, done) => done(null, body));
      scope.setErrorHandler(async (error: Error & { code?: string }, _req, reply) => {
        if (error instanceof StudioError) return sendError(reply, error.toJSON());
        if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: `artwork is at most ${MAX_ARTWORK_BYTES / 1024 / 1024} MiB` });
        if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the artwork as image/jpeg or image/png' });
        return sendError(reply, StudioError.from(error).toJSON());
      });
      /** The picture of a PUT as a temporary file, sniffed as a JPEG or PNG first. */
      const withPicture = async <T>(body: Buffer | undefined, use: (file: string) => Promise<T>): Promise<T> => {
        if (!body || body.length === 0) throw new StudioError('BODY_REQUIRED', 'send the picture as the request body');
        const kind = sniffMedia(body.subarray(0, 16));
        if (kind !== 'jpg' && kind !== 'png') throw new StudioError('MEDIA_INVALID', 'the artwork must be a JPEG or PNG picture: nothing was changed');
        const dir = o.tmpDir ?? os.tmpdir();
        await fs.promises.mkdir(dir, { recursive: true });
        const tmp = path.join(dir, `artwork-${crypto.randomBytes(6).toString('hex')}.${kind}`);
        await fs.promises.writeFile(tmp, body);
        try {
          return await use(tmp);
        } finally {
          await fs.promises.rm(tmp, { force: true });
        }
      };
      scope.put('/api/v1/shows/:id/artwork', { bodyLimit: MAX_ARTWORK_BYTES, config: { contractMethod: 'podcasts.updateShow' } }, async (req) => {
        const { id } = req.params as { id: string };
        o.service.showDoc(id);
        return withPicture(req.body as Buffer | undefined, (file) => o.service.setArtwork(id, file));
      });
      scope.put('/api/v1/shows/:id/episodes/:episodeId/artwork', { bodyLimit: MAX_ARTWORK_BYTES, config: { contractMethod: 'podcasts.updateEpisode' } }, async (req) => {
        const { id, episodeId } = req.params as { id: string; episodeId: string };
        o.service.episodeDoc(id, episodeId);
        return withPicture(req.body as Buffer | undefined, (file) => o.service.setEpisodeArtwork(id, episodeId, file));
      });
    });
  };
}

function sendFeed(req: FastifyRequest, reply: FastifyReply, delivery: PodcastDelivery, found: Extract<Resolved, { kind: 'feed' }>): FastifyReply {
  const { xml, etag, lastModified } = delivery.feed(found.show, found.token, requestOrigin(req));
  const modified = new Date(Math.floor(lastModified / 1000) * 1000);
  reply
    .header('ETag', etag)
    .header('Last-Modified', modified.toUTCString())
    // Shared caches (the edges) keep a public feed a minute; a subscriber's is theirs alone and revocable.
    .header('Cache-Control', found.token || found.show.private ? 'private, no-cache' : 'public, max-age=60')
    .header('Vary', 'X-Forwarded-Host')
    .header('Access-Control-Allow-Origin', '*');
  const ifNoneMatch = req.headers['if-none-match'];
  const ifModifiedSince = req.headers['if-modified-since'];
  const unchanged = ifNoneMatch !== undefined
    ? ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')
    : ifModifiedSince !== undefined && Date.parse(ifModifiedSince) >= modified.getTime();
  if (unchanged) return reply.code(304).send();
  return reply.type('application/rss+xml; charset=utf-8').send(xml);
}

async function sendFile(req: FastifyRequest, reply: FastifyReply, found: Extract<Resolved, { kind: 'file' }>, delivery: PodcastDelivery): Promise<FastifyReply> {
  const cacheControl = found.private ? 'private, max-age=86400' : 'public, max-age=31536000, immutable';
  const startedAt = Date.now();
  const socket = req.raw.socket;
  const writtenBefore = socket.bytesWritten;
  // Before the file is sent: its headers go out with the stream's first bytes.
  reply.header('Access-Control-Allow-Origin', '*');
  const outcome = await sendSessionFile(req, reply, path.dirname(found.file), path.basename(found.file), { contentType: found.contentType, cacheControl });
  if (outcome === 'unsatisfiable') return reply.code(416).send();
  if (outcome !== 'sent') return sendError(reply, NOT_FOUND);
  const episode = found.episode;
  if (found.enclosure && episode?.audio && req.headers[EDGE_FETCH_HEADER] === undefined) {
    const audio = episode.audio;
    const mp3 = found.file.endsWith('.mp3');
    reply.raw.once('close', () => {
      const length = Number(reply.getHeader('content-length') ?? 0);
      // What reached the socket for this answer, headers included: an aborted transfer sent less than its length.
      const sent = reply.raw.writableFinished ? length : Math.max(0, Math.min(length, socket.bytesWritten - writtenBefore));
      const range = /^bytes (\d+)-(\d+)\//.exec(String(reply.getHeader('content-range') ?? ''));
      const request: EnclosureRequest = {
        showId: episode.showId,
        episodeId: episode.id,
        at: startedAt,
        ip: req.ip,
        userAgent: String(req.headers['user-agent'] ?? '').slice(0, 512),
        method: req.method,
        status: reply.statusCode,
        range: range ? { start: Number(range[1]), end: Number(range[2]) } : null,
        bytes: req.method === 'HEAD' ? 0 : sent,
        fileBytes: mp3 ? audio.mp3Bytes : audio.m4aBytes,
        durationSec: audio.durationSec,
        source: 'origin',
      };
      delivery.record([request]);
    });
  }
  return reply;
}
