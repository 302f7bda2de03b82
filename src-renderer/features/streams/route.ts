import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** `#/streams/show-1` -> `show-1`; `#/streams` -> null. */
export function selectedFromHash(hash: string): string | null {
  const [page, name] = hash.replace(/^#\/?/, '').split('?')[0]?.split('/') ?? [];
  return page === 'streams' && name ? decodeURIComponent(name) : null;
}

export function useSelectedStream(): string | null {
  return useSyncExternalStore(subscribe, () => selectedFromHash(window.location.hash));
}

export function streamHref(name: string | null): string {
  return name ? `#/streams/${encodeURIComponent(name)}` : '#/streams';
}

export function selectStream(name: string | null): void {
  window.location.hash = streamHref(name);
}
