import { itemFromHash, itemHref, useHashItem } from '../../ui/hash-route.js';

/** `#/streams/show-1` -> `show-1`; `#/streams` -> null. */
export const selectedFromHash = (hash: string): string | null => itemFromHash(hash, 'streams');

export const useSelectedStream = (): string | null => useHashItem('streams');

export const streamHref = (name: string | null): string => itemHref('streams', name);

export function selectStream(name: string | null): void {
  window.location.hash = streamHref(name);
}
