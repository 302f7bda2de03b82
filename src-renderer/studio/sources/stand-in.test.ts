import { describe, expect, it } from 'vitest';
import { framesDecoded, FREEZE_MS, guestStandIn } from './stand-in.js';

describe("a guest's stand-in", () => {
  it('shows their own picture while it comes, and frozen for a moment when it stops', () => {
    expect(guestStandIn('live', 10)).toBe('own');
    expect(guestStandIn('stalled', FREEZE_MS - 1)).toBe('own');
  });
  it('counts a picture handed over again without a new frame as old (live, but nothing new for a while)', () => {
    expect(guestStandIn('live', FREEZE_MS)).toBe('reconnecting');
    expect(framesDecoded([{ type: 'inbound-rtp', kind: 'audio', framesDecoded: 9 }, { type: 'inbound-rtp', kind: 'video', framesDecoded: 41 }])).toBe(41);
    expect(framesDecoded([{ type: 'candidate-pair' }])).toBe(0);
  });
  it('then their card: reconnecting after a picture, joining before any, sound only without a camera', () => {
    expect(guestStandIn('stalled', FREEZE_MS)).toBe('reconnecting');
    expect(guestStandIn('lost', 20_000)).toBe('reconnecting');
    expect(guestStandIn('starting', 5000)).toBe('reconnecting');
    expect(guestStandIn('starting', Number.POSITIVE_INFINITY)).toBe('joining');
    expect(guestStandIn('error', Number.POSITIVE_INFINITY)).toBe('joining');
    expect(guestStandIn('live', Number.POSITIVE_INFINITY)).toBe('soundOnly');
  });
});
