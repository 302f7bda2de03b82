import { WS_EVENTS_PATH, isEventName, type EventEnvelope, type WsServerMessage } from '../../src-shared/contract/index.js';
import { backoffDelay, type BackoffOptions } from '../../src-shared/backoff.js';
import { Listeners, type ConnectionState } from './transport.js';

/** Reconnecting to the host: from 0.5 s, doubling to 15 s, ±20% so that many tabs do not reconnect in step. */
export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, jitter: 0.2 };

const PING_EVERY_MS = 20_000;
/** No message at all (events, pongs) for this long means the socket is dead even if not closed. */
const SILENCE_LIMIT_MS = 45_000;

export function eventsUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${WS_EVENTS_PATH}`;
}

/** Reads one server frame; anything unexpected is ignored rather than thrown. */
export function parseServerMessage(raw: unknown): WsServerMessage | null {
  if (typeof raw !== 'string') return null;
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return null;
  }
  if (msg === null || typeof msg !== 'object') return null;
  const m = msg as Record<string, unknown>;
  if (m.type === 'event') return isEventName(m.event) ? (m as WsServerMessage) : null;
  if (m.type === 'hello' || m.type === 'pong') return m as WsServerMessage;
  return null;
}

/** The host's event WebSocket (cookie auth, same origin), reconnecting with backoff when it drops. */
export class EventSocket {
  readonly envelopes = new Listeners<EventEnvelope>();
  readonly states = new Listeners<ConnectionState>();
  private socket: WebSocket | null = null;
  private state: ConnectionState = 'offline';
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  private running = false;

  constructor(private readonly url: string) {}

  connection(): ConnectionState {
    return this.state;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.setState('connecting');
    this.open();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client stopped');
    this.setState('offline');
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.lastMessageAt = Date.now();
      this.pingTimer = setInterval(() => this.keepAlive(), PING_EVERY_MS);
    };
    socket.onmessage = (e: MessageEvent) => {
      this.lastMessageAt = Date.now();
      const msg = parseServerMessage(e.data);
      if (!msg) return;
      if (msg.type === 'hello') {
        this.attempt = 0;
        this.setState('live');
      } else if (msg.type === 'event') {
        // A host that skips hello is still live once events arrive.
        if (this.state !== 'live') this.setState('live');
        this.envelopes.emit({ event: msg.event, data: msg.data } as EventEnvelope);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      if (!this.running) return;
      this.setState('reconnecting');
      this.retryTimer = setTimeout(() => this.open(), backoffDelay(++this.attempt, RECONNECT_BACKOFF));
    };
  }

  private keepAlive(): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      socket.close(4000, 'silent');
      return;
    }
    socket.send(JSON.stringify({ type: 'ping' }));
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.states.emit(state);
  }
}
