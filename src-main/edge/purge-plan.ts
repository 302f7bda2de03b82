import type { PurgeRequest } from '../../src-shared/contract/cdn.js';
import type { TagIndex } from './access-log.js';

export type CacheVariant = 's' | 'p';

/**
 * The cache keys a purge touches. URLs are taken as given (path only: the cache key ignores the
 * query); prefix, pattern and tags are resolved against the index of what entered the cache.
 * Every URI is purged in both variants (signed and unsigned), as either may hold a copy.
 */
export function planPurge(request: PurgeRequest, index: TagIndex): string[] {
  const uris = new Set<string>();
  for (const url of request.urls ?? []) uris.add(pathOf(url));
  const pattern = request.pattern ? new RegExp(request.pattern) : null;
  const tags = new Set(request.tags ?? []);
  const { prefix } = request;
  if (prefix || pattern || tags.size > 0) {
    for (const uri of index.match(
      (u, t) => (prefix !== undefined && u.startsWith(prefix)) || (pattern !== null && pattern.test(u)) || [...t].some((tag) => tags.has(tag)),
    )) {
      uris.add(uri);
    }
  }
  return [...uris];
}

/** `/live/a/b.m3u8?sid=1` -> `/live/a/b.m3u8`, percent-decoded as nginx's `$uri` is. */
export function pathOf(url: string): string {
  const bare = url.split(/[?#]/, 1)[0]!;
  try {
    return decodeURIComponent(bare);
  } catch {
    return bare;
  }
}

/** The name a signed URL of `uri` is signed for (protocols/signing.ts): a stream, or `vod/<id>`. */
export function signedName(uri: string): string | null {
  const live = /^\/live\/([^/]+)\//.exec(uri);
  if (live) return live[1]!;
  const vod = /^\/vod\/([^/]+)\//.exec(uri);
  return vod ? `vod/${vod[1]!}` : null;
}
