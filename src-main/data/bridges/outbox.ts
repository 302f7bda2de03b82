import type { BridgeRecord } from './records.js';

/** Most records one write carries (what waited while the previous write was acknowledged). */
export const MAX_BATCH = 1000;
const FIRST_RETRY_MS = 250;
const LAST_RETRY_MS = 5000;

export class EngineOffError extends Error {}

export interface OutboxOptions {
  write(records: readonly BridgeRecord[]): Promise<void>;
  /** Records it may hold (bridges.bufferMessages); past it, new ones are dropped and counted. */
  limit(): number;
  now?: () => number;
}

/**
 * One out-bridge's queue: records wait here until the engine acknowledged them, one batch in flight at a
 * time, in order. A failed batch stays at the head and is sent again after a growing pause (the engines
 * store a resent record once). Pushing never waits and never throws: publishing to a channel is never
 * held up by an engine that is slow, down or refusing.
 */
export class Outbox {
  sent = 0;
  dropped = 0;
  errors = 0;
  lastError: string | null = null;
  state: 'connecting' | 'up' | 'down' | 'off' = 'connecting';
  private items: BridgeRecord[] = [];
  private head = 0;
  private inFlight = 0;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  get buffered(): number {
    return this.items.length - this.head;
  }

  /** Age of the oldest record not yet acknowledged, 0 when none waits. */
  lagMs(): number {
    const first = this.items[this.head];
    return first ? Math.max(0, this.now() - first.at) : 0;
  }

  push(record: BridgeRecord): void {
    if (this.closed) return;
    if (this.buffered >= this.options.limit()) {
      this.dropped++;
      return;
    }
    this.items.push(record);
    if (this.inFlight === 0 && this.timer === undefined) this.pump();
  }

  /** Sends what waits now (after a settings change, without waiting for the pause). */
  kick(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pump();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private pump(): void {
    if (this.closed || this.inFlight > 0 || this.buffered === 0) return;
    const batch = this.items.slice(this.head, this.head + MAX_BATCH);
    this.inFlight = batch.length;
    let written: Promise<void>;
    try {
      written = this.options.write(batch);
    } catch (error) {
      written = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    written.then(
      () => {
        this.inFlight = 0;
        this.head += batch.length;
        if (this.head > 4096 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        this.sent += batch.length;
        this.state = 'up';
        this.retryMs = FIRST_RETRY_MS;
        this.pump();
      },
      (error: unknown) => {
        this.inFlight = 0;
        if (error instanceof EngineOffError) {
          this.state = 'off';
        } else {
          this.state = 'down';
          this.errors++;
          this.lastError = error instanceof Error ? error.message : String(error);
        }
        if (this.closed) return;
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, this.retryMs);
        this.timer.unref();
        this.retryMs = Math.min(LAST_RETRY_MS, this.retryMs * 2);
      },
    );
  }
}
