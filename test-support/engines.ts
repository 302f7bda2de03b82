import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './host-process.js';
import { which } from './peers.js';
import { waitFor } from './wait.js';

/**
 * Real streaming engines on 127.0.0.1 for the data bridges (suites gate on `needs('nats')`, `needs('redis')`):
 * Debian's nats-server with JetStream and redis-server with an append-only file, each on a free port with
 * its data in a folder of its own, so `restart()` brings back what it had stored.
 */
export interface EngineProcess {
  port: number;
  url: string;
  dir: string;
  /** Stops (SIGTERM, as a service manager would) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops it, keeping its data (start it again with up()). */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function runEngine(name: string, command: string, args: (port: number, dir: string) => string[], scheme: string): Promise<EngineProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';
  const start = async (): Promise<void> => {
    child = spawn(command, args(port, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
    const started = child;
    await waitFor(`${name} on port ${port}`, async () => {
      if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode}:\n${log}`);
      return listening(port);
    }, 15_000, 50);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    dir,
    restart: async () => {
      await stop();
      await start();
    },
    down: stop,
    up: start,
    stop: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nats-server -js with its store in a folder of its own. */
export function startNats(): Promise<EngineProcess> {
  const bin = which('nats-server', ['/usr/bin/nats-server', '/usr/sbin/nats-server']);
  if (!bin) throw new Error('nats-server not found: install nats-server');
  return runEngine('nats', bin, (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], 'nats');
}

/** redis-server with an append-only file (fsync each write), no RDB snapshots, no config file. */
export function startRedis(): Promise<EngineProcess> {
  const bin = which('redis-server', ['/usr/bin/redis-server']);
  if (!bin) throw new Error('redis-server not found: install redis-server');
  return runEngine(
    'redis',
    bin,
    (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'],
    'redis',
  );
}
