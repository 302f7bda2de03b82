import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** `#/settings` -> `settings`. Hash routes work from file:// (Electron) and any base path alike. */
export function useHashRoute(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '');
}

export function hrefFor(id: string): string {
  return `#/${id}`;
}
