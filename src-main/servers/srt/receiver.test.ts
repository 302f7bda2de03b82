import { describe, expect, it } from 'vitest';
import { SrtReceiver } from './receiver.js';
import { SEQ_MAX, seqAdd } from './seq.js';

const p = (n: number): Buffer => Buffer.from([n & 0xff]);
const bytes = (list: Buffer[]): number[] => list.map((b) => b[0]!);

function receiver(isn = 100, options: Partial<ConstructorParameters<typeof SrtReceiver>[0]> = {}): SrtReceiver {
  return new SrtReceiver({ isn, windowPackets: 64, latencyMs: 120, tooLateDrop: true, ...options });
}

describe('SrtReceiver: order and loss', () => {
  it('delivers in order and NAKs a hole at once', () => {
    const r = receiver();
    expect(bytes(r.onData(100, p(0), 0).deliver)).toEqual([0]);
    const gap = r.onData(103, p(3), 1);
    expect(gap).toEqual({ deliver: [], lost: [{ from: 101, to: 102 }] });
    expect(r.lossList).toEqual([{ from: 101, to: 102 }]);
    expect(bytes(r.onData(102, p(2), 2, true).deliver)).toEqual([]);
    expect(r.lossList).toEqual([{ from: 101, to: 101 }]);
    expect(bytes(r.onData(101, p(1), 3, true).deliver)).toEqual([1, 2, 3]);
    expect(r.lossList).toEqual([]);
    expect(r.stats).toMatchObject({ packets: 4, lost: 2, retransmitted: 2, dropped: 0 });
  });

  it('splits a range when its middle arrives and ignores duplicates', () => {
    const r = receiver();
    r.onData(100, p(0), 0);
    r.onData(110, p(10), 0);
    r.onData(105, p(5), 1);
    expect(r.lossList).toEqual([{ from: 101, to: 104 }, { from: 106, to: 109 }]);
    expect(r.pendingLoss).toBe(8);
    expect(r.onData(105, p(5), 2).deliver).toEqual([]);
    expect(r.onData(99, p(99), 2).deliver).toEqual([]);
    expect(r.stats.duplicates).toBe(2);
  });

  it('re-NAKs what is still missing every max((RTT+4·RTTVar)/2, 20 ms), compressed', () => {
    const r = receiver(100, { tooLateDrop: false });
    r.onData(100, p(0), 0);
    r.onData(102, p(2), 0);
    r.onData(106, p(6), 0);
    expect(r.tick(5).nak).toEqual([]);
    // Initial RTT 100 ms, variance 50 ms: (100 + 200) / 2 = 150 ms.
    expect(r.tick(149).nak).toEqual([]);
    expect(r.tick(150).nak).toEqual([{ from: 101, to: 101 }, { from: 103, to: 105 }]);
    expect(r.tick(160).nak).toEqual([]);
    // Once the RTT is known (1 ms here) the interval is its floor, 20 ms.
    r.onData(101, p(1), 161);
    expect(r.tick(170)).toMatchObject({ ack: { ackNumber: 2, lastAckSeq: 103 }, nak: [] });
    r.onAckAck(2, 171);
    expect(r.tick(309).nak).toEqual([{ from: 103, to: 105 }]);
    expect(r.tick(328).nak).toEqual([]);
    expect(r.tick(329).nak).toEqual([{ from: 103, to: 105 }]);
  });

  it('works across the 31-bit wrap', () => {
    const isn = SEQ_MAX - 1;
    const r = receiver(isn);
    r.onData(isn, p(0), 0);
    expect(r.onData(1, p(3), 0).lost).toEqual([{ from: SEQ_MAX, to: 0 }]);
    expect(bytes(r.onData(0, p(2), 1).deliver)).toEqual([]);
    expect(bytes(r.onData(SEQ_MAX, p(1), 1).deliver)).toEqual([1, 2, 3]);
    expect(r.ackSeq).toBe(2);
  });

  it('ignores packets beyond the window', () => {
    const r = receiver(0, { windowPackets: 8 });
    expect(r.onData(8, p(8), 0)).toEqual({ deliver: [], lost: [] });
    expect(r.stats.outsideWindow).toBe(1);
    expect(r.onData(7, p(7), 0).lost).toEqual([{ from: 0, to: 6 }]);
  });
});

