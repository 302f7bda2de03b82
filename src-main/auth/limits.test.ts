import { describe, expect, it } from 'vitest';
import { originAllowed, PerAddressConnections } from './limits.js';

describe('PerAddressConnections', () => {
  it('counts per address up to the limit; a release frees a slot once', () => {
    let limit = 2;
    const conns = new PerAddressConnections(() => limit);
    const a = conns.acquire('10.0.0.1')!;
    conns.acquire('10.0.0.1');
    expect(conns.acquire('10.0.0.1')).toBeNull();
    expect(conns.acquire('10.0.0.2')).not.toBeNull();
    a();
    a();
    expect(conns.count('10.0.0.1')).toBe(1);
    expect(conns.acquire('10.0.0.1')).not.toBeNull();
    limit = 0;
    expect(conns.acquire('10.0.0.1')).not.toBeNull();
  });
});

describe('originAllowed', () => {
  const allowed = ['https://fans.example'];
  it('serves listed sites, the host itself and requests that name no site', () => {
    expect(originAllowed(allowed, { origin: 'https://fans.example' })).toBe(true);
    expect(originAllowed(allowed, { referer: 'https://fans.example/watch?id=1' })).toBe(true);
    expect(originAllowed(allowed, { origin: 'http://127.0.0.1:7070', host: '127.0.0.1:7070' })).toBe(true);
    expect(originAllowed(allowed, {})).toBe(true);
    expect(originAllowed([], { origin: 'https://anyone.example' })).toBe(true);
    expect(originAllowed(['*'], { origin: 'https://anyone.example' })).toBe(true);
  });
  it('refuses other sites', () => {
    expect(originAllowed(allowed, { origin: 'https://thief.example' })).toBe(false);
    expect(originAllowed(allowed, { referer: 'https://fans.example.thief.example/' })).toBe(false);
  });
});
