import { streamTag, type PurgeRequest } from '../../src-shared/contract/cdn.js';
import { pathOf, type CacheVariant } from './purge-plan.js';

/**
 * Which live playlists the agent keeps as files (the playlist tier of nginx-conf.ts) and what to do
 * with each answer of the origin. Pure: the clock and the answers are given; playlist-mirror.ts does
 * the fetching and the files.
 *
 * Why files: a `proxy_cache` hit of a small playlist is ~0.86x static nginx by itself (the cache file's
 * header and stored upstream headers are read and parsed on every hit), so a playlist that viewers
 * ask for is kept as a plain file, refreshed from the origin every `refreshMs`.
 * - Active while requested: a playlist becomes active on any request the access log shows (the first
 *   goes through proxy_cache, later hits of the file are sampled one in PLAYLIST_HIT_SAMPLE), and
 *   stops `idleMs` after the last one: its file is deleted, so a viewer joining after a quiet spell is
 *   never handed an old copy (it goes to the origin through proxy_cache, which activates it again).
 * - Only answers the origin lets every viewer share with the 1 s lifetime the file location sends
 *   (`200`, `Cache-Control: public, max-age=1`) are written. Any other answer (a 404, an ended
 *   stream's longer max-age, a `private` master that carries the asker's viewer id) deletes the file
 *   and pauses the playlist for `cooldownMs`: proxy_cache serves it as before.
 * - The origin failing (no answer, 5xx): the last file stays (stale on error, as
 *   proxy_cache_use_stale does) for `staleMs` after the last good answer, then is deleted.
 */

export interface PlaylistLimits {
  refreshMs: number;
  idleMs: number;
  staleMs: number;
  cooldownMs: number;
}

export const PLAYLIST_LIMITS: PlaylistLimits = { refreshMs: 500, idleMs: 10_000, staleMs: 60_000, cooldownMs: 10_000 };

/** The Cache-Control the file location sends (nginx-conf.ts); only answers carrying exactly this are kept as files. */
export const PLAYLIST_CACHE_CONTROL = 'public, max-age=1';

/** A live playlist or manifest the file tier may hold: `/live/<name>/<file>.m3u8|.mpd`. */
export function isLivePlaylist(uri: string): boolean {
  return /^\/live\/[^/]+\/[^/]+\.(?:m3u8|mpd)$/.test(uri) && !uri.includes('\0') && !/\/\.\.?\//.test(uri);
}

export interface PlaylistEntry {
  uri: string;
  variant: CacheVariant;
  lastSeenMs: number;
  /** The last answer written (or found unchanged); null before the first. */
  lastOkMs: number | null;
  /** Whether a file is on disk. */
  hasFile: boolean;
  /** Body of the file on disk (to skip identical rewrites and tell a fresh playlist). */
  body: string | null;
  /** Surrogate-Key tags of the last answer (purges by tag). */
  tags: string[];
  /** Counted up on every purge and removal: an answer to an older generation's fetch is dropped. */
  generation: number;
  inFlight: boolean;
}

export type OriginAnswer =
  | { kind: 'ok'; status: number; cacheControl: string | null; body: string; tags: string[] }
  | { kind: 'failed' };

/** What the caller does with an answer: write the body, leave the file, or delete it. */
export type AnswerAction = { do: 'write'; body: string; changed: boolean } | { do: 'keep' } | { do: 'delete' };

export const entryKey = (variant: CacheVariant, uri: string): string => `${variant}${uri}`;

export class PlaylistPlan {
  private readonly entries = new Map<string, PlaylistEntry>();
  private readonly paused = new Map<string, number>();
  private generations = 0;

  constructor(private readonly limits: PlaylistLimits = PLAYLIST_LIMITS) {}

  get size(): number {
    return this.entries.size;
  }

  get(variant: CacheVariant, uri: string): PlaylistEntry | undefined {
    return this.entries.get(entryKey(variant, uri));
  }

  /** A viewer's request of `uri` (from the access log); true when it made the playlist active. */
  seen(uri: string, variant: CacheVariant, now: number): boolean {
    if (!isLivePlaylist(uri)) return false;
    const key = entryKey(variant, uri);
    const entry = this.entries.get(key);
    if (entry) {
      entry.lastSeenMs = Math.max(entry.lastSeenMs, now);
      return false;
    }
    if ((this.paused.get(key) ?? 0) > now) return false;
    this.paused.delete(key);
    this.entries.set(key, { uri, variant, lastSeenMs: now, lastOkMs: null, hasFile: false, body: null, tags: [], generation: ++this.generations, inFlight: false });
    return true;
  }

