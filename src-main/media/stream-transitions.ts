import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import type { StreamStore } from '../store/streams.js';
import { nextState, type StreamEvent } from './stream-state.js';

/** The stream state machine (stream-state.ts) applied: every transition persisted, logged and emitted. */
export class StreamTransitions {
  constructor(
    private readonly options: {
      store: Pick<StreamStore, 'get' | 'list' | 'setState'>;
      bus: Pick<EventBus, 'emit'>;
      logger: Logger;
    },
  ) {}

  /** Applies the event to the stream's state; nothing happens when it does not apply (or the stream is gone). */
  apply(name: string, event: StreamEvent, reason: string | null): void {
    const { store, bus, logger } = this.options;
    const record = store.get(name);
    if (!record) return;
    const next = nextState(record.state, event);
    if (!next) return;
    const at = Date.now();
    store.setState(name, next, at, reason);
    logger.info({ stream: name, from: record.state, to: next, reason }, 'stream state');
    bus.emit('stream.state', { name, state: next, at, reason });
  }

  /** At start: a stream left `live` by a crash is not live any more (nobody is listening yet). */
  endLeftLive(): void {
    const { store } = this.options;
    for (const record of store.list()) {
      if (record.state === 'live') store.setState(record.name, 'ended', Date.now(), 'host restarted');
    }
  }
}
