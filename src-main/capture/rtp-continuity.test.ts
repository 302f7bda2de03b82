import { describe, expect, it } from 'vitest';
import { RtpContinuity } from './rtp-continuity.js';

function rtp(ssrc: number, seq: number, ts: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}
const fields = (b: Buffer) => ({ seq: b.readUInt16BE(2), ts: b.readUInt32BE(4) });

describe('RtpContinuity', () => {
  it('leaves one source untouched', () => {
    const c = new RtpContinuity(90_000, () => 0);
    expect(fields(c.rewrite(rtp(1, 100, 5000)))).toEqual({ seq: 100, ts: 5000 });
    expect(fields(c.rewrite(rtp(1, 101, 8000)))).toEqual({ seq: 101, ts: 8000 });
  });

  it('continues numbering and timing when a new source (a restarted encoder) takes over', () => {
    let now = 0;
    const c = new RtpContinuity(90_000, () => now);
    c.rewrite(rtp(1, 65_535, 4_294_967_000));
    now = 500;
    // Half a second later a new encoder starts at random numbers.
    expect(fields(c.rewrite(rtp(2, 777, 123)))).toEqual({ seq: 0, ts: (4_294_967_000 + 45_000) % 2 ** 32 });
    now = 533;
    expect(fields(c.rewrite(rtp(2, 778, 123 + 3000)))).toEqual({ seq: 1, ts: (4_294_967_000 + 48_000) % 2 ** 32 });
  });

  it('moves the timestamp forward by at least one tick and ignores what is not RTP v2', () => {
    const c = new RtpContinuity(48_000, () => 0);
    c.rewrite(rtp(1, 10, 1000));
    expect(fields(c.rewrite(rtp(2, 50, 9)))).toEqual({ seq: 11, ts: 1001 });
    const junk = Buffer.from([1, 2, 3]);
    expect(c.rewrite(junk)).toBe(junk);
  });
});
