import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../core/logger.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { segmentContentType, sendSessionFile } from '../servers/hls/files.js';
import { contentDisposition, downloadFileName, isRecordingId, recordingUrls } from './naming.js';
import type { RecordingService } from './recording-service.js';
import { VOD_MANIFEST_FILE, VOD_MASTER_FILE } from './vod-args.js';
import { vodPlaylistOnTimeline, vodSpan } from './vod-timeline.js';
import { preflight } from '../http/cors.js';
import type { QueryLike, UrlSigner } from '../protocols/signing.js';
import type { StoredRecording } from './recording-store.js';
import type { StudioErrorShape } from '../../src-shared/errors.js';
import { rewriteMaster } from '../servers/hls/playlist.js';
import { signatureQueryOf, firstString } from '../protocols/signing.js';
import { LICENCE_REQUEST_EXPECTED, sendLicence, unauthorizedKey, type Admitted } from '../servers/hls/routes.js';
import { sendKey, type KeyGuard } from '../servers/hls/key-guard.js';
import { readCbcsFile, vodLicence, vodLicenceUrl } from './vod-cbcs.js';
import { CBCS_PREFIX, encryptVodPlaylist, parseEncryptedName, protectVodMpd, type VodKeys } from './vod-encryption.js';

/**
 * Files of recordings over HTTP:
 * - `GET /api/v1/recordings/:id/file`: the recording as a download (Range, ETag); the API token or a
 *   session is required (the global /api/v1 hook checks it).
 * - `GET /api/v1/recordings/:id/thumbnail.jpg`.
 * - `GET /vod/:id/download/<download name>?exp=&sig=`: a complete recording as a download through a
 *   signed URL (`signedDownloadPath`, signed for `vod/<id>`) instead of the API token: the edges
 *   verify it with njs and keep the file (in the signed variant of their mirror), so that a download
 *   costs the origin one transfer per edge. The name in the path is the download name, so that the
 *   edge, which keeps bodies and not headers, hands out the same file name.
 * - `GET /vod/:id/{index.m3u8,manifest.mpd,media_N.m3u8,<segment>}`: a converted VOD, public like live
 *   playback (the id is random), with CORS. Segment names carry the conversion's generation, so they
 *   are immutable; playlists and the MPD are cached briefly, since converting again replaces them.
 * - A recording of an encrypted stream (`VodProtection`) is served encrypted (vod-encryption.ts): its HLS
 *   media playlists name `aes-r<rotation>-<segment>` under EXT-X-KEYs whose URIs carry the viewer's
 *   credential (AES-128: every HLS player and ffmpeg), and `GET /vod/:id/keys/<kid>` answers a viewer the
 *   stream admits (401/403/404 as live); its DASH manifest names `cbcs-<file>`, served with Common
 *   Encryption (cbcs, one key), and `POST /vod/:id/licence` is its ClearKey licence server (EME), to the
 *   same viewers.
 * Errors are JSON `{"error":{code,message}}` with `Cache-Control: no-store`.
 */

/** Recordings of encrypted streams: their keys, and who may have them (the stream's own admission). */
export interface VodProtection {
  /** The keys of `recording` when its stream is encrypted (AES-128), else null: served clear. */
  keysOf(recording: StoredRecording): VodKeys | null;
  /** Whether the viewer of `req` may have `recording`'s keys (the admission of the stream that made it). */
  admit(req: FastifyRequest, recording: StoredRecording): Promise<Admitted>;
  /** The live key routes' rate limit and audit, shared: a viewer's VOD keys count with its live ones. */
  guard?: KeyGuard;
}

/** The refusal of a recording's keys once the stream that made it is deleted: they go only to its own signed URL. */
export const recordingOfDeletedStream = (recording: StoredRecording): StudioErrorShape => ({
  code: 'FORBIDDEN',
  message: `recording "${recording.id}" was made by a stream "${recording.stream}" since deleted: its keys go only to the recording's own signed URL (GET /api/v1/recordings/${recording.id}/playback)`,
  details: { reason: 'stream_deleted' },
});

export type RecordingFiles = Pick<RecordingService, 'fileOf' | 'readyVodDir'>;

