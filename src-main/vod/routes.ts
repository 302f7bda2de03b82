import fs from 'node:fs';
import path from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from '../../src-shared/contract/index.js';
import type { Video } from '../../src-shared/contract/videos.js';
import { parseCookies } from '../http/credentials.js';
import { sendError } from '../http/reply.js';
import { signatureQueryOf, type QueryLike, type UrlSigner } from '../protocols/signing.js';
import { segmentContentType, sendSessionFile } from '../servers/hls/files.js';
import { signMpd, signPlaylist, signPreviewVtt } from './signed-text.js';

/**
 * A ready video's files at `/vod/<videoId>/<file>` (the recordings' routes hand video ids over:
 * they own `/vod/`). Public and unlisted videos are served as files; a private one needs a URL
 * signed for `vod/<id>` (videos.watchUrl), and its text files pass the signature on to every
 * address in them. Segment names carry the processing's generation (immutable); everything else
 * is replaced when the video is processed again, so it is cached briefly (the edges are purged).
 */

const M3U8 = 'application/vnd.apple.mpegurl';
const TEXT_CACHE = 'public, max-age=60';
const SEGMENT_CACHE = 'public, max-age=31536000, immutable';

type Kind = 'playlist' | 'mpd' | 'previews' | 'file';
export interface VodTarget {
  /** Relative to the video's folder. */
  file: string;
  contentType: string;
  cacheControl: string;
  kind: Kind;
  /** A request for it counts as a view. */
  view?: true;
}

/** A `/vod/<id>/` path below the id -> the file and how it is served; null when not served. Pure. */
export function videoFile(rest: string): VodTarget | null {
  const at = (file: string, contentType: string, kind: Kind = 'file', cacheControl = TEXT_CACHE): VodTarget => ({ file, contentType, cacheControl, kind });
  if (rest === 'index.m3u8' || rest === 'master.m3u8') return { ...at('master.m3u8', M3U8, 'playlist'), view: true };
  if (rest === 'manifest.mpd') return { ...at('manifest.mpd', 'application/dash+xml', 'mpd'), view: true };
  if (/^media_\d{1,3}\.m3u8$/.test(rest) || /^subs_[a-z0-9]{1,32}\.m3u8$/.test(rest)) return at(rest, M3U8, 'playlist');
  if (rest === 'video.mp4') return at(rest, 'video/mp4');
  if (rest === 'poster.jpg' || /^thumbs\/\d{2}\.jpg$/.test(rest) || /^sprite-\d{1,4}\.jpg$/.test(rest)) return at(rest, 'image/jpeg');
  if (rest === 'previews.vtt') return at(rest, 'text/vtt; charset=utf-8', 'previews');
  if (rest === 'chapters.vtt' || /^subs\/[a-z0-9]{1,32}\.vtt$/.test(rest)) return at(rest, 'text/vtt; charset=utf-8');
  const segment = !rest.includes('/') ? segmentContentType(rest) : null;
  return segment ? at(rest, segment, 'file', SEGMENT_CACHE) : null;
}

export interface VideoFilesPort {
  /** The video when it exists and is ready (else undefined). */
  readyVideo(id: string): Pick<Video, 'id' | 'visibility'> | undefined;
  dirOf(id: string): string;
  addView(id: string): void;
}

/** Serves one `/vod/<videoId>/...` request (called by the recordings' /vod/ routes). */
export function videoFileHandler(videos: VideoFilesPort, signer: Pick<UrlSigner, 'verify'>) {
  return async (req: FastifyRequest, reply: FastifyReply, id: string, rest: string): Promise<FastifyReply> => {
    const target = videoFile(rest);
    const video = target ? videos.readyVideo(id) : undefined;
    if (!target || !video) return sendError(reply, { code: 'NOT_FOUND', message: video === undefined && target ? `no ready video "${id}"` : 'no such file' });
    let query = '';
    if (video.visibility === 'private') {
      const verdict = signer.verify(`vod/${id}`, req.query as QueryLike, req.ip);
      if (!verdict.ok) {
        return sendError(reply, {
          code: 'FORBIDDEN',
          message: `video "${id}" is private: its URL must be signed (${verdict.reason.replace('_', ' ')})`,
          details: { reason: verdict.reason },
        });
      }
      query = signatureQueryOf(req.query as QueryLike);
    }
    const dir = videos.dirOf(id);
    const cacheControl = video.visibility === 'private' ? 'private, max-age=300' : target.cacheControl;
    // A view is a viewer's: the studio's own plays (its session cookie) do not count.
    if (target.view && req.method === 'GET' && !parseCookies(req.headers.cookie).has(SESSION_COOKIE)) videos.addView(id);
    if (target.kind !== 'file' && query) {
      let text: string;
      try {
        text = await fs.promises.readFile(path.join(dir, target.file), 'utf8');
      } catch {
        return sendError(reply, { code: 'NOT_FOUND', message: 'no such file' });
      }
      const signed = target.kind === 'playlist' ? signPlaylist(text, query) : target.kind === 'mpd' ? signMpd(text, query) : signPreviewVtt(text, query);
      return reply.header('Cache-Control', cacheControl).type(target.contentType).send(signed);
    }
    const slash = target.file.lastIndexOf('/');
    const outcome = await sendSessionFile(req, reply, slash === -1 ? dir : path.join(dir, target.file.slice(0, slash)), target.file.slice(slash + 1), {
      contentType: target.contentType,
      cacheControl,
    });
    if (outcome === 'sent') return reply;
    if (outcome === 'unsatisfiable') return reply.code(416).type('application/json').send({ error: { code: 'BAD_REQUEST', message: 'range not satisfiable' } });
    return sendError(reply, { code: 'NOT_FOUND', message: 'no such file' });
  };
}

export type VideoFileHandler = ReturnType<typeof videoFileHandler>;
