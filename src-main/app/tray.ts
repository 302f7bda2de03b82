import { Menu, Tray, dialog, shell, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Logger } from '../core/logger.js';

/** The HTTP server the tray shows and toggles. */
export interface TrayServer {
  readonly running: boolean;
  readonly url: string;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export interface StudioTrayOptions {
  server: TrayServer;
  /** A fresh one-time login URL for a browser. */
  loginUrl(): string;
  logger: Logger;
  icon: NativeImage;
  openWindow(): void;
  quit(): void;
}

/**
 * The tray: the studio keeps serving while it is there, with or without a window.
 * The menu is rebuilt after every change so that labels say what the server is doing now.
 */
export class StudioTray {
  private readonly tray: Tray;
  private busy: 'starting' | 'stopping' | undefined;

  constructor(private readonly options: StudioTrayOptions) {
    this.tray = new Tray(options.icon);
    // On Windows and macOS a click opens the window; Linux shows the menu (AppIndicator has no click).
    this.tray.on('click', () => options.openWindow());
    this.refresh();
  }

  refresh(): void {
    const { server } = this.options;
    const status = this.busy === 'starting' ? 'Starting server…' : this.busy === 'stopping' ? 'Stopping server…' : undefined;
    const serving = server.running ? `Serving on ${server.url}` : 'Server stopped';
    this.tray.setToolTip(`Streams Studio — ${status ?? serving}`);
    this.tray.setContextMenu(Menu.buildFromTemplate(this.menu(status ?? serving)));
  }

  dispose(): void {
    this.tray.destroy();
  }

  private menu(status: string): MenuItemConstructorOptions[] {
    const { server, loginUrl, openWindow, quit } = this.options;
    const running = server.running;
    return [
      { label: 'Open Streams Studio', click: () => openWindow() },
      { label: 'Open in browser', enabled: running && !this.busy, click: () => void shell.openExternal(loginUrl()) },
      { type: 'separator' },
      { label: status, enabled: false },
      {
        label: running ? 'Stop server' : 'Start server',
        enabled: !this.busy,
        click: () => void this.toggleServer(),
      },
      { type: 'separator' },
      { label: 'Quit Streams Studio', click: () => quit() },
    ];
  }

  private async toggleServer(): Promise<void> {
    const { server } = this.options;
    const starting = !server.running;
    this.busy = starting ? 'starting' : 'stopping';
    this.refresh();
    try {
      if (starting) await server.start();
      else await server.dispose();
      this.options.logger.info({ url: server.url, running: server.running }, starting ? 'server started from the tray' : 'server stopped from the tray');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'server toggle failed');
      void dialog.showMessageBox({
        type: 'error',
        title: 'Streams Studio',
        message: starting ? 'The server could not start' : 'The server could not stop cleanly',
        detail: (error as Error).message,
      });
    } finally {
      this.busy = undefined;
      this.refresh();
    }
  }
}
