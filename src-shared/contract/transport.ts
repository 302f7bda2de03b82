import type { StudioErrorShape } from '../errors.js';
import type { EventEnvelope, EventName } from './events.js';
import type { MethodName } from './methods.js';

/** The result of a call on any transport: errors are plain objects, never thrown across a boundary. */
export type CallResult<T> = { ok: true; result: T } | { ok: false; error: StudioErrorShape };

/** IPC channel names: the only two the preload allows. */
export const IPC_INVOKE_CHANNEL = 'studio:invoke';
export const IPC_EVENT_CHANNEL = 'studio:event';

/** What the Electron preload exposes as `window.studio`. */
export interface StudioBridge {
  readonly methods: readonly MethodName[];
  invoke(method: MethodName, input: unknown): Promise<CallResult<unknown>>;
  onEvent(listener: (envelope: EventEnvelope) => void): () => void;
}

export const API_PREFIX = '/api/v1';
export const WS_EVENTS_PATH = '/api/v1/events';
export const SESSION_COOKIE = 'streams_session';

/** Messages a WebSocket client may send. */
export type WsClientMessage = { type: 'subscribe'; events: EventName[] } | { type: 'ping'; id?: number };
/** Messages the host sends over WebSocket. */
export type WsServerMessage =
  | ({ type: 'event' } & EventEnvelope)
  | { type: 'hello'; version: string; events: EventName[] }
  | { type: 'pong'; id?: number };
