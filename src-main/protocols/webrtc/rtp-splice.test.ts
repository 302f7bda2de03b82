import { describe, expect, it } from 'vitest';
import { RtpSplicer } from './rtp-splice.js';

const packet = (ssrc: number, sequenceNumber: number, timestamp: number) => ({ ssrc, sequenceNumber, timestamp });

describe('RtpSplicer', () => {
  it('passes the first source unchanged', () => {
    const s = new RtpSplicer(90000);
    const p = packet(1, 65535, 4294967000);
    s.rewrite(p, 0);
    expect(p).toEqual(packet(1, 65535, 4294967000));
    const q = packet(1, 0, 4294967295);
    s.rewrite(q, 10);
    expect(q).toEqual(packet(1, 0, 4294967295));
  });

  it('goes on from the last packet sent when a new source comes: next sequence number, timestamp advanced by the pause', () => {
    const s = new RtpSplicer(90000);
    s.rewrite(packet(1, 100, 9000), 1000);
    s.rewrite(packet(1, 101, 12000), 1033);
    // 2 s later a new publisher, numbering from elsewhere.
    const first = packet(2, 5000, 777);
    s.rewrite(first, 3033);
    expect(first.sequenceNumber).toBe(102);
    expect(first.timestamp).toBe(12000 + 2 * 90000);
    const next = packet(2, 5001, 777 + 3000);
    s.rewrite(next, 3066);
    expect(next.sequenceNumber).toBe(103);
    expect(next.timestamp).toBe(12000 + 2 * 90000 + 3000);
    expect(s.timestampOffset).toBe((12000 + 180000 - 777) >>> 0);
  });

  it('wraps sequence numbers and timestamps', () => {
    const s = new RtpSplicer(48000);
    s.rewrite(packet(1, 65535, 4294967295 - 480), 0);
    const p = packet(9, 10, 4294967000);
    s.rewrite(p, 20);
    expect(p.sequenceNumber).toBe(0);
    expect(p.timestamp).toBe((4294967295 - 480 + 960) >>> 0);
  });

  it('a late packet of the current source does not move the mark back', () => {
    const s = new RtpSplicer(90000);
    s.rewrite(packet(1, 10, 1000), 0);
    s.rewrite(packet(1, 12, 7000), 66);
    s.rewrite(packet(1, 11, 4000), 70);
    const p = packet(2, 0, 0);
    s.rewrite(p, 100);
    expect(p.sequenceNumber).toBe(13);
    expect(p.timestamp).toBe(7000 + Math.round((34 * 90000) / 1000));
  });
});
