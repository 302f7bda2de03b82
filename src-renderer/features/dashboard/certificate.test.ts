import { describe, expect, it } from 'vitest';
import { certificateState } from './certificate-model.js';

const base = { subject: 'CN=x', issuer: 'CN=ca', names: ['localhost'], notBefore: 0, notAfter: 0, fingerprint256: 'AA', caUrl: null };

describe('certificate state', () => {
  it('warns under 30 days and says when it expired', () => {
    expect(certificateState({ ...base, mode: 'self-ca', daysLeft: 396 })).toEqual({ word: 'valid for 396 days', tone: 'ok' });
    expect(certificateState({ ...base, mode: 'files', daysLeft: 12 })).toEqual({ word: 'expires in 12 days', tone: 'warn' });
    expect(certificateState({ ...base, mode: 'files', daysLeft: -1 })).toEqual({ word: 'expired', tone: 'bad' });
    expect(certificateState({ ...base, mode: 'off', daysLeft: null })).toEqual({ word: 'plain HTTP', tone: 'off' });
  });
});
