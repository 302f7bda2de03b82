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
import type { StudioErrorShape } from '../../src-shared/errors.js';
import { sendKey, type KeyGuard } from '../servers/hls/key-guard.js';
import { CBCS_PREFIX, encryptVodPlaylist, parseEncryptedName, protectVodMpd, type VodKeys } from '../recorder/vod-encryption.js';
import { readCbcsFile, vodLicence, vodLicenceUrl } from '../recorder/vod-cbcs.js';
import { LICENCE_REQUEST_EXPECTED, sendLicence } from '../servers/hls/routes.js';
import { VOD_FILES } from './urls.js';
import { P2P_HASH_SUFFIX } from '../../src-shared/p2p.js';
import { SegmentHashes } from '../servers/hls/segment-hashes.js';

/**
 * A ready video's files at `/vod/<videoId>/<file>` (the recordings' routes hand video ids over:
 * they own `/vod/`). Public and unlisted videos are served as files; a private one needs a URL
 * signed for `vod/<id>` (videos.watchUrl), and its text files pass the signature on to every
 * address in them. Segment names carry the processing's generation (immutable); everything else
 * is replaced when the video is processed again, so it is cached briefly (the edges are purged).
 * An encrypted video (`encryption: aes-128`) is served as an encrypted recording is: AES-128 HLS (its
 * media playlists name `aes-r<rotation>-<segment>` under EXT-X-KEYs, its keys at `keys/<kid>`) and a
 * Common Encryption MPD (`cbcs-<file>` names, its ClearKey licence server at `licence`); keys and
 * licences go to whoever may watch it (a private video's: its signed URL), rate-limited and audited
 * with every other key; its segments by their clear names and its MP4 are not served. Stills and
 * subtitles stay clear. `<segment>.sha256` is the SHA-256 of a media segment, which the watch page's
 * P2P viewers check a peer's copy against (src-shared/p2p.ts); an encrypted video has none.
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
  readyVideo(id: string): (Pick<Video, 'id' | 'visibility' | 'encryption'> & { media: { durationSec: number } | null }) | undefined;
  dirOf(id: string): string;
  addView(id: string): void;
}

/** The keys of encrypted videos, and the guard every key route shares (entry/live.ts). */
export interface VideoProtection {
  keysOf(videoId: string): VodKeys;
  guard?: KeyGuard;
}

const notFound = (message: string): StudioErrorShape => ({ code: 'NOT_FOUND', message });
const clearRefused = (what: string): StudioErrorShape =>
  notFound(`this video is encrypted: ${what} is not served (play its index.m3u8 or its manifest.mpd)`);

