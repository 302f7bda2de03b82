import { Menu, Tray, dialog, shell, type MenuItemConstructorOptions, type NativeImage } from 'electron';
import type { Logger } from '../core/logger.js';
import type { Studio } from '../entry/studio.js';

export interface StudioTrayOptions {
  studio: Pick<Studio, 'http' | 'loginUrl'>;
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
    const { http } = this.options.studio;
    const status = this.busy === 'starting' ? 'Starting server…' : this.busy === 'stopping' ? 'Stopping server…' : undefined;
    const serving = http.running ? `Serving on ${http.url}` : 'Server stopped';
    this.tray.setToolTip(`Streams Studio — ${status ?? serving}`);
    this.tray.setContextMenu(Menu.buildFromTemplate(this.menu(status ?? serving)));
  }

  dispose(): void {
    this.tray.destroy();
  }

  private menu(status: string): MenuItemConstructorOptions[] {
    const { studio, openWindow, quit } = this.options;
    const running = studio.http.running;
    return [
      { label: 'Open Streams Studio', click: () => openWindow() },
      { label: 'Open in browser', enabled: running && !this.busy, click: () => void shell.openExternal(studio.loginUrl()) },
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
    const { http } = this.options.studio;
    const starting = !http.running;
    this.busy = starting ? 'starting' : 'stopping';
    this.refresh();
    try {
      if (starting) await http.start();
      else await http.dispose();
      this.options.logger.info({ url: http.url, running: http.running }, starting ? 'server started from the tray' : 'server stopped from the tray');
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