const CONTAINER_TYPES = { mp4: 'video/mp4', mkv: 'video/x-matroska' } as const;
const M3U8 = 'application/vnd.apple.mpegurl';
const MPD = 'application/dash+xml';
const SEGMENT_CACHE = 'public, max-age=31536000, immutable';
const MANIFEST_CACHE = 'public, max-age=60';
const PRIVATE_CACHE = 'private, no-cache';
/** An encrypted recording's playlists carry the viewer's credential: no shared cache keeps them. */
const PRIVATE_PLAYLIST_CACHE = 'private, max-age=60';

/** The credential of a request (signature, JWT) to carry on in the URIs of an answer, or ''. */
function credentialOf(req: FastifyRequest): string {
  const query = req.query as QueryLike;
  const jwt = firstString(query.jwt);
  return [signatureQueryOf(query), jwt ? `jwt=${encodeURIComponent(jwt)}` : ''].filter(Boolean).join('&');
}
/** The edges' mirror answers signed downloads with the same (nginx-conf.ts `$edge_mirror_cache_control`). */
const SIGNED_DOWNLOAD_CACHE = 'private, max-age=3600';

/**
 * The name a recording's own URLs (its download, its VOD's playback) are signed for; the edges' njs
 * derives it from `/vod/<id>/`. An encrypted recording's keys go to it as to its stream's viewers.
 */
export const signedDownloadName = (id: string): string => `vod/${id}`;

/** The signature query (`exp=..&sig=..`) of a recording's own URLs, valid `expiresInSec`. */
const recordingSignature = (signer: Pick<UrlSigner, 'sign'>, id: string, expiresInSec: number): string =>
  new URLSearchParams(signer.sign(signedDownloadName(id), { expiresInSec })).toString();

/** A signed download path of a complete recording, valid `expiresInSec`. */
export function signedDownloadPath(signer: Pick<UrlSigner, 'sign'>, recording: Pick<StoredRecording, 'id' | 'stream' | 'startedAt' | 'container'>, expiresInSec: number): string {
  const name = encodeURIComponent(downloadFileName(recording.stream, recording.startedAt, recording.container));
  return `/vod/${recording.id}/download/${name}?${recordingSignature(signer, recording.id, expiresInSec)}`;
}

/** Signed playback paths of a recording's VOD (HLS and DASH, one signature), valid `expiresInSec`. */
export function signedPlaybackPaths(signer: Pick<UrlSigner, 'sign'>, id: string, expiresInSec: number): { hls: string; dash: string } {
  const query = recordingSignature(signer, id, expiresInSec);
  return { hls: `${recordingUrls.hls(id)}?${query}`, dash: `${recordingUrls.dash(id)}?${query}` };
}
const MEDIA_PLAYLIST_RE = /^media_\d{1,3}\.m3u8$/;

type Params = { id?: string; file?: string };

/** A VOD URL's file name -> the file in the VOD folder, its type and caching; null when not served. */
export function vodFile(name: string): { file: string; contentType: string; cacheControl: string } | null {
  if (name === 'index.m3u8' || name === VOD_MASTER_FILE) return { file: VOD_MASTER_FILE, contentType: M3U8, cacheControl: MANIFEST_CACHE };
  if (name === VOD_MANIFEST_FILE) return { file: VOD_MANIFEST_FILE, contentType: MPD, cacheControl: MANIFEST_CACHE };
  if (MEDIA_PLAYLIST_RE.test(name)) return { file: name, contentType: M3U8, cacheControl: MANIFEST_CACHE };
  const segment = segmentContentType(name);
  return segment ? { file: name, contentType: segment, cacheControl: SEGMENT_CACHE } : null;
}

/** Serves `/vod/<id>/<rest>` of an id that is not a recording's (the video library's). */
export type OtherVodFiles = (req: FastifyRequest, reply: FastifyReply, id: string, rest: string) => Promise<FastifyReply>;

/** The stream's data messages of a span of the program timeline, as EXT-X-DATERANGE lines (data/timed-metadata.ts). */
export interface VodReplay {
  replayDateRanges(stream: string, fromPdt: number, toPdt: number): string[];
}

export function recordingRoutes(
  service: RecordingFiles,
  logger: Logger,
  signer?: Pick<UrlSigner, 'verify'>,
  otherVod?: () => OtherVodFiles | undefined,
  replay?: VodReplay,
  protection?: VodProtection,
): HttpPlugin {
  return async (app) => {
    await app.register(async (scope) => recordingScope(scope, service, logger, signer, otherVod, replay, protection));
  };
}

