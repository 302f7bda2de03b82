import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import {
  EVENT_NAMES,
  isEventName,
  SESSION_COOKIE,
  WS_EVENTS_PATH,
  type EventEnvelope,
  type EventName,
  type WsServerMessage,
} from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import { sendError } from '../http/reply.js';
import { keepAlive } from '../http/websocket.js';
import type { AuditPort } from '../auth/types.js';
import type { AuthService } from './auth.js';
import type { Dispatch } from './dispatch.js';
import { WsCalls } from './ws-calls.js';

/** A client further behind than this skips events (counted) instead of growing host memory. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const KEEPALIVE_MS = 30_000;

export interface EventSocketStats {
  clients: number;
  dropped: number;
}

export const eventSocketStats: EventSocketStats = { clients: 0, dropped: 0 };

/** Same-origin check against cross-site WebSocket hijacking; non-browser clients send no Origin. */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

export interface EventSocketDeps {
  bus: EventBus;
  logger: Logger;
  version: string;
  /** API calls over the socket (ws-calls.ts), checked and audited as over HTTP. */
  dispatch: Dispatch;
  auth: Pick<AuthService, 'authenticate'>;
  audit?: Pick<AuditPort, 'record'>;
  limits?: { requests: () => { apiPerMinute: number } };
}

export function registerEventSocket(app: FastifyInstance, deps: EventSocketDeps): void {
  app.get(
    WS_EVENTS_PATH,
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!originAllowed(req.headers.origin, req.headers.host)) {
          return sendError(reply, { code: 'FORBIDDEN', message: 'cross-origin event sockets are refused' });
        }
      },
    },
    (socket: WebSocket, req) => {
      let subscribed = new Set<EventName>(EVENT_NAMES);
      const calls = new WsCalls({
        dispatch: deps.dispatch,
        principal: () => deps.auth.authenticate(req.headers, SESSION_COOKIE),
        remoteAddress: req.ip,
        baseUrl: `${req.protocol}://${req.headers.host ?? req.hostname}`,
        perMinute: () => deps.limits?.requests().apiPerMinute ?? 0,
        ...(deps.audit ? { audit: deps.audit } : {}),
      });
      const send = (message: WsServerMessage): void => {
        if (socket.readyState !== socket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
          eventSocketStats.dropped++;
          return;
        }
        socket.send(JSON.stringify(message));
      };
      eventSocketStats.clients++;
      send({ type: 'hello', version: deps.version, events: EVENT_NAMES });
      // A client joining late gets the current state of every event at once.
      for (const name of EVENT_NAMES) {
        const last = deps.bus.lastOf(name);
        if (last !== undefined) send({ type: 'event', event: name, data: last } as WsServerMessage);
      }
      const unsubscribe = deps.bus.onAny((envelope: EventEnvelope) => {
        if (subscribed.has(envelope.event)) send({ type: 'event', ...envelope } as WsServerMessage);
      });
      keepAlive(socket, KEEPALIVE_MS);
      socket.on('message', (raw) => {
        let message: unknown;
        try {
          message = JSON.parse(String(raw));
        } catch {
          return;
        }
        if (typeof message !== 'object' || message === null) return;
        const m = message as { type?: unknown; events?: unknown; id?: unknown; method?: unknown; input?: unknown };
        if (m.type === 'call') {
          // Answers are never dropped like events behind a slow reader: the caller waits for its id.
          void calls
            .answer(m)
            .catch((error: unknown): WsServerMessage => {
              deps.logger.error({ err: error }, 'a call over the events socket failed');
              return { type: 'error', id: typeof m.id === 'number' || typeof m.id === 'string' ? m.id : null, error: { code: 'INTERNAL', message: 'internal error; see the host log' } };
            })
            .then((answer) => {
              if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(answer));
            });
        } else if (m.type === 'subscribe' && Array.isArray(m.events)) {
          subscribed = new Set(m.events.filter(isEventName));
        } else if (m.type === 'ping') {
          send({ type: 'pong', ...(typeof m.id === 'number' ? { id: m.id } : {}) });
        }
      });
      socket.on('close', () => {
        eventSocketStats.clients--;
        unsubscribe();
      });
    },
  );
}
