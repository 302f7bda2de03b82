import type { DataMessage } from './contract/data.js';

// Browsers and Node both have these; src-shared sees neither's types (it may import only zod).
declare function setTimeout(callback: () => void, ms: number): number;
declare function clearTimeout(handle: number | undefined): void;

/**
 * The data-channel SDK: one subscription (and, over WebSocket, publishing) that reconnects with backoff,
 * resumes after the last seq it saw (WebSocket `?afterSeq=`, SSE `?lastEventId=`), drops duplicates and
 * reconnects when the server's heartbeats stop. It imports nothing but types and gets its transports
 * (and the house's backoff) injected, so a player page can inline `connectData.toString()` and Node can
 * hand it `ws`. Wire formats: src-main/servers/data/.
 */

export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface EventSourceLike {
  onopen: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  addEventListener(type: string, listener: (ev: { data: string; lastEventId?: string }) => void): void;
  close(): void;
}

export interface DataAck {
  id: string;
  seq: number;
  mediaTime: number | null;
  programDateTime: number | null;
}

export type DataConnectionState = 'connecting' | 'open' | 'waiting' | 'closed';

export interface DataClientOptions {
  /** `http://host:port` (ws:// is derived from it). */
  baseUrl: string;
  stream: string;
  /** A channel name, or '*' for every channel of the stream (subscribe only). */
  channel: string;
  transport: 'ws' | 'sse';
  /** Opens a WebSocket (`(url) => new WebSocket(url)`; in Node `new WS(url, { headers })`). */
  openSocket?: (url: string) => SocketLike;
  /** Opens an EventSource (`(url) => new EventSource(url)`). */
  openEvents?: (url: string) => EventSourceLike;
  /** Extra query: `key`, a private stream's `exp`/`sig`/`ip`, `policy`, `format`, `compress` (`deflate`: permessage-deflate for large messages). */
  query?: Record<string, string>;
  /** Resume after this seq on the first connection too. */
  afterSeq?: number;
  /** Delay before the n-th reconnect in a row (the house's backoffDelay). */
  retryDelay: (failures: number) => number;
  /** No message or heartbeat for this long: the connection is taken as dead and replaced (default 45 s). */
  heartbeatTimeoutMs?: number;
  /** How long a publish waits for its ack, including a reconnect (default 10 s). */
  publishTimeoutMs?: number;
  onMessage: (message: DataMessage) => void;
  onGap?: (gap: { fromSeq: number; toSeq: number }) => void;
  onState?: (state: DataConnectionState, detail?: string) => void;
}

export interface DataConnection {
  /** Publishes over the WebSocket (waits for it while reconnecting); resolves with the ack. */
  publish(data: unknown, options?: { mediaTime?: number }): Promise<DataAck>;
  /** The newest seq seen per channel. */
  lastSeq(channel?: string): number;
  close(): void;
}

