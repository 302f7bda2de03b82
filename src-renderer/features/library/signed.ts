import { useEffect, useState } from 'react';
import type { Video } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';

const LIFETIME_SEC = 6 * 3600;
/** Asked again this long before the signature expires: a page left open keeps working. */
const MARGIN_MS = 10 * 60_000;

const cache = new Map<string, { query: string; until: number }>();
const pending = new Map<string, Promise<string | null>>();

/**
 * The `exp=..&sig=..` query opening a private video's files (videos.watchUrl), asked once per video and
 * shared by its poster, player and previews until close to expiry; null when the host refused.
 */
export function signedQuery(id: string): Promise<string | null> {
  const hit = cache.get(id);
  if (hit && hit.until > Date.now()) return Promise.resolve(hit.query);
  let asking = pending.get(id);
  if (!asking) {
    asking = call('videos.watchUrl', { id, expiresInSec: LIFETIME_SEC })
      .then(
        (urls) => {
          const query = urls.hls.includes('?') ? urls.hls.slice(urls.hls.indexOf('?') + 1) : '';
          cache.set(id, { query, until: (urls.expiresAt ?? Date.now() + LIFETIME_SEC * 1000) - MARGIN_MS });
          return query;
        },
        () => null,
      )
      .finally(() => pending.delete(id));
    pending.set(id, asking);
  }
  return asking;
}

/** What a ready video's file URLs need: '' for a public or unlisted one, the signed query for a private one (null until known). */
export function useSignedQuery(v: Pick<Video, 'id' | 'state' | 'visibility'> | undefined): string | null {
  const needs = v?.state === 'ready' && v.visibility === 'private';
  const id = v?.id ?? '';
  const [got, setGot] = useState<{ id: string; query: string } | null>(null);
  useEffect(() => {
    if (!needs) return;
    let dead = false;
    void signedQuery(id).then((query) => !dead && query !== null && setGot({ id, query }));
    return () => {
      dead = true;
    };
  }, [id, needs]);
  if (!needs) return '';
  return got?.id === id ? got.query : null;
}

/** A file URL with the signed query, when there is one. */
export const signedUrl = (url: string, query: string): string => (query ? `${url}${url.includes('?') ? '&' : '?'}${query}` : url);
