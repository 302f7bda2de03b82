import { describe, expect, it } from 'vitest';
import { LazyEngine, type BridgeEngine, type BridgeReader } from './engine.js';
import type { BridgeRecord } from './records.js';

/** An engine that records what it was asked (the real ones talk to NATS and Redis: bridges.int.test.ts). */
function recordingEngine(): BridgeEngine & { written: readonly BridgeRecord[][]; reads: string[]; readersClosed: number; closed: number } {
  const engine = {
    kind: 'nats' as const,
    written: [] as BridgeRecord[][],
    reads: [] as string[],
    readersClosed: 0,
    closed: 0,
    up: () => true,
    write: async (records: readonly BridgeRecord[]) => {
      engine.written.push([...records]);
    },
    read: (stream: string): BridgeReader => {
      engine.reads.push(stream);
      return { close: async () => void (engine.readersClosed += 1) };
    },
    close: async () => void (engine.closed += 1),
  };
  return engine;
}

const record = { stream: 's', channel: 'c', seq: 1, id: 'a', payload: '{}', meta: {} } as unknown as BridgeRecord;

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('LazyEngine: an engine whose module loads on first use', () => {
  it('is down until its module is there; a write and a reader made meanwhile go to it once loaded', async () => {
    const real = recordingEngine();
    const load = deferred<BridgeEngine>();
    const lazy = new LazyEngine('nats', () => load.promise);
    expect(lazy.kind).toBe('nats');
    expect(lazy.up()).toBe(false);
    const written = lazy.write([record]);
    lazy.read('show', 'b1', 'src', undefined, () => undefined, () => undefined);
    expect(real.written).toEqual([]);
    load.resolve(real);
    await written;
    expect(real.written).toEqual([[record]]);
    expect(real.reads).toEqual(['show']);
    expect(lazy.up()).toBe(true);
  });

  it('a reader closed before the module loaded never starts; closing the engine first closes the loaded one', async () => {
    const real = recordingEngine();
    const load = deferred<BridgeEngine>();
    const lazy = new LazyEngine('redis', () => load.promise);
    const reader = lazy.read('show', 'b1', 'src', undefined, () => undefined, () => undefined);
    await reader.close();
    await lazy.close();
    load.resolve(real);
    await new Promise((r) => setTimeout(r, 0));
    expect(real.reads).toEqual([]);
    expect(real.closed).toBe(1);
  });

  it('a module that fails to load fails each write and tells each reader, without an unhandled rejection', async () => {
    const lazy = new LazyEngine('nats', () => Promise.reject(new Error('Cannot find module nats')));
    const errors: string[] = [];
    lazy.read('show', 'b1', 'src', undefined, () => undefined, (e) => errors.push(e.message));
    await expect(lazy.write([record])).rejects.toThrow('Cannot find module nats');
    await new Promise((r) => setTimeout(r, 0));
    expect(errors).toEqual(['Cannot find module nats']);
    expect(lazy.up()).toBe(false);
    await lazy.close();
  });
});
