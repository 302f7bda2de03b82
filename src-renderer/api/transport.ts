import type { CallResult, EventEnvelope, MethodName } from '../../src-shared/contract/index.js';

/** `live`: events flow; `connecting`: first attempt; `reconnecting`: dropped, retrying with backoff. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** What the client needs from IPC or HTTP+WebSocket; it never learns which one it has. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  invoke(name: MethodName, input: unknown): Promise<CallResult<unknown>>;
  /** Starts the event stream (idempotent). */
  startEvents(): void;
  stopEvents(): void;
  onEnvelope(listener: (envelope: EventEnvelope) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  connection(): ConnectionState;
}

/** A tiny listener set, so each transport does not re-implement add/remove/emit. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of [...this.set]) {
      try {
        listener(value);
      } catch (err) {
        console.error('listener failed', err);
      }
    }
  }
}
