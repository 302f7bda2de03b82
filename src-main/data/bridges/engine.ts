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

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
