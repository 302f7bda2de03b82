import { BrowserWindow, type NativeImage, type WebContents } from 'electron';
import { guardWebContents } from './web-guard.js';

export interface StudioWindowOptions {
  preload: string;
  indexHtml: string;
  indexUrl: string;
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
    const { preload, indexHtml, indexUrl, icon, onProblem } = this.options;
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
    guardWebContents(window.webContents, indexUrl);
    window.once('ready-to-show', () => window.show());
    window.webContents.on('did-fail-load', (_event, code, description, url) => onProblem('window failed to load', { code, description, url }));
    window.webContents.on('render-process-gone', (_event, details) => onProblem('renderer process gone', { ...details }));
    void window.loadFile(indexHtml).catch((error: unknown) => onProblem('window failed to load', { error: String(error), indexHtml }));
    return window;
  }
}
