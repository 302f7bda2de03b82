import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { app } from 'electron';

export interface DesktopPaths {
  /** config.default.yaml, icons: real files next to the asar archive when packaged (extraResources). */
  resourcesDir: string;
  iconsDir: string;
  /** The built UI, served over HTTP to browsers and loaded from file:// by the window. */
  rendererDir: string;
  indexHtml: string;
  /** The one page allowed to talk to the main process over IPC. */
  indexUrl: string;
  preload: string;
}

/**
 * Where the built app lives. `app.getAppPath()` is the package root (the folder of package.json)
 * when unpackaged, and `resources/app.asar` when packaged; dist/ is inside it either way.
 */
export function desktopPaths(): DesktopPaths {
  const appRoot = app.getAppPath();
  const resourcesDir = app.isPackaged ? path.join(process.resourcesPath, 'resources') : path.join(appRoot, 'resources');
  const rendererDir = path.join(appRoot, 'dist', 'renderer');
  const indexHtml = path.join(rendererDir, 'index.html');
  return {
    resourcesDir,
    iconsDir: path.join(resourcesDir, 'icons'),
    rendererDir,
    indexHtml,
    indexUrl: pathToFileURL(indexHtml).href,
    preload: path.join(appRoot, 'dist', 'preload', 'preload.cjs'),
  };
}