/** Serves one `/vod/<videoId>/...` request (called by the recordings' /vod/ routes). */
export function videoFileHandler(videos: VideoFilesPort, signer: Pick<UrlSigner, 'verify'>, protection?: VideoProtection) {
  const hashes = new SegmentHashes();
  return async (req: FastifyRequest, reply: FastifyReply, id: string, rest: string): Promise<FastifyReply> => {
    const kid = /^keys\/([0-9a-f]{32})$/.exec(rest)?.[1];
    // POST `licence` (the recordings' licence route hands it over): the ClearKey licence server of its MPD.
    const licence = rest === 'licence' && req.method === 'POST';
    const encrypted = parseEncryptedName(rest);
    const cbcs = rest.startsWith(CBCS_PREFIX) ? rest.slice(CBCS_PREFIX.length) : null;
    const hashOf = rest.endsWith(P2P_HASH_SUFFIX) ? rest.slice(0, -P2P_HASH_SUFFIX.length) : null;
    const target = kid || licence ? null : videoFile(encrypted?.file ?? cbcs ?? hashOf ?? rest);
    const video = target || kid || licence ? videos.readyVideo(id) : undefined;
    if (!video || (!target && !kid && !licence)) return sendError(reply, notFound(video === undefined && (target || kid || licence) ? `no ready video "${id}"` : 'no such file'));
    let query = '';
    if (video.visibility === 'private') {
      const verdict = signer.verify(`vod/${id}`, req.query as QueryLike, req.ip);
      if (!verdict.ok) {
        if (kid || licence) protection?.guard?.auditRefusal(req, `vod/${id}`, `FORBIDDEN (video ${id})`);
        return sendError(reply, {
          code: 'FORBIDDEN',
          message: `video "${id}" is private: its URL must be signed (${verdict.reason.replace('_', ' ')})`,
          details: { reason: verdict.reason },
        });
      }
      query = signatureQueryOf(req.query as QueryLike);
    }
    const dir = videos.dirOf(id);
    const keys = video.encryption !== 'none' && protection ? protection.keysOf(id) : null;
    if (kid) {
      const key = keys?.keyForDuration(kid, video.media?.durationSec ?? 0) ?? null;
      if (!key) return sendError(reply, notFound(keys ? `video "${id}" has no key "${kid}"` : `video "${id}" is not encrypted`));
      protection?.guard?.auditFirst(req, `vod/${id}`, id, `first key of video ${id} (${kid})`);
      return sendKey(reply, key);
    }
    if (licence) {
      if (!keys) return sendError(reply, notFound(`video "${id}" is not encrypted: it has no licence server`));
      const answer = vodLicence(req.body, keys);
      if (answer === 'bad-request') return sendError(reply, LICENCE_REQUEST_EXPECTED);
      if (answer === 'no-such-key') return sendError(reply, notFound(`video "${id}" has none of the keys asked for`));
      protection?.guard?.auditFirst(req, `vod/${id}`, id, `first key of video ${id} (${keys.cbcsKid}, licence)`);
      return sendLicence(reply, [answer]);
    }
    if (!target) return sendError(reply, notFound('no such file'));
    // A private video's files stay in its viewer's browser only; its playlists are asked again each time,
    // so that a change of what it serves (encrypted since, processed again) reaches a browser that played it.
    const media = target.cacheControl === SEGMENT_CACHE || target.contentType.startsWith('image/');
    const cacheControl = video.visibility === 'private' ? (media ? 'private, max-age=300' : 'private, no-cache') : target.cacheControl;
    const segment = target.cacheControl === SEGMENT_CACHE && !target.file.startsWith('init-');
    if (hashOf !== null) {
      if (!segment || target.file.includes('/')) return sendError(reply, notFound('no such file'));
      if (video.encryption !== 'none') return sendError(reply, notFound(`video "${id}" is encrypted: its segments are not shared between viewers`));
      const found = await hashes.ofFile(dir, target.file);
      if (!found) return sendError(reply, notFound('no such file'));
      return reply.header('Cache-Control', found.final ? cacheControl : 'no-store').type('text/plain; charset=utf-8').send(`${found.hash}\n`);
    }
    // A view is a viewer's: the studio's own plays (its session cookie) do not count.
    const countView = (): void => {
      if (target.view && req.method === 'GET' && !parseCookies(req.headers.cookie).has(SESSION_COOKIE)) videos.addView(id);
    };
    if (encrypted) {
      // `aes-r<rotation>-<segment>`: the clear file encrypted as it is sent (its name and IV say with which key).
      if (!keys || !segment) return sendError(reply, notFound('no such file'));
      const data = await fs.promises.readFile(path.join(dir, target.file)).catch(() => null);
      if (data === null) return sendError(reply, notFound('no such file'));
      return reply.header('Cache-Control', cacheControl).type(target.contentType).send(keys.encrypt(target.file, data, encrypted.rotation ?? keys.rotation));
    }
    if (cbcs !== null) {
      // `cbcs-<file>`: an initialization section or a segment of its Common Encryption MPD.
      if (!keys || target.cacheControl !== SEGMENT_CACHE) return sendError(reply, notFound('no such file'));
      const file = await readCbcsFile(dir, target.file, keys);
      if ('body' in file) return reply.header('Cache-Control', cacheControl).type(target.contentType).send(file.body);
      return sendError(reply, notFound('missing' in file ? file.missing : `video "${id}" cannot be served with Common Encryption (${file.unsupported}): play its index.m3u8`));
    }
    if (keys) {
      if (target.kind === 'mpd') {
        const text = await fs.promises.readFile(path.join(dir, target.file), 'utf8').catch(() => null);
        if (text === null) return sendError(reply, notFound('no such file'));
        countView();
        const xml = protectVodMpd(text, keys.cbcsKid, vodLicenceUrl(req, id, query));
        return reply.header('Cache-Control', cacheControl).header('Vary', 'X-Forwarded-Host').type(target.contentType).send(query ? signMpd(xml, query) : xml);
      }
      if (target.file === VOD_FILES.mp4) return sendError(reply, clearRefused('a clear MP4'));
      if (segment) return sendError(reply, clearRefused(`a segment by its clear name (${keys.encryptedName(target.file)} is)`));
      if (/^media_\d{1,3}\.m3u8$/.test(target.file)) {
        const text = await fs.promises.readFile(path.join(dir, target.file), 'utf8').catch(() => null);
        if (text === null) return sendError(reply, notFound('no such file'));
        // A private video's signature goes on every address (segments, initialization, keys).
        return reply.header('Cache-Control', cacheControl).type(target.contentType).send(encryptVodPlaylist(query ? signPlaylist(text, query) : text, keys, query));
      }
    }
    countView();
    if (target.kind !== 'file' && query) {
      let text: string;
      try {
        text = await fs.promises.readFile(path.join(dir, target.file), 'utf8');
      } catch {
        return sendError(reply, notFound('no such file'));
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
    return sendError(reply, notFound('no such file'));
  };
}

export type VideoFileHandler = ReturnType<typeof videoFileHandler>;
