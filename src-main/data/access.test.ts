import { describe, expect, it } from 'vitest';
import { DataAccess } from './access.js';

const access = new DataAccess({
  isStudio: (c) => c.authorization === 'Bearer api-token' || (c.cookie ?? '').includes('session=ok'),
  streamOfKey: (key) => ({ 'key-a': 'alpha', 'key-b': 'beta' })[key] ?? null,
  isPrivate: (name) => ({ alpha: false, beta: true })[name],
  signatureValid: (name, query, ip) => name === 'beta' && query.sig === 'good' && ip === '10.0.0.1',
});

describe('DataAccess', () => {
  it('lets the API token, a session and the stream\'s own key publish, and nothing else', () => {
    expect(access.publisher('alpha', { authorization: 'Bearer api-token' })).toBe('api');
    expect(access.publisher('alpha', { cookie: 'session=ok' })).toBe('api');
    expect(access.publisher('alpha', { authorization: 'Bearer key-a' })).toBe('key');
    expect(access.publisher('alpha', { key: 'key-a' })).toBe('key');
    expect(access.publisher('alpha', { key: 'key-b' })).toBeNull();
    expect(access.publisher('beta', { authorization: 'Bearer key-a' })).toBeNull();
    expect(access.publisher('alpha', { authorization: 'Bearer wrong' })).toBeNull();
    expect(access.publisher('alpha', {})).toBeNull();
  });

  it('lets anyone read a public stream, and only the studio, the key or a signed URL read a private one', () => {
    expect(access.reader('alpha', { ip: '1.2.3.4' })).toBe(true);
    expect(access.reader('beta', { ip: '10.0.0.1' })).toBe(false);
    expect(access.reader('beta', { ip: '10.0.0.1', query: { sig: 'bad' } })).toBe(false);
    expect(access.reader('beta', { ip: '10.0.0.1', query: { sig: 'good' } })).toBe(true);
    expect(access.reader('beta', { ip: '10.0.0.2', query: { sig: 'good' } })).toBe(false);
    expect(access.reader('beta', { ip: '10.0.0.2', authorization: 'Bearer api-token' })).toBe(true);
    expect(access.reader('beta', { ip: '10.0.0.2', query: { key: 'key-b' } })).toBe(true);
    expect(access.reader('beta', { ip: '10.0.0.2', query: { key: 'key-a' } })).toBe(false);
    expect(access.reader('nope', { ip: '10.0.0.1', authorization: 'Bearer api-token' })).toBe(false);
  });
});
