import fs from 'node:fs/promises';
import send from '@fastify/send';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseMediaPlaylist, type MediaPlaylist } from './playlist.js';

/**
 * Files of a packager session: segment names we agree to serve, their MIME types, a small cache of
 * playlists read from disk, and the file responder (Range, ETag/If-None-Match, Last-Modified through
 * @fastify/send; the session folder is its root, so nothing outside it can be reached).
 */

const SEGMENT_TYPES: Record<string, string> = {
  '.m4s': 'video/mp4',
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.ts': 'video/mp2t',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt; charset=utf-8',
};

/** A plain file name of a media type we serve: no folder, no dot-dot, no backslash, no `.tmp`. */
export function segmentContentType(file: string): string | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(file) || file.includes('..')) return null;
  const dot = file.lastIndexOf('.');
  return SEGMENT_TYPES[file.slice(dot).toLowerCase()] ?? null;
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  readAt: number;
  playlist: MediaPlaylist | null;
  text: string;
}

/** Reads small text files (playlists, MPDs), re-reading only when size or mtime changed. */
export class SessionFileCache {
  private readonly entries = new Map<string, CachedFile>();

  constructor(
    private readonly maxEntries = 512,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The file's text, or null when it does not exist. `finalSince`: the session ended at this time;
   * a copy read well after it is final and is returned without a stat.
   */
  async readText(path: string, finalSince: number | null = null): Promise<string | null> {
    return (await this.read(path, finalSince))?.text ?? null;
  }

  /** The parsed media playlist, or null when missing or unreadable. */
  async readPlaylist(path: string, finalSince: number | null = null): Promise<MediaPlaylist | null> {
    const entry = await this.read(path, finalSince);
    if (!entry) return null;
    entry.playlist ??= parseMediaPlaylist(entry.text);
    return entry.playlist;
  }

  private async read(path: string, finalSince: number | null): Promise<CachedFile | null> {
    const cached = this.entries.get(path);
    if (cached && finalSince !== null && cached.readAt > finalSince + 5_000) return cached;
    let stat;
    try {
      stat = await fs.stat(path);
    } catch {
      this.entries.delete(path);
      return null;
    }
    if (!stat.isFile()) return null;
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) {
      cached.readAt = this.now();
      return cached;
    }
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch {
      return null;
    }
    const entry: CachedFile = { mtimeMs: stat.mtimeMs, size: stat.size, readAt: this.now(), playlist: null, text };
    this.entries.delete(path);
    this.entries.set(path, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return entry;
  }
}

export type FileOutcome = 'sent' | 'not_found' | 'unsatisfiable';

/**
 * Sends `file` from `dir` (200, 206 for a Range, 304 for a matching If-None-Match). The reply is left
 * untouched unless the outcome is 'sent', so the caller answers errors in its own format.
 */
export async function sendSessionFile(
  req: FastifyRequest,
  reply: FastifyReply,
  dir: string,
  file: string,
  headers: { contentType: string; cacheControl: string },
): Promise<FileOutcome> {
  const result = await send(req.raw, `/${encodeURIComponent(file)}`, {
    root: dir,
    acceptRanges: true,
    etag: true,
    lastModified: true,
    cacheControl: false,
    contentType: false,
    dotfiles: 'deny',
    index: false,
    extensions: false,
  });
  if (result.type !== 'file') {
    if (result.statusCode === 416) {
      reply.header('Content-Range', result.headers['Content-Range'] ?? 'bytes */0');
      return 'unsatisfiable';
    }
    return 'not_found';
  }
  reply.code(result.statusCode).headers(result.headers).header('Cache-Control', headers.cacheControl);
  if (result.statusCode !== 304) reply.header('Content-Type', headers.contentType);
  void reply.send(result.stream);
  return 'sent';
}
