import { describe, expect, it } from 'vitest';
import { md4, ntHash } from './nt-hash.js';

describe('MD4 and the NT hash', () => {
  it('gives the test suite of RFC 1320 (appendix A.5)', () => {
    const vectors: [string, string][] = [
      ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
      ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
      ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
      ['message digest', 'd9130a8164549fe818874806e1c7014b'],
      ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
      ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
    ];
    for (const [text, hex] of vectors) expect(md4(Buffer.from(text)).toString('hex'), JSON.stringify(text)).toBe(hex);
  });

  it('pads across a block boundary (55, 56 and 64 bytes) as a 64-byte block needs', () => {
    // Values from OpenSSL's own MD4 (its legacy provider): `openssl dgst -md4 -provider legacy`.
    expect(md4(Buffer.alloc(55, 'a')).toString('hex')).toBe('c889c81dd86c4d2e025778944ea02881');
    expect(md4(Buffer.alloc(56, 'a')).toString('hex')).toBe('d5f9a9e9257077a5f08b0b92f348b0ad');
    expect(md4(Buffer.alloc(64, 'a')).toString('hex')).toBe('52f5076fabd22680234a3fa9f9dc5732');
  });

  it('hashes the UTF-16LE password as NTLM does', () => {
    expect(ntHash('password')).toBe('8846f7eaee8fb117ad06bdd830b7586c');
    expect(ntHash('')).toBe('31d6cfe0d16ae931b73c59d7e0c089c0');
  });
});
