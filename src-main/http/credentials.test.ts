import { describe, expect, it } from 'vitest';
import { bearerOf, parseCookies } from './credentials.js';

describe('parseCookies', () => {
  it('parses name=value pairs, trimming spaces', () => {
    expect([...parseCookies('a=1; b=2;c=3 ')]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('keeps the first value of a repeated name', () => {
    expect(parseCookies('a=1; a=2').get('a')).toBe('1');
  });

  it('keeps "=" inside values and decodes percent-encoding', () => {
    expect(parseCookies('t=ab==; n=hello%20world').get('t')).toBe('ab==');
    expect(parseCookies('n=hello%20world').get('n')).toBe('hello world');
  });

  it('skips parts without a name or "=", and malformed encodings, without failing', () => {
    const cookies = parseCookies('=x; flag; bad=%E0%A4%A; ok=1');
    expect([...cookies]).toEqual([['ok', '1']]);
  });

  it('is empty for a missing or empty header', () => {
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies('').size).toBe(0);
  });
});

describe('bearerOf', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
  ])('%j -> %j', (header, token) => {
    expect(bearerOf(header)).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', 'xBearer abc', 'abc'])('%j -> undefined', (header) => {
    expect(bearerOf(header)).toBeUndefined();
  });
});
