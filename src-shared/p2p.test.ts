import { describe, expect, it } from 'vitest';
import { p2pActive, p2pSettingsOf, segmentHashUrl, uploadAllowed, videoP2pActive } from './p2p.js';

describe('P2P settings', () => {
  it('shares in auto mode for a public standard-latency stream only, never for an encrypted one', () => {
    const open = { private: false, encryption: 'none', latency: 'standard' };
    expect(p2pActive({ mode: 'auto' }, open)).toBe(true);
    expect(p2pActive({ mode: 'auto' }, { ...open, private: true })).toBe(false);
    expect(p2pActive({ mode: 'auto' }, { ...open, latency: 'low' })).toBe(false);
    expect(p2pActive({ mode: 'on' }, { ...open, private: true })).toBe(true);
    expect(p2pActive({ mode: 'on' }, { ...open, latency: 'low' })).toBe(true);
    expect(p2pActive({ mode: 'off' }, open)).toBe(false);
    expect(p2pActive({ mode: 'on' }, { ...open, latency: 'low', encryption: 'aes-128' })).toBe(false);
  });

  it("shares a library video's segments when it is public or unlisted, never when private or encrypted", () => {
    expect(videoP2pActive({ visibility: 'public', encryption: 'none' })).toBe(true);
    expect(videoP2pActive({ visibility: 'unlisted', encryption: 'none' })).toBe(true);
    expect(videoP2pActive({ visibility: 'private', encryption: 'none' })).toBe(false);
    expect(videoP2pActive({ visibility: 'public', encryption: 'aes-128' })).toBe(false);
  });

  it('reads a stored value back with defaults for what is missing or out of range', () => {
    expect(p2pSettingsOf({})).toEqual({ mode: 'auto', maxPeers: 5, maxUploadKbps: 0 });
    expect(p2pSettingsOf(null)).toEqual({ mode: 'auto', maxPeers: 5, maxUploadKbps: 0 });
    expect(p2pSettingsOf({ mode: 'on', maxPeers: 50, maxUploadKbps: 2000 })).toEqual({ mode: 'on', maxPeers: 5, maxUploadKbps: 2000 });
    expect(p2pSettingsOf({ mode: 'sometimes', maxPeers: 3.5, maxUploadKbps: -1 })).toEqual({ mode: 'auto', maxPeers: 5, maxUploadKbps: 0 });
  });
});

describe('segmentHashUrl', () => {
  it('puts .sha256 on the path and keeps the query', () => {
    expect(segmentHashUrl('/live/a/s/r1/chunk-stream0-00001.m4s')).toBe('/live/a/s/r1/chunk-stream0-00001.m4s.sha256');
    expect(segmentHashUrl('http://h/live/a/s/r1/c.m4s?sid=h123&sig=x')).toBe('http://h/live/a/s/r1/c.m4s.sha256?sid=h123&sig=x');
  });
});

describe('uploadAllowed', () => {
  it('allows uploads while the last 5 s stay under the cap, and drops older samples', () => {
    const samples: [number, number][] = [[0, 500_000], [4000, 100_000]];
    // 600 kB in 5 s = 960 kb/s.
    expect(uploadAllowed(samples, 4500, 1000)).toBe(true);
    expect(uploadAllowed(samples, 4500, 900)).toBe(false);
    // At 5 s the first sample leaves the window.
    expect(uploadAllowed(samples, 5000, 900)).toBe(true);
    expect(samples).toEqual([[4000, 100_000]]);
    expect(uploadAllowed([[0, 1e9]], 1, 0)).toBe(true);
  });
});
