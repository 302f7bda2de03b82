import { describe, expect, it } from 'vitest';
import { signatureQueryOf, UrlSigner } from './signing.js';

const KEY = 'k'.repeat(32);
const OLD = 'o'.repeat(32);
const T0 = 1_800_000_000_000;

describe('UrlSigner', () => {
  const signer = new UrlSigner({ current: KEY }, () => T0);

  it('signs name + expiry and verifies it', () => {
    const q = signer.sign('demo', { expiresInSec: 60 });
    expect(q.exp).toBe(String(T0 / 1000 + 60));
    expect(q.sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.ip).toBeUndefined();
    expect(signer.verify('demo', q, '1.2.3.4')).toEqual({ ok: true });
    expect(signer.signPath('/live/demo/index.m3u8', 'demo', { expiresInSec: 60 })).toBe(
      `/live/demo/index.m3u8?exp=${q.exp}&sig=${q.sig}`,
    );
  });

  it('names what is wrong', () => {
    const q = signer.sign('demo', { expiresInSec: 60 });
    expect(signer.verify('demo', {}, '1.2.3.4')).toEqual({ ok: false, reason: 'missing' });
    expect(signer.verify('other', q, '1.2.3.4')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(signer.verify('demo', { ...q, exp: String(Number(q.exp) + 1) }, '1.2.3.4')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(signer.verify('demo', { ...q, sig: 'x' }, '1.2.3.4')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(signer.verify('demo', { ...q, ip: '1' }, '1.2.3.4')).toEqual({ ok: false, reason: 'bad_signature' });
    const later = new UrlSigner({ current: KEY }, () => T0 + 61_000);
    expect(later.verify('demo', q, '1.2.3.4')).toEqual({ ok: false, reason: 'expired' });
  });

  it('binds a URL to one client address', () => {
    const q = signer.sign('demo', { expiresInSec: 60, ip: '10.0.0.7' });
    expect(q.ip).toBe('1');
    expect(signer.verify('demo', q, '10.0.0.7')).toEqual({ ok: true });
    expect(signer.verify('demo', q, '::ffff:10.0.0.7')).toEqual({ ok: true });
    expect(signer.verify('demo', q, '10.0.0.8')).toEqual({ ok: false, reason: 'wrong_ip' });
    const { ip: _ip, ...unbound } = q;
    expect(signer.verify('demo', unbound, '10.0.0.7')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts the previous key during a rotation, and only then', () => {
    const rotating = new UrlSigner({ current: OLD }, () => T0);
    const q = rotating.sign('demo', { expiresInSec: 60 });
    const bound = rotating.sign('demo', { expiresInSec: 60, ip: '10.0.0.7' });
    rotating.setKeys({ current: KEY, previous: OLD });
    expect(rotating.verify('demo', q, '1.2.3.4')).toEqual({ ok: true });
    expect(rotating.verify('demo', bound, '10.0.0.9')).toEqual({ ok: false, reason: 'wrong_ip' });
    expect(rotating.verify('demo', rotating.sign('demo', { expiresInSec: 5 }), '1.2.3.4')).toEqual({ ok: true });
    rotating.setKeys({ current: KEY });
    expect(rotating.verify('demo', q, '1.2.3.4')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('signs the playback URLs of a stream (one signature for all its paths)', () => {
    const urls = signer.signPlayback('demo', { expiresInSec: 60 }, 'https://studio.example');
    expect(urls.expiresAt).toBe(T0 + 60_000);
    expect(urls.hls).toMatch(/^https:\/\/studio\.example\/live\/demo\/index\.m3u8\?exp=\d+&sig=[\w-]{43}$/);
    expect(urls.dash.split('?')).toEqual(['https://studio.example/live/demo/manifest.mpd', urls.hls.split('?')[1]]);
    const query = Object.fromEntries(new URLSearchParams(urls.hls.split('?')[1]));
    expect(signer.verify('demo', query, '1.2.3.4')).toEqual({ ok: true });
  });

  it('refuses short keys', () => {
    expect(() => new UrlSigner({ current: 'short' })).toThrow(/16 characters/);
  });

  it('extracts the signature query to propagate', () => {
    expect(signatureQueryOf({ sid: 'h1', exp: '5', sig: 'abc', ip: '1', other: 'x' })).toBe('exp=5&sig=abc&ip=1');
    expect(signatureQueryOf({ sid: 'h1' })).toBe('');
  });
});
