import { describe, expect, it } from 'vitest';
import { codeOfStatus, lastSegment, parseChecksum, parseConcat, parseMetadata } from './headers.js';

describe('tus extension headers', () => {
  it('parses Upload-Checksum and refuses unknown algorithms and bad syntax', () => {
    const sha1 = parseChecksum('sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=');
    expect(sha1).toMatchObject({ ok: true, value: { algorithm: 'sha1' } });
    expect(sha1.ok && sha1.value.digest.toString('hex')).toBe('2aae6c35c94fcfb415dbe95f408b9ce91ee846ed');
    expect(parseChecksum('crc32 AAAA')).toMatchObject({ ok: false, message: expect.stringContaining('sha1, md5, sha256') });
    expect(parseChecksum('sha1')).toMatchObject({ ok: false });
    expect(parseChecksum('sha1 not*base64')).toMatchObject({ ok: false });
  });

  it('parses Upload-Concat partial and final with absolute or relative URLs, at most 10 parts', () => {
    expect(parseConcat('partial')).toEqual({ ok: true, value: { kind: 'partial' } });
    expect(parseConcat('final;/api/v1/uploads/a1 http://h:1/api/v1/uploads/b2?x=1')).toEqual({ ok: true, value: { kind: 'final', ids: ['a1', 'b2'] } });
    expect(parseConcat('final;')).toMatchObject({ ok: false });
    expect(parseConcat('final;/u/../..')).toMatchObject({ ok: false });
    expect(parseConcat(`final;${Array.from({ length: 11 }, (_, i) => `/u/p${i}`).join(' ')}`)).toMatchObject({ ok: false, message: expect.stringContaining('at most 10') });
    expect(parseConcat('whole')).toMatchObject({ ok: false });
  });

  it('takes the upload id from the last path segment only when it is a plain id', () => {
    expect(lastSegment('/api/v1/uploads/0123abcd')).toBe('0123abcd');
    expect(lastSegment('/api/v1/uploads/a%2Fb')).toBe('');
    expect(lastSegment('/api/v1/uploads/')).toBe('uploads');
  });

  it('parses Upload-Metadata: base64 values, keys without a value, duplicates refused', () => {
    expect(parseMetadata('filename bXkubXA0,title w6l0w6k=,public')).toEqual({ ok: true, value: { filename: 'my.mp4', title: 'été', public: '' } });
    expect(parseMetadata(undefined)).toEqual({ ok: true, value: {} });
    expect(parseMetadata('a YQ==,a Yg==')).toMatchObject({ ok: false });
    expect(parseMetadata('a b c')).toMatchObject({ ok: false });
  });

  it('names the error code of each tus status', () => {
    expect([409, 410, 413, 460, 507, 412, 500].map(codeOfStatus)).toEqual([
      'CONFLICT', 'NOT_FOUND', 'PAYLOAD_TOO_LARGE', 'CHECKSUM_MISMATCH', 'INSUFFICIENT_STORAGE', 'BAD_REQUEST', 'INTERNAL',
    ]);
  });
});