export function connectData(options: DataClientOptions): DataConnection {
  const heartbeatMs = options.heartbeatTimeoutMs ?? 45_000;
  const publishMs = options.publishTimeoutMs ?? 10_000;
  const seen: Record<string, number> = {};
  if (options.afterSeq !== undefined && options.channel !== '*') seen[options.channel] = options.afterSeq;
  const pending = new Map<string, { resolve: (ack: DataAck) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout>; frame: string; sent: boolean }>();
  let socket: SocketLike | null = null;
  let events: EventSourceLike | null = null;
  let failures = 0;
  let closed = false;
  let nextRef = 1;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;

  const state = (s: DataConnectionState, detail?: string): void => options.onState?.(s, detail);
  const base = options.baseUrl.replace(/\/+$/, '');
  const path = `/api/v1/streams/${encodeURIComponent(options.stream)}/data/${options.channel === '*' ? '*' : encodeURIComponent(options.channel)}`;
  const url = (kind: 'ws' | 'events'): string => {
    const q: Record<string, string> = { ...(options.query ?? {}) };
    const last = seen[options.channel];
    if (options.channel !== '*' && last !== undefined) q[kind === 'ws' ? 'afterSeq' : 'lastEventId'] = String(last);
    const qs = Object.keys(q)
      .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(q[k]!)}`)
      .join('&');
    const root = kind === 'ws' ? base.replace(/^http/, 'ws') : base;
    return `${root}${path}/${kind}${qs ? `?${qs}` : ''}`;
  };

  const alive = (): void => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => drop('no heartbeat'), heartbeatMs);
  };
  const deliver = (m: DataMessage): void => {
    if (m.seq <= (seen[m.channel] ?? 0)) return;
    seen[m.channel] = m.seq;
    options.onMessage(m);
  };
  const flushPublishes = (): void => {
    for (const p of pending.values()) {
      if (!p.sent && socket && socket.readyState === 1) {
        socket.send(p.frame);
        p.sent = true;
      }
    }
  };
  const onFrame = (text: string): void => {
    let frame: { type?: string; message?: DataMessage; ref?: string; error?: { code: string; message: string }; fromSeq?: number; toSeq?: number } & Partial<DataAck>;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === 'message' && frame.message) deliver(frame.message);
    else if (frame.type === 'gap') options.onGap?.({ fromSeq: frame.fromSeq ?? 0, toSeq: frame.toSeq ?? 0 });
    else if ((frame.type === 'ack' || frame.type === 'error') && frame.ref !== undefined) {
      const p = pending.get(String(frame.ref));
      if (!p) return;
      pending.delete(String(frame.ref));
      clearTimeout(p.timer);
      if (frame.type === 'ack') p.resolve({ id: frame.id!, seq: frame.seq!, mediaTime: frame.mediaTime ?? null, programDateTime: frame.programDateTime ?? null });
      else p.reject(Object.assign(new Error(frame.error?.message ?? 'publish refused'), { code: frame.error?.code }));
    }
  };

  /** Either transport is up: the retry count starts over. */
  const opened = (): void => {
    failures = 0;
    state('open');
    alive();
  };

  const open = (): void => {
    if (closed) return;
    state('connecting');
    alive();
    if (options.transport === 'ws') {
      if (!options.openSocket) throw new Error('connectData: transport ws needs openSocket');
      const s = options.openSocket(url('ws'));
      socket = s;
      s.onopen = () => {
        opened();
        flushPublishes();
      };
      s.onmessage = (ev) => {
        alive();
        // Text frames only (browsers and `ws` give strings); binary MessagePack frames are for `?format=msgpack` clients.
        if (typeof ev.data === 'string') onFrame(ev.data);
      };
      s.onerror = () => undefined;
      s.onclose = (ev) => {
        if (socket === s) drop(`closed ${ev.code ?? ''} ${ev.reason ?? ''}`.trim());
      };
    } else {
      if (!options.openEvents) throw new Error('connectData: transport sse needs openEvents');
      const es = options.openEvents(url('events'));
      events = es;
      es.onopen = opened;
      es.addEventListener('message', (ev) => {
        alive();
        try {
          deliver(JSON.parse(ev.data) as DataMessage);
        } catch {
          // A garbled event is skipped; the seq check keeps the order.
        }
      });
      es.addEventListener('heartbeat', () => alive());
      es.addEventListener('gap', (ev) => {
        try {
          options.onGap?.(JSON.parse(ev.data));
        } catch {
          // ignored like a garbled message
        }
      });
      // EventSource would retry on its own without backoff: we close it and reconnect ourselves.
      es.onerror = () => {
        if (events === es) drop('event stream failed');
      };
    }
  };

  const drop = (reason: string): void => {
    clearTimeout(idleTimer);
    const s = socket;
    const es = events;
    socket = null;
    events = null;
    if (s) {
      s.onclose = null;
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    es?.close();
    for (const p of pending.values()) p.sent = false;
    if (closed) return;
    failures++;
    const delay = options.retryDelay(failures);
    state('waiting', `${reason}; retrying in ${delay} ms`);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, delay);
  };

  open();

  return {
    publish(data, publishOptions = {}) {
      if (options.transport !== 'ws' || options.channel === '*') return Promise.reject(new Error('publish needs the WebSocket transport on one channel'));
      if (closed) return Promise.reject(new Error('the connection is closed'));
      const ref = String(nextRef++);
      const frame = JSON.stringify({ type: 'publish', ref, data, ...(publishOptions.mediaTime !== undefined ? { mediaTime: publishOptions.mediaTime } : {}) });
      return new Promise<DataAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(ref);
          reject(new Error(`no ack within ${publishMs} ms`));
        }, publishMs);
        pending.set(ref, { resolve, reject, timer, frame, sent: false });
        flushPublishes();
      });
    },
    lastSeq: (channel = options.channel) => seen[channel] ?? 0,
    close() {
      closed = true;
      clearTimeout(retryTimer);
      drop('closed by the client');
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('the connection is closed'));
      }
      pending.clear();
      state('closed');
    },
  };
}
