import { OBSWebSocket, EventSubscription, type OBSRequestTypes, type OBSResponseTypes, type RequestBatchRequest } from 'obs-websocket-js';
import type { ObsConnectionState } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { backoffDelay, type BackoffOptions } from '../../src-shared/backoff.js';
import { OBS_AUTH_FAILED_CLOSE, obsError } from './obs-errors.js';
import { withTimeout } from '../core/timeout.js';

/** Only what the UI shows: audio meters, but no other high-volume events (transform drags), no media-input or vendor events. */
export const OBS_EVENT_SUBSCRIPTIONS =
  EventSubscription.InputVolumeMeters |
  EventSubscription.General |
  EventSubscription.Config |
  EventSubscription.Scenes |
  EventSubscription.Inputs |
  EventSubscription.Transitions |
  EventSubscription.Filters |
  EventSubscription.Outputs |
  EventSubscription.SceneItems |
  EventSubscription.Ui;

export interface ObsLinkStatus {
  state: ObsConnectionState;
  error: { code: string; message: string } | null;
  latencyMs: number | null;
  nextRetryAt: number | null;
  retries: number;
  obsVersion: string | null;
  since: number | null;
}

export interface ObsLinkOptions {
  url: string;
  password: () => string;
  logger: Logger;
  backoff: BackoffOptions;
  /** Every state, latency or error change. */
  onStatus: (status: ObsLinkStatus) => void;
  /** Called once per connection, after it is identified (subscribe to events on `socket`); returns what undoes it. */
  onConnected: (socket: OBSWebSocket) => () => void;
  /** Time allowed for the websocket handshake and identification. */
  connectTimeoutMs?: number;
}

type Req = keyof OBSRequestTypes;

/** One request of a batch, typed like `call()`: the request data of its type, optional. */
export type BatchRequest<T extends Req = Req> = T extends Req ? { requestType: T; requestData?: OBSRequestTypes[T] } : never;

/** One answer of a batch: the response data of its request (typed like `call()`), or its failure, mapped. */
export type BatchResult<T extends Req = Req> = { ok: true; data: OBSResponseTypes[T] } | { ok: false; error: StudioError };

/** The answers of a batch, in the order (and, for a tuple, with the types) of its requests. */
export type BatchResults<R extends readonly BatchRequest[]> = { -readonly [K in keyof R]: R[K] extends { requestType: infer T extends Req } ? BatchResult<T> : never };

/**
 * One OBS instance over obs-websocket v5: connects, reconnects with backoff while OBS is away,
 * stops retrying when OBS refuses the password (close 4009: retrying would only repeat the refusal),
 * and maps every request failure to a StudioError.
 */
export class ObsLink {
  /** Carries the subscribed events. */
  private socket: OBSWebSocket | undefined;
  /** Carries requests and subscribes to nothing: OBS writes an event and then the answer as two small
   * TCP segments, and with delayed ACKs the answer waited ~40 ms behind the event (measured: 44 ms
   * with events, 5 ms without, per scene switch). */
  private rpc: OBSWebSocket | undefined;
  private unbind: (() => void) | undefined;
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private firstAttempt: Promise<void> | undefined;
  private status: ObsLinkStatus = { state: 'disconnected', error: null, latencyMs: null, nextRetryAt: null, retries: 0, obsVersion: null, since: null };

  constructor(private readonly options: ObsLinkOptions) {}

  get current(): ObsLinkStatus {
    return { ...this.status };
  }

  /** Starts connecting; the promise settles after the first attempt (whatever its outcome). */
  start(): Promise<void> {
    this.closed = false;
    this.firstAttempt ??= this.attempt();
    return this.firstAttempt;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearRetry();
    await this.dropSocket();
    this.set({ state: 'disconnected', nextRetryAt: null, latencyMs: null });
  }

  async call<T extends Req>(type: T, data?: OBSRequestTypes[T]): Promise<OBSResponseTypes[T]> {
    const rpc = this.connectedSocket();
    const started = performance.now();
    try {
      const result = await rpc.call(type, data);
      this.noteLatency(performance.now() - started);
      return result;
    } catch (error) {
      throw obsError(error, type);
    }
  }

  /** Several requests in one message; throws the first failure (mapped) unless `tolerate` is set. */
  async batch<const R extends readonly BatchRequest[]>(requests: R, tolerate = false): Promise<BatchResults<R>> {
    const rpc = this.connectedSocket();
    const started = performance.now();
    let responses;
    try {
      // OBS takes a request without data (a default); obs-websocket-js's own type insists on `requestData` for some.
      responses = await rpc.callBatch(requests as readonly BatchRequest[] as RequestBatchRequest[]);
    } catch (error) {
      throw obsError(error, 'batch');
    }
    this.noteLatency(performance.now() - started);
    const out: BatchResult[] = responses.map((r) =>
      r.requestStatus.result
        ? { ok: true as const, data: r.responseData ?? ({} as OBSResponseTypes[Req]) }
        : { ok: false as const, error: obsError(Object.assign(new Error(r.requestStatus.comment ?? `request failed (${r.requestStatus.code})`), { code: r.requestStatus.code }), r.requestType) },
    );
    if (!tolerate) for (const r of out) if (!r.ok) throw r.error;
    return out as BatchResults<R>;
  }

