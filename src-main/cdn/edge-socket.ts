import type { WebSocket } from 'ws';
import { EDGE_SOCKET_PATH } from '../../src-shared/contract/cdn.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { EdgeRegistry } from './edge-registry.js';

const KEEPALIVE_MS = 10_000;

/**
 * The persistent connection of each edge (under /api/v1: the API token is checked by the HTTP app
 * before the upgrade). Dead peers are found by ping/pong, not only by missed heartbeats.
 */
export function edgeSocketRoutes(registry: EdgeRegistry): HttpPlugin {
  return (app) => {
    app.get(EDGE_SOCKET_PATH, { websocket: true }, (socket: WebSocket) => {
      const handler = registry.attach({
        send: (message) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
        },
        close: (code, reason) => socket.close(code, reason),
      });
      let alive = true;
      const keepalive = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, KEEPALIVE_MS);
      socket.on('pong', () => (alive = true));
      socket.on('message', (raw) => handler.onMessage(String(raw)));
      socket.on('close', () => {
        clearInterval(keepalive);
        handler.onClose();
      });
    });
  };
}
