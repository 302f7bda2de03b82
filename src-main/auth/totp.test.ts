import { describe, expect, it } from 'vitest';
import { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.js';

describe('TOTP', () => {
  const secret = newTotpSecret();
  const T = 1_800_000_000;

  it('accepts the current code and one step of drift either way, each step once', () => {
    const step = Math.floor(T / 30);
    expect(checkTotp(secret, totpCode(secret, T), null, T)).toBe(step);
    expect(checkTotp(secret, totpCode(secret, T - 30), null, T)).toBe(step - 1);
    expect(checkTotp(secret, totpCode(secret, T + 30), null, T)).toBe(step + 1);
    expect(checkTotp(secret, totpCode(secret, T - 90), null, T)).toBeNull();
    // A used step (or an older one) is a replay.
    expect(checkTotp(secret, totpCode(secret, T), step, T)).toBeNull();
    expect(checkTotp(secret, totpCode(secret, T - 30), step, T)).toBeNull();
  });

  it('refuses what is not six digits', () => {
    for (const code of ['', '12345', '1234567', 'abcdef', '12 456']) expect(checkTotp(secret, code, null, T)).toBeNull();
  });

  it('speaks otpauth:// for authenticator apps', () => {
    expect(totpUri(secret, 'sam', 'Streams Studio')).toBe(`otpauth://totp/Streams%20Studio:sam?secret=${secret}&issuer=Streams%20Studio`);
  });
});
