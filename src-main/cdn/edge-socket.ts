import type { WebSocket } from 'ws';
import { EDGE_PROBE_BODY, EDGE_PROBE_ORIGIN_PATH, EDGE_SOCKET_PATH } from '../../src-shared/contract/cdn.js';
import type { HttpPlugin } from '../http/plugin.js';
import type { EdgeRegistry } from './edge-registry.js';
import { keepAlive } from '../http/websocket.js';

const KEEPALIVE_MS = 10_000;

/**
 * The persistent connection of each edge (under /api/v1: the API token is checked by the HTTP app
 * before the upgrade). Dead peers are found by ping/pong, not only by missed heartbeats.
 */
export function edgeSocketRoutes(registry: EdgeRegistry): HttpPlugin {
  return (app) => {
    // What each edge's probe fetches through its nginx (outside /api/v1: public, like /live). Kept 1 s
    // by the edge, so that its probes exercise both the cache store and the cache lookup.
    app.get(EDGE_PROBE_ORIGIN_PATH, async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=1').type('text/plain; charset=utf-8');
      return EDGE_PROBE_BODY;
    });
    app.get(EDGE_SOCKET_PATH, { websocket: true }, (socket: WebSocket) => {
      const handler = registry.attach({
        send: (message) => {
          if (socket.readyState !== socket.OPEN) return;
          socket.send(JSON.stringify(message));
          // See "Tail loss" in src-main/edge/origin-link.ts: a ping right behind a purge gets a lost purge sent again
          // within about a round trip instead of 200 ms later.
          if (message.type === 'purge') socket.ping();
        },
        close: (code, reason) => socket.close(code, reason),
      });
      keepAlive(socket, KEEPALIVE_MS);
      socket.on('message', (raw) => handler.onMessage(String(raw)));
      socket.on('close', () => {
        handler.onClose();
      });
    });
  };
}
