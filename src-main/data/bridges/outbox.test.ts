import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EngineOffError, MAX_BATCH, Outbox } from './outbox.js';
import type { BridgeRecord } from './records.js';

const rec = (seq: number, at = 1000): BridgeRecord => ({ stream: 's', channel: 'c', seq, id: `s/c:${seq}`, at, payload: String(seq), meta: { seq: String(seq) } });

/** An engine whose writes are settled by the test, each with what it was given. */
function fakeEngine() {
  const writes: { records: number[]; resolve(): void; reject(e: Error): void }[] = [];
  const write = (records: readonly BridgeRecord[]) =>
    new Promise<void>((resolve, reject) => writes.push({ records: records.map((r) => r.seq), resolve, reject }));
  return { writes, write };
}

describe('Outbox', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes one batch at a time, in order: what arrived meanwhile goes in the next one', async () => {
    const engine = fakeEngine();
    const box = new Outbox({ write: engine.write, limit: () => 100 });
    box.push(rec(1));
    box.push(rec(2));
    box.push(rec(3));
    expect(engine.writes.map((w) => w.records)).toEqual([[1]]);
    engine.writes[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.writes.map((w) => w.records)).toEqual([[1], [2, 3]]);
    engine.writes[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect({ sent: box.sent, buffered: box.buffered, state: box.state }).toEqual({ sent: 3, buffered: 0, state: 'up' });
  });

  it('sends a failed batch again after a growing pause, counting the error, and keeps its place at the head', async () => {
    const engine = fakeEngine();
    let now = 1000;
    const box = new Outbox({ write: engine.write, limit: () => 100, now: () => now });
    box.push(rec(1, 1000));
    box.push(rec(2, 1000));
    engine.writes[0]!.reject(new Error('connection refused'));
    await vi.advanceTimersByTimeAsync(0);
    expect({ state: box.state, errors: box.errors, lastError: box.lastError, buffered: box.buffered }).toEqual({ state: 'down', errors: 1, lastError: 'connection refused', buffered: 2 });
    now = 1400;
    expect(box.lagMs()).toBe(400);
    await vi.advanceTimersByTimeAsync(249);
    expect(engine.writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.writes[1]!.records).toEqual([1, 2]);
    engine.writes[1]!.reject(new Error('again'));
    await vi.advanceTimersByTimeAsync(499);
    expect(engine.writes).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(engine.writes[2]!.records).toEqual([1, 2]);
    engine.writes[2]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect({ sent: box.sent, errors: box.errors, buffered: box.buffered, lag: box.lagMs() }).toEqual({ sent: 2, errors: 2, buffered: 0, lag: 0 });
  });

  it('drops and counts what comes past its limit, never throwing at the publisher', () => {
    const engine = fakeEngine();
    const box = new Outbox({ write: engine.write, limit: () => 3 });
    for (let i = 1; i <= 5; i++) expect(() => box.push(rec(i))).not.toThrow();
    expect({ buffered: box.buffered, dropped: box.dropped }).toEqual({ buffered: 3, dropped: 2 });
  });

  it('caps a batch at MAX_BATCH records', async () => {
    const engine = fakeEngine();
    const box = new Outbox({ write: engine.write, limit: () => 10_000 });
    for (let i = 1; i <= MAX_BATCH + 10; i++) box.push(rec(i));
    engine.writes[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(engine.writes[1]!.records).toHaveLength(MAX_BATCH);
    expect(engine.writes[1]!.records[0]).toBe(2);
  });

  it('an engine without a URL is "off", not an error; a write that throws is a failed write', async () => {
    const box = new Outbox({ write: () => Promise.reject(new EngineOffError('bridges.natsUrl is empty')), limit: () => 10 });
    box.push(rec(1));
    await vi.advanceTimersByTimeAsync(0);
    expect({ state: box.state, errors: box.errors }).toEqual({ state: 'off', errors: 0 });
    const throwing = new Outbox({
      write: () => {
        throw new Error('sync');
      },
      limit: () => 10,
    });
    throwing.push(rec(1));
    await vi.advanceTimersByTimeAsync(0);
    expect({ state: throwing.state, errors: throwing.errors, lastError: throwing.lastError }).toEqual({ state: 'down', errors: 1, lastError: 'sync' });
    throwing.close();
    box.close();
  });
});
