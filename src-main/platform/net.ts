import net from 'node:net';
import { StudioError } from '../core/errors.js';
import { monotonicMs } from '../core/clock.js';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it): for children we start on loopback.
 * `avoid`: ports already promised to a listener that is not bound yet (the OS would hand them out too).
 */
export function freePort(avoid: readonly number[] = []): Promise<number> {
  return pickAvoiding(anyFreePort, avoid);
}

/** Asks `pick` again while it answers a port in `avoid` (20 tries: then its answer, and the bind will say). */
export async function pickAvoiding(pick: () => Promise<number>, avoid: readonly number[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = await pick();
    if (!avoid.includes(port) || attempt >= 20) return port;
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Listens on `bind:port`; a port in use is PORT_IN_USE naming the config `field` (e.g. rtmp.port), anything else INTERNAL. */
export function listenOn(server: net.Server, port: number, bind: string, field: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') {
        reject(new StudioError('PORT_IN_USE', `port ${port} on ${bind} is already in use (${field})`, { port, bind, field }));
      } else {
        reject(new StudioError('INTERNAL', `cannot listen on ${bind}:${port} (${field}): ${error.message}`, { port, bind, field, errno: error.code }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, bind);
  });
}

/** Resolves once something accepts TCP connections on `host:port` (tried every 50 ms), rejects after `timeoutMs`. */
export function waitForPort(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = monotonicMs() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const socket = net.connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (monotonicMs() > deadline) reject(new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
