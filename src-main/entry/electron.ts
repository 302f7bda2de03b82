// The desktop composition root: single-instance lock, the studio services, then window, tray and IPC.
import { app, dialog, session, type WebContents } from 'electron';
import { isAppPage, type AppPages } from '../app/app-page.js';
import { desktopPaths } from '../app/app-paths.js';
import { appIcon, trayIcon } from '../app/icons.js';
import { attachIpc } from '../app/ipc.js';
import { parseLaunchArgs, type LaunchArgs } from '../app/launch-args.js';
import { stopStudioOnQuit } from '../app/shutdown.js';
import { claimSingleInstance } from '../app/single-instance.js';
import { StudioTray } from '../app/tray.js';
import { attachDisplayPicker } from '../app/display-picker.js';
import { restrictPermissions, trustOwnCertificate } from '../app/web-guard.js';
import { StudioWindow } from '../app/window.js';
import { resolveHome } from '../platform/paths.js';
import { exitCodeFor } from './host.js';
import { startStudio } from './studio.js';

const APP_ID = 'studio.streams.desktop';

/** Held at module level: a Tray that is garbage-collected disappears from the tray area. */
let window: StudioWindow | undefined;
let tray: StudioTray | undefined;

function failToStart(error: unknown): void {
  dialog.showErrorBox('Streams Studio cannot start', error instanceof Error ? error.message : String(error));
  app.exit(exitCodeFor(error));
}

async function run(args: LaunchArgs, home: string): Promise<void> {
  await app.whenReady();
  const paths = desktopPaths();
  const studio = await startStudio({
    mode: 'desktop',
    home,
    port: args.port,
    bind: args.bind,
    rendererDir: paths.rendererDir,
    resourcesDir: paths.resourcesDir,
  });
  const logger = studio.logger.child({ service: 'desktop' });
  stopStudioOnQuit(async (reason) => {
    tray?.dispose(); // the icon goes at once, the creator sees the quit was heard
    await studio.stop(reason);
  }, logger);

  // The window shows the host's page while the server runs (the tray can stop it), else the built one.
  const pages: AppPages = { indexUrl: paths.indexUrl, hostUrl: () => (studio.http.running ? studio.url() : null) };
  const owns = (contents: WebContents): boolean => studioWindow.owns(contents);
  restrictPermissions(session.defaultSession, pages, owns);
  trustOwnCertificate(app, pages, owns);
  const studioWindow = new StudioWindow({
    preload: paths.preload,
    indexHtml: paths.indexHtml,
    pages,
    signInUrl: () => (studio.http.running ? studio.loginUrl() : null),
    icon: appIcon(paths.iconsDir),
    onProblem: (message, details) => logger.error(details, message),
  });
  window = studioWindow;
  attachIpc({ dispatch: studio.dispatch, bus: studio.bus, logger, pages, ownsContents: owns });
  attachDisplayPicker(session.defaultSession, {
    isAppPage: (url) => isAppPage(url, pages),
    ownWindowSourceId: () => studioWindow.current?.getMediaSourceId(),
    logger,
  });
  tray = new StudioTray({
    server: studio.http,
    loginUrl: () => studio.loginUrl(),
    logger,
    icon: trayIcon(paths.iconsDir),
    openWindow: () => studioWindow.show(),
    quit: () => app.quit(),
  });

  // Closing the window keeps the tray and the server; only Quit (tray, Cmd+Q, a signal) stops them.
  app.on('window-all-closed', () => {});
  app.on('activate', () => studioWindow.show());
  if (!args.headless) studioWindow.show();
  logger.info({ url: studio.url(), headless: args.headless, packaged: app.isPackaged }, 'desktop app ready');
}

function main(): void {
  let args: LaunchArgs;
  try {
    args = parseLaunchArgs(process.argv.slice(1));
  } catch (error) {
    failToStart(error);
    return;
  }
  const home = resolveHome(args.home);
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  if (!claimSingleInstance(home, () => window?.show())) {
    process.stdout.write(`Streams Studio is already running on ${home}; showing its window.\n`);
    app.quit();
    return;
  }
  run(args, home).catch(failToStart);
}

main();
