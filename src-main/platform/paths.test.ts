import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHome, homeLayout, packageRoot, rendererDir, resolveHome, resourcesDir } from './paths.js';

const userHome = os.homedir();

describe('defaultHome', () => {
  it('uses XDG_DATA_HOME on Linux, else ~/.local/share', () => {
    expect(defaultHome('linux', { XDG_DATA_HOME: '/data/xdg' })).toBe(path.join('/data/xdg', 'streams-studio'));
    expect(defaultHome('linux', {})).toBe(path.join(userHome, '.local', 'share', 'streams-studio'));
    expect(defaultHome('linux', { XDG_DATA_HOME: '' })).toBe(path.join(userHome, '.local', 'share', 'streams-studio'));
    expect(defaultHome('freebsd', {})).toBe(path.join(userHome, '.local', 'share', 'streams-studio'));
  });

  it('uses APPDATA on Windows, else the roaming folder under the user home', () => {
    expect(defaultHome('win32', { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' })).toBe(
      path.join('C:\\Users\\me\\AppData\\Roaming', 'Streams Studio'),
    );
    expect(defaultHome('win32', {})).toBe(path.join(userHome, 'AppData', 'Roaming', 'Streams Studio'));
  });

  it('uses Application Support on macOS', () => {
    expect(defaultHome('darwin', { XDG_DATA_HOME: '/ignored' })).toBe(path.join(userHome, 'Library', 'Application Support', 'Streams Studio'));
  });
});

describe('resolveHome', () => {
  it('prefers the flag, then STREAMS_HOME, then the OS default', () => {
    const env = { STREAMS_HOME: '/srv/env-home', XDG_DATA_HOME: '/data/xdg' };
    expect(resolveHome('/srv/flag-home', env)).toBe('/srv/flag-home');
    expect(resolveHome(undefined, env)).toBe('/srv/env-home');
    expect(resolveHome(undefined, { XDG_DATA_HOME: '/data/xdg' })).toBe(path.resolve(defaultHome(process.platform, { XDG_DATA_HOME: '/data/xdg' })));
  });

  it('resolves relative paths against the working directory', () => {
    expect(resolveHome('rel/home', {})).toBe(path.resolve('rel/home'));
    expect(resolveHome(undefined, { STREAMS_HOME: 'env/rel' })).toBe(path.resolve('env/rel'));
  });

  it('treats an empty STREAMS_HOME as unset, not as the working directory', () => {
    expect(resolveHome(undefined, { STREAMS_HOME: '', XDG_DATA_HOME: '/data/xdg' })).toBe(
      path.resolve(defaultHome(process.platform, { XDG_DATA_HOME: '/data/xdg' })),
    );
  });
});

describe('homeLayout and package folders', () => {
  it('places every file of the home', () => {
    expect(homeLayout('/h')).toEqual({
      root: '/h',
      config: path.join('/h', 'config.yaml'),
      database: path.join('/h', 'studio.db'),
      logs: path.join('/h', 'logs'),
      logFile: path.join('/h', 'logs', 'host.log'),
      token: path.join('/h', 'api-token'),
      lock: path.join('/h', 'host.lock'),
    });
  });

  it('finds the package root holding resources/config.default.yaml', () => {
    const root = packageRoot();
    expect(fs.existsSync(path.join(root, 'package.json'))).toBe(true);
    expect(packageRoot()).toBe(root);
    expect(fs.existsSync(path.join(resourcesDir(), 'config.default.yaml'))).toBe(true);
    expect(rendererDir()).toBe(path.join(root, 'dist', 'renderer'));
  });
});