async function recordingScope(
  scope: FastifyInstance,
  service: RecordingFiles,
  logger: Logger,
  signer?: Pick<UrlSigner, 'verify'>,
  otherVod?: () => OtherVodFiles | undefined,
  replay?: VodReplay,
  protection?: VodProtection,
): Promise<void> {
  const notFound = (reply: FastifyReply, message: string): FastifyReply => sendError(reply, { code: 'NOT_FOUND', message });

  scope.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/vod/')) return;
    reply.header('Access-Control-Allow-Origin', '*');
    reply.header('Access-Control-Expose-Headers', 'Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified');
  });
  scope.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode >= 400) reply.header('Cache-Control', 'no-store');
    return payload;
  });
  scope.setErrorHandler((error: Error & { statusCode?: number }, req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 404) return notFound(reply, error.message);
    if (status >= 400 && status < 500) return sendError(reply, { code: 'BAD_REQUEST', message: error.message });
    logger.error({ err: error, url: req.url }, 'recording file request failed');
    return sendError(reply, { code: 'INTERNAL', message: 'internal error; see the host log' });
  });

  async function send(
    req: FastifyRequest,
    reply: FastifyReply,
    dir: string,
    file: string,
    headers: { contentType: string; cacheControl: string },
  ): Promise<FastifyReply> {
    const outcome = await sendSessionFile(req, reply, dir, file, headers);
    if (outcome === 'sent') return reply;
    reply.removeHeader('Content-Disposition');
    if (outcome === 'unsatisfiable') {
      return reply.code(416).type('application/json').send({ error: { code: 'BAD_REQUEST', message: 'range not satisfiable' } });
    }
    return notFound(reply, 'no such file');
  }

  scope.get('/api/v1/recordings/:id/file', async (req, reply) => {
    const { id = '' } = req.params as Params;
    const found = service.fileOf(id, 'file');
    if (!found) return notFound(reply, `no recording "${id}"`);
    const { recording } = found;
    reply.header('Content-Disposition', contentDisposition(downloadFileName(recording.stream, recording.startedAt, recording.container)));
    return send(req, reply, found.dir, found.file, { contentType: CONTAINER_TYPES[recording.container], cacheControl: PRIVATE_CACHE });
  });

  scope.get('/api/v1/recordings/:id/thumbnail.jpg', async (req, reply) => {
    const { id = '' } = req.params as Params;
    const found = service.fileOf(id, 'thumbnail');
    if (!found) return notFound(reply, `no thumbnail for recording "${id}"`);
    return send(req, reply, found.dir, found.file, { contentType: 'image/jpeg', cacheControl: PRIVATE_CACHE });
  });

  scope.get('/vod/:id/download/:name', async (req, reply) => {
    const { id = '', name = '' } = req.params as Params & { name?: string };
    const found = isRecordingId(id) ? service.fileOf(id, 'file') : undefined;
    // Only a finished file: an edge keeps what it fetched, so a growing recording must not leave here.
    if (!found || !signer || found.recording.state !== 'complete') return notFound(reply, `no complete recording "${id}"`);
    const { recording } = found;
    const fileName = downloadFileName(recording.stream, recording.startedAt, recording.container);
    if (name !== fileName) return notFound(reply, 'no such file');
    const verdict = signer.verify(signedDownloadName(id), req.query as QueryLike, req.ip);
    if (!verdict.ok) {
      return sendError(reply, {
        code: 'FORBIDDEN',
        message: `a recording download URL must be signed (${verdict.reason.replace('_', ' ')})`,
        details: { reason: verdict.reason },
      });
    }
    reply.header('Content-Disposition', contentDisposition(fileName));
    return send(req, reply, found.dir, found.file, { contentType: CONTAINER_TYPES[recording.container], cacheControl: SIGNED_DOWNLOAD_CACHE });
  });

  scope.get('/vod/:id/:file', async (req, reply) => {
    const { id = '', file = '' } = req.params as Params;
    const other = isRecordingId(id) ? undefined : otherVod?.();
    if (other) return other(req, reply, id, file);
    const target = vodFile(file);
    if (!isRecordingId(id) || !target) return notFound(reply, 'no such file');
    const dir = service.readyVodDir(id);
    if (!dir) return notFound(reply, `no VOD of recording "${id}"`);
    const recording = service.fileOf(id, 'file')?.recording;
    const keys = recording ? (protection?.keysOf(recording) ?? null) : null;
    if (keys && !MEDIA_PLAYLIST_RE.test(target.file)) return sendEncrypted(req, reply, id, dir, file, target, keys);
    const onTimeline = replay && recording?.startPdt != null;
    if (MEDIA_PLAYLIST_RE.test(target.file) && (onTimeline || keys)) {
      const text = await fs.promises.readFile(path.join(dir, target.file), 'utf8').catch(() => null);
      if (text === null) return notFound(reply, 'no such file');
      let body = text;
      if (onTimeline) {
        // On the live program timeline, with the stream's data of that span (vod-timeline.ts).
        const span = vodSpan(text, recording.startPdt!);
        body = vodPlaylistOnTimeline(text, recording.startPdt!, replay.replayDateRanges(recording.stream, span.fromPdt, span.toPdt));
      }
      if (keys) return reply.header('Cache-Control', PRIVATE_PLAYLIST_CACHE).type(M3U8).send(encryptVodPlaylist(body, keys, credentialOf(req)));
      return reply.header('Cache-Control', target.cacheControl).type(M3U8).send(body);
    }
    return send(req, reply, dir, target.file, target);
  });

  /** The master, MPD, segments and initialization sections of an encrypted recording's VOD (media playlists above). */
  async function sendEncrypted(
    req: FastifyRequest,
    reply: FastifyReply,
    id: string,
    dir: string,
    file: string,
    target: { file: string; contentType: string; cacheControl: string },
    keys: VodKeys,
  ): Promise<FastifyReply> {
    if (target.contentType === MPD) {
      const text = await fs.promises.readFile(path.join(dir, target.file), 'utf8').catch(() => null);
      if (text === null) return notFound(reply, 'no such file');
      const licence = vodLicenceUrl(req, id, credentialOf(req));
      return reply.header('Cache-Control', PRIVATE_PLAYLIST_CACHE).header('Vary', 'X-Forwarded-Host').type(MPD).send(protectVodMpd(text, keys.cbcsKid, licence));
    }
    if (file.startsWith(CBCS_PREFIX)) return sendCbcs(reply, id, dir, file.slice(CBCS_PREFIX.length), keys);
    if (target.contentType === M3U8) {
      const text = await fs.promises.readFile(path.join(dir, target.file), 'utf8').catch(() => null);
      if (text === null) return notFound(reply, 'no such file');
      // The viewer's credential goes on to the media playlists, which put it on the key URIs.
      return reply.header('Cache-Control', PRIVATE_PLAYLIST_CACHE).type(M3U8).send(rewriteMaster(text, { query: credentialOf(req), mapUri: (uri) => uri }));
    }
    const encrypted = parseEncryptedName(file);
    if (encrypted) {
      const data = vodFile(encrypted.file) ? await fs.promises.readFile(path.join(dir, encrypted.file)).catch(() => null) : null;
      if (data === null) return notFound(reply, 'no such file');
      return reply.header('Cache-Control', SEGMENT_CACHE).type(target.contentType).send(keys.encrypt(encrypted.file, data, encrypted.rotation ?? keys.rotation));
    }
    // Initialization sections hold no picture and stay clear; a segment by its clear name is never served.
    if (file.startsWith('init-')) return send(req, reply, dir, target.file, target);
    return notFound(reply, `the segments of an encrypted recording are served encrypted only (${keys.encryptedName(file)})`);
  }

  /** An initialization section or a segment of an encrypted recording's DASH manifest, protected with its cbcs key. */
  async function sendCbcs(reply: FastifyReply, id: string, dir: string, clear: string, keys: VodKeys): Promise<FastifyReply> {
    const target = vodFile(clear);
    if (!target || target.cacheControl !== SEGMENT_CACHE) return notFound(reply, 'no such file');
    const file = await readCbcsFile(dir, clear, keys);
    if ('body' in file) return reply.header('Cache-Control', SEGMENT_CACHE).type(target.contentType).send(file.body);
    if ('missing' in file) return notFound(reply, file.missing);
    logger.warn({ recording: id, file: clear, reason: file.unsupported }, 'a VOD segment could not be encrypted with cbcs');
    return notFound(reply, `recording "${id}" cannot be served with Common Encryption (${file.unsupported}): play its index.m3u8 (AES-128)`);
  }

  /**
   * Whether the viewer of `req` may have `recording`'s keys: its own signed URL (recordings.playback,
   * what edges check) or a viewer its stream admits. Answers the refusal itself (audited).
   */
  async function mayHaveKeys(req: FastifyRequest, reply: FastifyReply, recording: StoredRecording, protection: VodProtection): Promise<boolean> {
    const ownUrl = firstString((req.query as QueryLike).sig) !== undefined && signer?.verify(signedDownloadName(recording.id), req.query as QueryLike, req.ip).ok === true;
    const admitted = ownUrl ? ({ ok: true } as const) : await protection.admit(req, recording);
    if (admitted.ok) return true;
    protection.guard?.auditRefusal(req, recording.stream, `${admitted.bare ? 'UNAUTHORIZED' : admitted.error.code} (recording ${recording.id})`);
    sendError(reply, admitted.bare ? unauthorizedKey(recording.stream) : admitted.error);
    return false;
  }

  /** An encrypted recording's ClearKey licence server (its DASH manifest names it): the VOD's cbcs key to the viewers its keys go to. */
  void scope.register(async (licence) => {
    licence.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, data, done) => done(null, data));
    licence.post('/vod/:id/licence', { bodyLimit: 8192 }, async (req, reply) => {
      if (protection?.guard?.limited(req, reply)) return reply;
      const { id = '' } = req.params as Params;
      // A library video's licence (vod/routes.ts), under the same limit.
      const other = !isRecordingId(id) ? otherVod?.() : undefined;
      if (other) return other(req, reply, id, 'licence');
      const recording = isRecordingId(id) ? service.fileOf(id, 'file')?.recording : undefined;
      const keys = recording ? (protection?.keysOf(recording) ?? null) : null;
      if (!recording || !keys || !protection) return notFound(reply, `recording "${id}" is not encrypted: it has no licence server`);
      if (!(await mayHaveKeys(req, reply, recording, protection))) return reply;
      const answer = vodLicence(req.body, keys);
      if (answer === 'bad-request') return sendError(reply, LICENCE_REQUEST_EXPECTED);
      if (answer === 'no-such-key') return notFound(reply, `recording "${id}" has none of the keys asked for`);
      protection.guard?.auditFirst(req, recording.stream, id, `first key of recording ${id} (${keys.cbcsKid}, licence)`);
      return sendLicence(reply, [answer]);
    });
  });

  scope.get('/vod/:id/keys/:kid', async (req, reply) => {
    if (protection?.guard?.limited(req, reply)) return reply;
    const { id = '', kid = '' } = req.params as Params & { kid?: string };
    // A library video's keys (vod/routes.ts), under the same limit.
    const other = !isRecordingId(id) ? otherVod?.() : undefined;
    if (other) return other(req, reply, id, `keys/${kid}`);
    const recording = isRecordingId(id) ? service.fileOf(id, 'file')?.recording : undefined;
    const keys = recording ? (protection?.keysOf(recording) ?? null) : null;
    if (!recording || !keys || !protection) return notFound(reply, `recording "${id}" has no keys`);
    if (!(await mayHaveKeys(req, reply, recording, protection))) return reply;
    const key = keys.keyForDuration(kid, recording.durationSec);
    if (!key) return notFound(reply, `recording "${id}" has no key "${kid}"`);
    protection.guard?.auditFirst(req, recording.stream, id, `first key of recording ${id} (${kid})`);
    return sendKey(reply, key);
  });

  scope.options('/vod/*', preflight('GET, HEAD, POST, OPTIONS', 'Range, If-None-Match, Content-Type'));

  // Anything else under /vod (traversal attempts, nested paths, unknown files) is a JSON 404.
  scope.route({
    method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/vod/*',
    handler: async (req, reply) => {
      const nested = /^\/vod\/([^/]+)\/(.+)$/.exec(req.url.split('?')[0] ?? '');
      const other = req.method === 'GET' && nested && !isRecordingId(nested[1]!) ? otherVod?.() : undefined;
      if (other && nested) return other(req, reply, nested[1]!, nested[2]!);
      return notFound(reply, `nothing at ${req.method} ${req.url.split('?')[0]}`);
    },
  });
}
