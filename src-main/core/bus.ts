import type { EventEnvelope, EventName, EventPayload } from '../../src-shared/contract/index.js';

type Listener<E extends EventName> = (payload: EventPayload<E>) => void;

/**
 * The typed event bus: services emit contract events, transports (IPC, WebSocket) forward them.
 * A listener that throws is logged by the caller's onError and never breaks the emitter.
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly anyListeners = new Set<(envelope: EventEnvelope) => void>();
  private readonly last = new Map<EventName, unknown>();

  constructor(private readonly onError: (error: unknown, event: EventName) => void = () => {}) {}

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.last.set(event, payload);
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        this.onError(error, event);
      }
    }
    const envelope = { event, data: payload } as EventEnvelope;
    for (const listener of this.anyListeners) {
      try {
        listener(envelope);
      } catch (error) {
        this.onError(error, event);
      }
    }
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  onAny(listener: (envelope: EventEnvelope) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  /** The most recent payload of an event, so that a client joining late sees the current state at once. */
  lastOf<E extends EventName>(event: E): EventPayload<E> | undefined {
    return this.last.get(event) as EventPayload<E> | undefined;
  }
}
