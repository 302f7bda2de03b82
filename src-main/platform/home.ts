import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StudioError } from '../core/errors.js';
import type { HomeLayout } from './paths.js';

/** Creates the home folder and proves it writable by writing a file (root ignores mode bits). */
export function prepareHome(layout: HomeLayout): void {
  const probe = path.join(layout.root, `.write-test-${process.pid}`);
  try {
    fs.mkdirSync(layout.root, { recursive: true });
    fs.mkdirSync(layout.logs, { recursive: true });
    fs.writeFileSync(probe, 'ok');
    fs.unlinkSync(probe);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StudioError('HOME_UNWRITABLE', `cannot write the studio home ${layout.root} (${reason})`, {
      path: layout.root,
    });
  }
}

/** Reads the API token, creating a random one (mode 0600) on first run. */
export function ensureApiToken(file: string): string {
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) {
      if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
      return existing;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Never a leading '-' or '_': `streams edge --token <token>` would read a leading dash as an option.
  let token: string;
  do token = crypto.randomBytes(32).toString('base64url');
  while (!/^[A-Za-z0-9]/.test(token));
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return token;
}

/**
 * One host per home. The lock is a listening local socket: the OS frees it when the process dies,
 * even by kill -9, so a crash never leaves a stale lock behind (unlike a PID file).
 * Linux uses the abstract namespace, Windows a named pipe, other systems a socket file in the home.
 */
export class HomeLock {
  private constructor(
    private readonly server: net.Server,
    private readonly address: string,
    private readonly isFile: boolean,
  ) {}

  static addressFor(home: string, platform: NodeJS.Platform = process.platform): { address: string; isFile: boolean } {
    const hash = crypto.createHash('sha256').update(path.resolve(home)).digest('hex').slice(0, 24);
    if (platform === 'linux') return { address: `\0streams-studio-${hash}`, isFile: false };
    if (platform === 'win32') return { address: `\\\\.\\pipe\\streams-studio-${hash}`, isFile: false };
    return { address: path.join(home, 'host.sock'), isFile: true };
  }

  static async acquire(home: string, describeSelf: () => Record<string, unknown>): Promise<HomeLock> {
    const { address, isFile } = HomeLock.addressFor(home);
    const server = net.createServer((socket) => {
      socket.end(JSON.stringify(describeSelf()));
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await listen(server, address);
        server.unref();
        return new HomeLock(server, address, isFile);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        const holder = await askHolder(address);
        if (holder === 'stale' && isFile) {
          fs.rmSync(address, { force: true });
          continue;
        }
        const who = holder && holder !== 'stale' ? ` (pid ${String(holder.pid)}, ${String(holder.url ?? 'starting')})` : '';
        throw new StudioError('HOME_LOCKED', `another host is already running on home ${home}${who}`, {
          path: home,
          ...(holder && holder !== 'stale' ? { holder } : {}),
        });
      }
    }
    throw new StudioError('HOME_LOCKED', `cannot lock home ${home}`, { path: home });
  }

  release(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => {
        if (this.isFile) fs.rmSync(this.address, { force: true });
        resolve();
      });
    });
  }
}

function listen(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address);
  });
}

function askHolder(address: string): Promise<Record<string, unknown> | 'stale' | null> {
  return new Promise((resolve) => {
    const socket = net.connect(address);
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, 1000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data) as Record<string, unknown>);
      } catch {
        resolve(null);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code === 'ECONNREFUSED' || error.code === 'ENOENT' ? 'stale' : null);
    });
  });
}
