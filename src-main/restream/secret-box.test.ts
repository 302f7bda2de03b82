import { describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { keyHintOf, newBoxSecret, SecretBox } from './secret-box.js';

describe('SecretBox', () => {
  const secret = newBoxSecret();
  const box = new SecretBox(() => secret);

  it('seals with a fresh IV each time and opens with the same context', () => {
    const a = box.seal('live_123456_abcdef', 'dst_1');
    const b = box.seal('live_123456_abcdef', 'dst_1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(a).not.toContain('live_123456');
    expect(box.open(a, 'dst_1')).toBe('live_123456_abcdef');
    expect(box.open(box.seal('ключ 🔑', 'x'), 'x')).toBe('ключ 🔑');
  });

  it('refuses another context, another secret, a tampered or malformed value', () => {
    const sealed = box.seal('key-1', 'dst_1');
    expect(() => box.open(sealed, 'dst_2')).toThrow(StudioError);
    expect(() => new SecretBox(newBoxSecret).open(sealed, 'dst_1')).toThrow(/could not be decrypted/);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0]! ^= 1;
    expect(() => box.open([parts[0], parts[1], parts[2], body.toString('base64url')].join('.'), 'dst_1')).toThrow(/could not be decrypted/);
    expect(() => box.open('plaintext-key', 'dst_1')).toThrow(/unknown format/);
    expect(() => box.open(sealed.replace(/^v1/, 'v2'), 'dst_1')).toThrow(/unknown format/);
  });

  it('reads the secret at first use and wants 32 bytes', () => {
    let reads = 0;
    const lazy = new SecretBox(() => {
      reads++;
      return secret;
    });
    expect(reads).toBe(0);
    lazy.open(lazy.seal('k', 'c'), 'c');
    expect(reads).toBe(1);
    expect(() => new SecretBox(() => Buffer.alloc(16).toString('base64url')).seal('k', 'c')).toThrow(/32 bytes/);
    expect(Buffer.from(newBoxSecret(), 'base64url')).toHaveLength(32);
  });
});

describe('keyHintOf', () => {
  it('shows the last 4 characters of a long enough key only', () => {
    expect(keyHintOf('live_123456_a1b2')).toBe('…a1b2');
    expect(keyHintOf('short')).toBe('…');
    expect(keyHintOf(null)).toBeNull();
    expect(keyHintOf('')).toBeNull();
  });
});
