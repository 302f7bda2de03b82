// Which page is ours (pure: no Electron here, so the rule is unit-tested).

/**
 * Where the window's page comes from: the host's root page over HTTP while the server runs (so the
 * page reaches the host's media, uploads and WHIP at its own origin with the window's sign-in, as in
 * any browser), else the built index.html from file://.
 */
export interface AppPages {
  /** file:// URL of the built index.html. */
  indexUrl: string;
  /** The host's base URL while its server runs, else null. */
  hostUrl(): string | null;
}

/** True when `url` is our own page, whatever its #route or ?query; never another page of the host. */
export function isAppPage(url: string, pages: AppPages): boolean {
  try {
    const page = new URL(url);
    if (page.protocol === 'file:') {
      const ours = new URL(pages.indexUrl);
      return page.host === ours.host && page.pathname === ours.pathname;
    }
    const host = pages.hostUrl();
    return host !== null && (page.protocol === 'http:' || page.protocol === 'https:') && page.origin === new URL(host).origin && page.pathname === '/';
  } catch {
    return false;
  }
}

/** True when `origin` (as a permission check gives it) is our page's: the host's, or file:// for the built page. */
export function isAppOrigin(origin: string, pages: AppPages): boolean {
  if (origin === 'file://' || origin === 'file:///') return true;
  const host = pages.hostUrl();
  try {
    return host !== null && new URL(origin).origin === new URL(host).origin;
  } catch {
    return false;
  }
}
