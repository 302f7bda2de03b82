import { describe, expect, it } from 'vitest';
import { levelToWidth, rmsDb } from './guest-media.js';
import { endedWords, linkOf } from './guest-client.js';

describe('the guest page', () => {
  it('reads the guest id from the path and the JWT from the #fragment', () => {
    expect(linkOf({ pathname: '/guest/gst_abcdefghijkl', hash: '#a.b.c' })).toEqual({ id: 'gst_abcdefghijkl', token: 'a.b.c' });
    expect(linkOf({ pathname: '/guest/gst_abcdefghijkl', hash: '' })).toEqual({ id: 'gst_abcdefghijkl', token: null });
  });

  it('meters -60..0 dBFS across the bar, silence empty', () => {
    expect(levelToWidth(-Infinity)).toBe(0);
    expect(levelToWidth(-70)).toBe(0);
    expect(levelToWidth(-30)).toBe(50);
    expect(levelToWidth(3)).toBe(100);
    const full = Float32Array.from({ length: 480 }, (_, i) => Math.sin((2 * Math.PI * i) / 48));
    expect(rmsDb(full)).toBeCloseTo(-3.01, 1);
    expect(rmsDb(new Float32Array(16))).toBe(-Infinity);
  });

  it('says why a link ended, with the producer\'s reason where there is one', () => {
    expect(endedWords('expired', null).title).toMatch(/expired/);
    expect(endedWords('revoked', null).title).toMatch(/withdrawn/);
    expect(endedWords('refused', 'The show is full').text).toBe('The show is full');
    expect(endedWords('removed', null).text).toMatch(/took you off/);
  });
});
