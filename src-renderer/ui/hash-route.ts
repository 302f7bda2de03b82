import { useSyncExternalStore } from 'react';

/** Hash routes (`#/<page>/<item>`) work from file:// (Electron) and any base path alike. */
export function subscribeHash(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** `#/streams/show-1` with page `streams` -> `show-1`; `#/streams`, or another page -> null. */
export function itemFromHash(hash: string, page: string): string | null {
  const [first, item] = hash.replace(/^#\/?/, '').split('?')[0]?.split('/') ?? [];
  return first === page && item ? decodeURIComponent(item) : null;
}

/** The item of `page` the address shows now, following hash changes. */
export function useHashItem(page: string): string | null {
  return useSyncExternalStore(subscribeHash, () => itemFromHash(window.location.hash, page));
}

export function itemHref(page: string, item: string | null): string {
  return item ? `#/${page}/${encodeURIComponent(item)}` : `#/${page}`;
}
