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

/**
 * The desktop window's screen and window picker: when the page calls getDisplayMedia, the main process
 * lists what can be captured (Electron's desktopCapturer, with thumbnails) and offers it to the page on
 * the offer channel; the page shows its picker and answers on the choice channel.
 */
export const IPC_DISPLAY_OFFER_CHANNEL = 'studio:display-offer';
export const IPC_DISPLAY_CHOICE_CHANNEL = 'studio:display-choice';

/** One screen or window that can be captured; thumbnail and icon are data: URLs. */
export interface DisplaySourceOffer {
  id: string;
  name: string;
  kind: 'screen' | 'window';
  thumbnail: string;
  icon: string | null;
}

/** What the page is asked to choose from. `audio`: the system's sound can be shared too. */
export interface DisplayOffer {
  request: number;
  sources: DisplaySourceOffer[];
  audio: boolean;
}

/** The page's answer: a source's id, or null when the creator cancelled. */
export interface DisplayChoice {
  request: number;
  sourceId: string | null;
  audio: boolean;
}

/** What the Electron preload exposes as `window.studioDesktop` (absent in a browser, which has its own picker). */
export interface DesktopBridge {
  onDisplayOffer(listener: (offer: DisplayOffer) => void): () => void;
  chooseDisplay(choice: DisplayChoice): void;
}

export const API_PREFIX = '/api/v1';
export const WS_EVENTS_PATH = '/api/v1/events';
export const SESSION_COOKIE = 'streams_session';

/**
 * Messages a WebSocket client may send. `call`: any API method (its HTTP route's input as one object,
 * path parameters included), answered by a `result` or an `error` with the same id.
 */
export type WsClientMessage =
  | { type: 'subscribe'; events: EventName[] }
  | { type: 'ping'; id?: number }
  | { type: 'call'; id: number | string; method: MethodName; input?: unknown };
/** Messages the host sends over WebSocket. */
export type WsServerMessage =
  | ({ type: 'event' } & EventEnvelope)
  | { type: 'hello'; version: string; events: EventName[] }
  | { type: 'pong'; id?: number }
  | { type: 'result'; id: number | string; result: unknown }
  | { type: 'error'; id: number | string | null; error: StudioErrorShape };
