import { describe, expect, it } from 'vitest';
import { originAllowed } from './ws.js';

describe('originAllowed', () => {
  it('allows clients that send no Origin (tools, not browsers)', () => {
    expect(originAllowed(undefined, '127.0.0.1:7070')).toBe(true);
    expect(originAllowed('', '127.0.0.1:7070')).toBe(true);
  });

  it.each([
    ['http://127.0.0.1:7070', '127.0.0.1:7070'],
    ['https://studio.lan:8443', 'studio.lan:8443'],
    ['http://localhost:7070', 'localhost:7070'],
    ['http://[::1]:7070', '[::1]:7070'],
    ['http://studio.lan', 'studio.lan'],
  ])('allows same-origin %s on host %s', (origin, host) => {
    expect(originAllowed(origin, host)).toBe(true);
  });

  it.each([
    ['https://evil.example', '127.0.0.1:7070'],
    ['http://127.0.0.1:7071', '127.0.0.1:7070'],
    ['http://localhost:7070', '127.0.0.1:7070'],
    ['http://127.0.0.1.evil.example:7070', '127.0.0.1:7070'],
    ['null', '127.0.0.1:7070'],
    ['not a url', '127.0.0.1:7070'],
    ['http://127.0.0.1:7070', undefined],
  ])('refuses cross-origin %j on host %j', (origin, host) => {
    expect(originAllowed(origin, host)).toBe(false);
  });
});
