import type { BridgeRecord } from './records.js';

/** What the bridge service needs of a streaming engine: one module per engine (NATS JetStream, Redis Streams; Kafka fits the same shape). */
export interface BridgeEngine {
  readonly kind: 'nats' | 'redis';
  /**
   * Writes records in order and resolves once the engine acknowledged every one; rejects when any was
   * not (the caller sends the same records again: a record the engine already holds is not stored twice).
   */
  write(records: readonly BridgeRecord[]): Promise<void>;
  /** Reads a subject or key into `deliver` (at least once: acknowledged after `deliver` returned) until the reader is closed. */
  read(stream: string, bridgeId: string, source: string, fromSeq: number | undefined, deliver: (data: unknown) => void, onError: (error: Error) => void): BridgeReader;
  /** Connected now (writes may succeed). */
  up(): boolean;
  close(): Promise<void>;
}

export interface BridgeReader {
  close(): Promise<void>;
}

/**
 * An engine whose module (and its client library: nats.js, ioredis) is loaded on first use, not when
 * the host starts: `make` runs now, asynchronously; until it is done the engine is down, writes wait for
 * it and readers start once it is there. A module that fails to load fails each write and reader.
 */
export class LazyEngine implements BridgeEngine {
  private engine: BridgeEngine | null = null;
  private closed = false;
  private readonly loading: Promise<BridgeEngine>;

  constructor(
    readonly kind: BridgeEngine['kind'],
    make: () => Promise<BridgeEngine>,
  ) {
    this.loading = make().then((engine) => {
      if (this.closed) void engine.close().catch(() => undefined);
      this.engine = engine;
      return engine;
    });
    this.loading.catch(() => undefined);
  }

  up(): boolean {
    return this.engine?.up() ?? false;
  }

  async write(records: readonly BridgeRecord[]): Promise<void> {
    await (await this.loading).write(records);
  }

  read(stream: string, bridgeId: string, source: string, fromSeq: number | undefined, deliver: (data: unknown) => void, onError: (error: Error) => void): BridgeReader {
    let reader: BridgeReader | null = null;
    let stopped = false;
    this.loading.then(
      (engine) => {
        if (!stopped) reader = engine.read(stream, bridgeId, source, fromSeq, deliver, onError);
      },
      (error: unknown) => onError(error instanceof Error ? error : new Error(String(error))),
    );
    return {
      close: async () => {
        stopped = true;
        await reader?.close();
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.engine?.close();
  }
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
