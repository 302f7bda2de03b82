import { itemHref, useHashItem } from '../../ui/hash-route.js';

/** `#/podcasts/show_abc` -> `show_abc`; `#/podcasts` (the list) -> null. */
export const useSelectedShow = (): string | null => useHashItem('podcasts');

export const showHref = (id: string | null): string => itemHref('podcasts', id);

export function openShow(id: string | null): void {
  window.location.hash = showHref(id);
}
