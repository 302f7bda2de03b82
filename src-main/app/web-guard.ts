import { shell, type App, type Session, type WebContents } from 'electron';
import { isAppOrigin, isAppPage, type AppPages } from './app-page.js';

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
export function guardWebContents(contents: WebContents, pages: AppPages): void {
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url: string): void => {
    if (isAppPage(url, pages)) return;
    event.preventDefault();
    openOutside(url);
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Permissions any page of the window may use. */
const ALLOWED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write', 'fullscreen']);
/** Permissions only our own page gets: the studio's cameras, microphones and screens. */
const CAPTURE_PERMISSIONS = new Set<string>(['media', 'display-capture']);

/**
 * Every permission but a few is refused (geolocation, notifications, MIDI ...). The studio's capture
 * (camera and microphone: `media`; getDisplayMedia: `display-capture`, then the picker) is granted to
 * our own page in our own window only, as a browser grants it to a site the creator allowed.
 */
export function restrictPermissions(session: Session, pages: AppPages, ownsContents: (contents: WebContents) => boolean): void {
  const allowed = (contents: WebContents | null, permission: string, url: string, isOurs: (url: string, pages: AppPages) => boolean): boolean =>
    ALLOWED_PERMISSIONS.has(permission) || (CAPTURE_PERMISSIONS.has(permission) && contents !== null && ownsContents(contents) && isOurs(url, pages));
  session.setPermissionRequestHandler((contents, permission, callback, details) => callback(allowed(contents, permission, details.requestingUrl, isAppPage)));
  session.setPermissionCheckHandler((contents, permission, requestingOrigin) => allowed(contents, permission, requestingOrigin, isAppOrigin));
}

/**
 * The host's own certificate (tls.selfSigned: issued by its own authority, which the OS does not know)
 * is accepted for the window's page at the host's own origin: the server at that address is this
 * process's. Any other certificate error is refused as usual.
 */
export function trustOwnCertificate(app: App, pages: AppPages, ownsContents: (contents: WebContents) => boolean): void {
  app.on('certificate-error', (event, contents, url, _error, _certificate, callback) => {
    const host = pages.hostUrl();
    const ours = host !== null && ownsContents(contents) && new URL(url).origin === new URL(host).origin;
    if (ours) event.preventDefault();
    callback(ours);
  });
}
