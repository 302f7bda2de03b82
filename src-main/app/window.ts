import { BrowserWindow, type NativeImage, type WebContents } from 'electron';
import type { AppPages } from './app-page.js';
import { guardWebContents } from './web-guard.js';

export interface StudioWindowOptions {
  preload: string;
  indexHtml: string;
  pages: AppPages;
  /** A fresh one-time sign-in URL of the host while its server runs, else null (the built page from file://). */
  signInUrl(): string | null;
  icon: NativeImage;
  /** Called when a page fails to load or a renderer dies, for the log. */
  onProblem(message: string, details: Record<string, unknown>): void;
}

/**
 * The one studio window. Closing it destroys it (the tray and the server stay up);
 * `show()` brings it back, creating a fresh one if needed.
 */
export class StudioWindow {
  private window: BrowserWindow | undefined;

  constructor(private readonly options: StudioWindowOptions) {}

  get current(): BrowserWindow | undefined {
    return this.window && !this.window.isDestroyed() ? this.window : undefined;
  }

  /** True for the web contents of our window (the IPC adapter trusts only these). */
  owns(contents: WebContents): boolean {
    return this.current?.webContents === contents;
  }

  show(): BrowserWindow {
    const existing = this.current;
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.show();
      existing.focus();
      return existing;
    }
    const window = this.create();
    this.window = window;
    window.on('closed', () => {
      if (this.window === window) this.window = undefined;
    });
    return window;
  }

  private create(): BrowserWindow {
    const { preload, indexHtml, pages, signInUrl, icon, onProblem } = this.options;
    const window = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 800,
      minHeight: 560,
      title: 'Streams Studio',
      icon,
      show: false,
      backgroundColor: '#111318',
      autoHideMenuBar: true,
      webPreferences: {
        preload,
        contextIsolation: true,
        nodeIntegration: false,
        sandbox: true,
        webSecurity: true,
        webviewTag: false,
        spellcheck: false,
      },
    });
    guardWebContents(window.webContents, pages);
    window.once('ready-to-show', () => window.show());
    window.webContents.on('did-fail-load', (_event, code, description, url) => onProblem('window failed to load', { code, description, url }));
    window.webContents.on('render-process-gone', (_event, details) => onProblem('renderer process gone', { ...details }));
    // The host's page at its own origin, signed in by a one-time link, as a browser shows it: the
    // page's media, uploads and WHIP go to the host as relative URLs with the window's session.
    const signIn = signInUrl();
    const loaded = signIn ? window.loadURL(signIn) : window.loadFile(indexHtml);
    void loaded.catch((error: unknown) => onProblem('window failed to load', { error: String(error), page: signIn ? 'host' : indexHtml }));
    return window;
  }
}
