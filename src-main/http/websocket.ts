import type { WebSocket } from 'ws';

/**
 * Pings `socket` every `everyMs` and terminates it when the previous ping got no pong: a peer that
 * vanished (sleep, network loss) is dropped within two periods. Stops by itself when the socket closes.
 */
export function keepAlive(socket: WebSocket, everyMs: number): void {
  let alive = true;
  const timer = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, everyMs);
  socket.on('pong', () => (alive = true));
  socket.once('close', () => clearInterval(timer));
}

/** Closes `socket` (1001, going away) and resolves once it is closed, terminating it after `graceMs`. */
export function closeSocket(socket: WebSocket | null, reason: string, graceMs = 1000): Promise<void> {
  if (!socket || socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.close(1001, reason);
    setTimeout(() => {
      socket.terminate();
      resolve();
    }, graceMs).unref();
  });
}