  /** Entries to fetch now (active, not already being fetched); marks them in flight. */
  due(): PlaylistEntry[] {
    const out: PlaylistEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.inFlight) continue;
      entry.inFlight = true;
      out.push(entry);
    }
    return out;
  }

  /**
   * The origin's answer to the fetch started for `entry` at `generation`. Null: the entry was purged
   * or removed meanwhile, the answer is dropped (a purge must not be undone by a fetch it overtook).
   */
  answered(entry: PlaylistEntry, generation: number, answer: OriginAnswer, now: number): AnswerAction | null {
    entry.inFlight = false;
    if (this.entries.get(entryKey(entry.variant, entry.uri)) !== entry || entry.generation !== generation) return null;
    if (answer.kind === 'failed' || answer.status >= 500) {
      if (!entry.hasFile) return { do: 'keep' };
      if (entry.lastOkMs !== null && now - entry.lastOkMs > this.limits.staleMs) {
        this.remove(entry, now, false);
        return { do: 'delete' };
      }
      return { do: 'keep' };
    }
    if (answer.status !== 200 || answer.cacheControl?.trim().toLowerCase() !== PLAYLIST_CACHE_CONTROL) {
      this.remove(entry, now, true);
      return { do: 'delete' };
    }
    entry.lastOkMs = now;
    entry.tags = answer.tags;
    const changed = entry.body !== answer.body;
    if (!changed && entry.hasFile) return { do: 'keep' };
    entry.body = answer.body;
    entry.hasFile = true;
    return { do: 'write', body: answer.body, changed };
  }

  /** Entries whose file must go now: idle (not requested for idleMs) or stale for longer than staleMs. */
  expire(now: number): PlaylistEntry[] {
    const out: PlaylistEntry[] = [];
    for (const entry of [...this.entries.values()]) {
      const idle = now - entry.lastSeenMs > this.limits.idleMs;
      const stale = entry.hasFile && entry.lastOkMs !== null && now - entry.lastOkMs > this.limits.staleMs;
      if (idle || stale) {
        this.remove(entry, now, false);
        out.push(entry);
      }
    }
    return out;
  }

  /** The entries a purge reaches (URLs, prefix, pattern, tags); they are forgotten (their files go). */
  purge(request: PurgeRequest, now: number): PlaylistEntry[] {
    const urls = new Set((request.urls ?? []).map(pathOf));
    const pattern = request.pattern ? new RegExp(request.pattern) : null;
    const tags = new Set(request.tags ?? []);
    const out: PlaylistEntry[] = [];
    for (const entry of [...this.entries.values()]) {
      const hit =
        urls.has(entry.uri) ||
        (request.prefix !== undefined && entry.uri.startsWith(request.prefix)) ||
        (pattern !== null && pattern.test(entry.uri)) ||
        entry.tags.some((t) => tags.has(t)) ||
        streamTagged(entry.uri, tags);
      if (!hit) continue;
      this.remove(entry, now, false);
      out.push(entry);
    }
    return out;
  }

  /** Everything (the agent stops). */
  clear(): PlaylistEntry[] {
    const all = [...this.entries.values()];
    for (const entry of all) entry.generation = -1;
    this.entries.clear();
    return all;
  }

  private remove(entry: PlaylistEntry, now: number, pause: boolean): void {
    entry.generation = -1;
    entry.hasFile = false;
    this.entries.delete(entryKey(entry.variant, entry.uri));
    if (pause) this.paused.set(entryKey(entry.variant, entry.uri), now + this.limits.cooldownMs);
    if (this.paused.size > 10_000) for (const [k, until] of this.paused) if (until <= now) this.paused.delete(k);
  }
}

/** A stream's playlists belong to tag `stream/<name>` even before an answer told their tags (a stream ending purges by it). */
function streamTagged(uri: string, tags: ReadonlySet<string>): boolean {
  if (tags.size === 0) return false;
  const name = /^\/live\/([^/]+)\//.exec(uri)?.[1];
  if (!name) return false;
  try {
    return tags.has(streamTag(decodeURIComponent(name))) || tags.has(streamTag(name));
  } catch {
    return tags.has(streamTag(name));
  }
}
