import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** `#/library/vid_abc` -> `vid_abc`; `#/library` -> null. */
export function videoFromHash(hash: string): string | null {
  const [page, id] = hash.replace(/^#\/?/, '').split('?')[0]?.split('/') ?? [];
  return page === 'library' && id ? decodeURIComponent(id) : null;
}

export function useSelectedVideo(): string | null {
  return useSyncExternalStore(subscribe, () => videoFromHash(window.location.hash));
}

export function videoHref(id: string | null): string {
  return id ? `#/library/${encodeURIComponent(id)}` : '#/library';
}