  private connectedSocket(): OBSWebSocket {
    if (this.status.state !== 'connected' || !this.rpc) {
      throw new StudioError('OBS_NOT_CONNECTED', `OBS at ${this.options.url} is ${this.status.state.replace('_', ' ')}`, {
        state: this.status.state,
        nextRetryAt: this.status.nextRetryAt,
      });
    }
    return this.rpc;
  }

  private noteLatency(ms: number): void {
    this.status.latencyMs = Math.round(ms * 10) / 10;
  }

  private set(patch: Partial<ObsLinkStatus>): void {
    const stateChanged = patch.state !== undefined && patch.state !== this.status.state;
    this.status = { ...this.status, ...patch, ...(stateChanged ? { since: Date.now() } : {}) };
    this.options.onStatus(this.current);
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    const socket = new OBSWebSocket();
    const rpc = new OBSWebSocket();
    this.socket = socket;
    this.rpc = rpc;
    this.set({ state: 'connecting', nextRetryAt: null });
    let closedDuringConnect: { code: number; message: string } | undefined;
    for (const ws of [socket, rpc]) {
      ws.on('ConnectionClosed', (error) => {
        if (generation !== this.generation) return;
        if (this.status.state === 'connected') this.onLost(error.code, error.message);
        else closedDuringConnect ??= { code: error.code, message: error.message };
      });
    }
    const started = performance.now();
    const password = this.options.password() || undefined;
    try {
      const timeout = this.options.connectTimeoutMs ?? 10_000;
      // The request socket first: a wrong password is then refused once, not twice.
      // A rejection with code -1 (no close code) when OBS does not answer in time.
      const late = (): Error => Object.assign(new Error(`no answer within ${timeout} ms`), { code: -1 });
      const hello = await withTimeout(rpc.connect(this.options.url, password, { eventSubscriptions: EventSubscription.None, rpcVersion: 1 }), timeout, late);
      await withTimeout(socket.connect(this.options.url, password, { eventSubscriptions: OBS_EVENT_SUBSCRIPTIONS, rpcVersion: 1 }), timeout, late);
      if (generation !== this.generation || this.closed) {
        await Promise.all([socket.disconnect().catch(() => undefined), rpc.disconnect().catch(() => undefined)]);
        return;
      }
      this.noteLatency(performance.now() - started);
      this.unbind = this.options.onConnected(socket);
      this.set({ state: 'connected', error: null, retries: 0, nextRetryAt: null, obsVersion: hello.obsWebSocketVersion ?? null });
      this.options.logger.info({ url: this.options.url }, 'OBS connected');
    } catch (error) {
      if (generation !== this.generation) return;
      await Promise.all([socket.disconnect().catch(() => undefined), rpc.disconnect().catch(() => undefined)]);
      const code = (error as { code?: number }).code ?? closedDuringConnect?.code;
      this.onLost(code, (error as Error).message || closedDuringConnect?.message || 'connection failed');
    }
  }

  private onLost(code: number | undefined, message: string): void {
    void this.dropSocket();
    if (this.closed) return;
    if (code === OBS_AUTH_FAILED_CLOSE) {
      this.options.logger.warn({ url: this.options.url }, 'OBS refused the password; not retrying until it is changed');
      this.set({ state: 'auth_failed', error: { code: 'OBS_AUTH_FAILED', message: 'OBS refused the password (4009)' }, nextRetryAt: null, latencyMs: null });
      return;
    }
    const retries = this.status.retries + 1;
    const delay = backoffDelay(retries, this.options.backoff);
    const reason = message || `connection closed (${code ?? 'no code'})`;
    this.options.logger.info({ url: this.options.url, code, retryInMs: delay }, 'OBS disconnected');
    this.set({ state: 'disconnected', error: { code: 'OBS_NOT_CONNECTED', message: reason }, retries, nextRetryAt: Date.now() + delay, latencyMs: null });
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.attempt();
    }, delay);
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Forgets the current sockets at once (their late events are ignored) and resolves when both are closed. */
  private async dropSocket(): Promise<void> {
    this.generation++;
    this.unbind?.();
    this.unbind = undefined;
    const sockets = [this.socket, this.rpc];
    this.socket = undefined;
    this.rpc = undefined;
    for (const ws of sockets) ws?.removeAllListeners();
    await Promise.all(sockets.map((ws) => ws?.disconnect().catch(() => undefined)));
  }
}
