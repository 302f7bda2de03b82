import { describe, expect, it } from 'vitest';
import { MAX_FAILED_PAIRINGS, PAIRING_CODE_TTL_MS, PairingBook, VIEWER_TOKEN_TTL_MS } from './pairing.js';

function book() {
  let now = 1_000_000;
  return { book: new PairingBook(() => now), advance: (ms: number) => (now += ms) };
}

describe('PairingBook', () => {
  it('issues a six-digit code redeemable by several viewers, each with its own token', () => {
    const { book: b } = book();
    const session = b.open('vd-5', 'control');
    expect(session.pairingCode).toMatch(/^\d{6}$/);
    const one = b.redeem(session.pairingCode);
    const two = b.redeem(` ${session.pairingCode} `);
    expect(one.grant.token).not.toBe(two.grant.token);
    expect(b.check(one.grant.token).id).toBe(session.id);
    expect(b.check(two.grant.token).permission).toBe('control');
  });

  it('refuses wrong and expired codes, expired tokens and tokens of ended sessions', () => {
    const { book: b, advance } = book();
    const session = b.open('vd-5', 'view');
    expect(() => b.redeem('12345x')).toThrow(expect.objectContaining({ code: 'PAIRING_CODE_INVALID' }));
    expect(() => b.redeem(42)).toThrow(expect.objectContaining({ code: 'PAIRING_CODE_INVALID' }));
    const { grant } = b.redeem(session.pairingCode);
    advance(VIEWER_TOKEN_TTL_MS);
    expect(() => b.check(grant.token)).toThrow(expect.objectContaining({ code: 'REMOTE_TOKEN_INVALID' }));
    const later = b.open('vd-5', 'view');
    const fresh = b.redeem(later.pairingCode).grant;
    b.end(later.id);
    expect(() => b.check(fresh.token)).toThrow(expect.objectContaining({ code: 'REMOTE_TOKEN_INVALID' }));
    expect(() => b.check(undefined)).toThrow(expect.objectContaining({ code: 'REMOTE_TOKEN_INVALID' }));
    advance(PAIRING_CODE_TTL_MS);
    expect(() => b.redeem(session.pairingCode)).toThrow(expect.objectContaining({ code: 'PAIRING_CODE_INVALID' }));
  });

  it('locks pairing out for a minute after too many wrong codes', () => {
    const { book: b, advance } = book();
    const session = b.open('vd-1', 'control');
    const wrong = session.pairingCode === '000000' ? '000001' : '000000';
    for (let i = 0; i < MAX_FAILED_PAIRINGS; i++) expect(() => b.redeem(wrong)).toThrow();
    expect(() => b.redeem(session.pairingCode)).toThrow(expect.objectContaining({ code: 'RATE_LIMITED' }));
    advance(60_001);
    expect(b.redeem(session.pairingCode).session.id).toBe(session.id);
  });
});
