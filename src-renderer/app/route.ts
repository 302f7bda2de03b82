import { useSyncExternalStore } from 'react';
import { subscribeHash } from '../ui/hash-route.js';

/** `#/settings` -> `settings`. Hash routes work from file:// (Electron) and any base path alike. */
export function useHashRoute(): string {
  return useSyncExternalStore(subscribeHash, () => window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '');
}

export function hrefFor(id: string): string {
  return `#/${id}`;
}
