import { shell, type Session, type WebContents } from 'electron';
import { isAppPage } from './app-paths.js';

/** Links the creator clicks (docs, a stream page) go to the OS browser, never into our window. */
export function isExternalLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:' || protocol === 'mailto:';
  } catch {
    return false;
  }
}

function openOutside(url: string): void {
  if (isExternalLink(url)) void shell.openExternal(url);
}

/**
 * Keeps the window on our own page: no popups, no navigation elsewhere, no <webview>.
 * Hash routes are in-page navigations and never reach will-navigate.
 */
export function guardWebContents(contents: WebContents, indexUrl: string): void {
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url: string): void => {
    if (isAppPage(url, indexUrl)) return;
    event.preventDefault();
    openOutside(url);
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Permissions the UI may use; every other one (camera, geolocation, notifications ...) is refused. */
const ALLOWED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write', 'fullscreen']);

export function restrictPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(ALLOWED_PERMISSIONS.has(permission)));
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
}
