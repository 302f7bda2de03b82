import { describe, expect, it } from 'vitest';
import { decodeLossList, encodeLossList, rangeLength, SEQ_MAX, seqAdd, seqDiff, seqInc } from './seq.js';

describe('31-bit sequence numbers', () => {
  it('wraps at 2^31', () => {
    expect(seqInc(SEQ_MAX)).toBe(0);
    expect(seqInc(41)).toBe(42);
    expect(seqAdd(SEQ_MAX - 1, 3)).toBe(1);
    expect(seqAdd(1, -3)).toBe(SEQ_MAX - 1);
  });

  it('compares across the wrap by signed distance', () => {
    expect(seqDiff(2, SEQ_MAX)).toBe(3);
    expect(seqDiff(SEQ_MAX, 2)).toBe(-3);
    expect(seqDiff(100, 100)).toBe(0);
    expect(seqDiff(0x3fffffff, 0)).toBe(0x3fffffff);
    expect(rangeLength({ from: SEQ_MAX - 1, to: 1 })).toBe(4);
  });
});

describe('NAK loss list', () => {
  it('writes a lone loss as one word and a range as a flagged pair', () => {
    const list = encodeLossList([{ from: 0x36a3f865, to: 0x36a3f865 }, { from: 10, to: 12 }]);
    expect(list.toString('hex')).toBe('36a3f865' + '8000000a' + '0000000c');
  });

  it('reads back ranges, including one across the wrap', () => {
    const ranges = [{ from: 5, to: 5 }, { from: SEQ_MAX - 1, to: 2 }, { from: 7, to: 9 }];
    expect(decodeLossList(encodeLossList(ranges))).toEqual(ranges);
  });

  it('reads a NAK that libsrt sent (one lost packet) and ignores a truncated range', () => {
    expect(decodeLossList(Buffer.from('36a3f865', 'hex'))).toEqual([{ from: 916715621, to: 916715621 }]);
    expect(decodeLossList(Buffer.from('80000005', 'hex'))).toEqual([]);
  });
});
