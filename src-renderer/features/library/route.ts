import { itemFromHash, itemHref, useHashItem } from '../../ui/hash-route.js';

/** `#/library/vid_abc` -> `vid_abc`; `#/library` -> null. */
export const videoFromHash = (hash: string): string | null => itemFromHash(hash, 'library');

export const useSelectedVideo = (): string | null => useHashItem('library');

export const videoHref = (id: string | null): string => itemHref('library', id);
