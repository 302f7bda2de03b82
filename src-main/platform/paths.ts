import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR_NAME = 'streams-studio';

/** The OS data folder for the studio home when neither --home nor STREAMS_HOME is given. */
export function defaultHome(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Streams Studio');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Streams Studio');
  return path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), APP_DIR_NAME);
}

export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag ?? (env.STREAMS_HOME || defaultHome(process.platform, env)));
}

let cachedRoot: string | undefined;

/** The package root (holds resources/ and dist/), found from this file both in sources and in the bundle. */
export function packageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'resources', 'config.default.yaml'))) return (cachedRoot = dir);
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the studio resources folder (resources/config.default.yaml)');
}

export function resourcesDir(): string {
  return path.join(packageRoot(), 'resources');
}

export function rendererDir(): string {
  return path.join(packageRoot(), 'dist', 'renderer');
}

export interface HomeLayout {
  root: string;
  config: string;
  database: string;
  logs: string;
  logFile: string;
  token: string;
  lock: string;
}

export function homeLayout(root: string): HomeLayout {
  return {
    root,
    config: path.join(root, 'config.yaml'),
    database: path.join(root, 'studio.db'),
    logs: path.join(root, 'logs'),
    logFile: path.join(root, 'logs', 'host.log'),
    token: path.join(root, 'api-token'),
    lock: path.join(root, 'host.lock'),
  };
}