describe('SrtReceiver: giving up', () => {
  it('drops a hole once the packet after it has waited the latency (too-late drop)', () => {
    const r = receiver(0, { latencyMs: 120 });
    r.onData(0, p(0), 0);
    r.onData(2, p(2), 10);
    r.onData(3, p(3), 20);
    expect(r.tick(129).deliver).toEqual([]);
    expect(bytes(r.tick(130).deliver)).toEqual([2, 3]);
    expect(r.stats.dropped).toBe(1);
    expect(r.lossList).toEqual([]);
    // The late original is now a duplicate.
    expect(r.onData(1, p(1), 131).deliver).toEqual([]);
  });

  it('waits for holes when too-late drop was not agreed', () => {
    const r = receiver(0, { tooLateDrop: false });
    r.onData(0, p(0), 0);
    r.onData(2, p(2), 0);
    expect(r.tick(10_000).deliver).toEqual([]);
    expect(bytes(r.onData(1, p(1), 10_001).deliver)).toEqual([1, 2]);
  });

  it('skips what the sender dropped (DROPREQ), also past what it has seen', () => {
    const r = receiver(0);
    r.onData(0, p(0), 0);
    r.onData(4, p(4), 0);
    expect(bytes(r.onDropRequest(1, 2))).toEqual([]);
    expect(r.lossList).toEqual([{ from: 3, to: 3 }]);
    expect(bytes(r.onDropRequest(3, 6))).toEqual([4]);
    expect(r.ackSeq).toBe(7);
    expect(bytes(r.onData(7, p(7), 1).deliver)).toEqual([7]);
    expect(r.stats.dropped).toBe(5);
    // Out of window or backwards: ignored.
    expect(r.onDropRequest(8, seqAdd(8, 10_000))).toEqual([]);
    expect(r.onDropRequest(9, 8)).toEqual([]);
  });
});

describe('SrtReceiver: ACK and RTT', () => {
  it('sends a full ACK when the ack point moves, repeats it until ACKACKed, and measures RTT', () => {
    const r = receiver(0);
    expect(r.tick(0).ack).toBeUndefined();
    r.onData(0, p(0), 0);
    r.onData(1, p(1), 0);
    const first = r.tick(10).ack!;
    expect(first).toMatchObject({ ackNumber: 1, lastAckSeq: 2, rttUs: 100_000, rttVarUs: 50_000, availableBuffer: 64 });
    // Not acknowledged yet: repeated after RTT + 4·RTTVar (300 ms at the start).
    expect(r.tick(20).ack).toBeUndefined();
    expect(r.tick(310).ack).toMatchObject({ ackNumber: 2, lastAckSeq: 2 });
    r.onAckAck(2, 314);
    expect(r.rttMs).toBe(4);
    expect(r.rttVarMs).toBe(2);
    expect(r.tick(1000).ack).toBeUndefined();
    r.onData(2, p(2), 1001);
    expect(r.tick(1010).ack).toMatchObject({ ackNumber: 3, lastAckSeq: 3, rttUs: 4000, rttVarUs: 2000 });
    r.onAckAck(3, 1016);
    expect(r.rttMs).toBeCloseTo(0.875 * 4 + 0.125 * 6);
    r.onAckAck(99, 1020);
    expect(r.rttMs).toBeCloseTo(4.25);
  });

  it('reports the free buffer and the receiving rates', () => {
    const r = receiver(0, { tooLateDrop: false });
    r.onData(0, Buffer.alloc(1316), 0);
    for (let i = 2; i <= 10; i++) r.onData(i, Buffer.alloc(1316), i * 100);
    const ack = r.tick(1000).ack!;
    expect(ack.lastAckSeq).toBe(1);
    expect(ack.availableBuffer).toBe(64 - 9);
    expect(ack.packetsPerSecond).toBe(10);
    expect(ack.bytesPerSecond).toBe(13160);
  });
});
