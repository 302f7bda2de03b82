import type { EventEnvelope, MethodName, StudioBridge } from '../../src-shared/contract/index.js';
import { Listeners, type ConnectionState, type Transport } from './transport.js';

/** Electron: the preload's `window.studio`. The main process is always there, so always live. */
export class IpcTransport implements Transport {
  readonly kind = 'ipc' as const;
  private readonly envelopes = new Listeners<EventEnvelope>();
  private readonly states = new Listeners<ConnectionState>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly bridge: StudioBridge) {}

  invoke(name: MethodName, input: unknown) {
    return this.bridge.invoke(name, input);
  }

  startEvents(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.bridge.onEvent((envelope) => this.envelopes.emit(envelope));
    this.states.emit('live');
  }

  stopEvents(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.states.emit('offline');
  }

  onEnvelope(listener: (envelope: EventEnvelope) => void) {
    return this.envelopes.add(listener);
  }

  onConnection(listener: (state: ConnectionState) => void) {
    return this.states.add(listener);
  }

  connection(): ConnectionState {
    return this.unsubscribe ? 'live' : 'offline';
  }
}
