import { describe, expect, it } from 'vitest';
import { isLoopback, localAddressOf, publicHost } from './loopback.js';

describe('isLoopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', ' 127.0.0.1 ', '::ffff:127.0.0.1'])('%j is loopback', (a) => {
    expect(isLoopback(a)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.evil.com', '127.0.0.1.evil.com', ''])(
    '%j is not loopback',
    (a) => {
      expect(isLoopback(a)).toBe(false);
    },
  );
});

describe('publicHost', () => {
  it('answers 127.0.0.1 for a loopback bind, whoever asks', () => {
    expect(publicHost('127.0.0.1', 'http://studio.lan:7070')).toBe('127.0.0.1');
    expect(publicHost('::1', undefined)).toBe('127.0.0.1');
  });

  it('answers the host the client used for a wildcard bind, 127.0.0.1 without one', () => {
    expect(publicHost('0.0.0.0', 'http://studio.lan:7070')).toBe('studio.lan');
    expect(publicHost('::', 'http://[fd00::5]:7070')).toBe('[fd00::5]');
    expect(publicHost('0.0.0.0', undefined)).toBe('127.0.0.1');
  });

  it('answers a specific bind address as it is, IPv6 in brackets', () => {
    expect(publicHost('192.168.1.10', 'http://studio.lan:7070')).toBe('192.168.1.10');
    expect(publicHost('fd00::5', undefined)).toBe('[fd00::5]');
  });
});

describe('localAddressOf', () => {
  it('connects to loopback for a wildcard bind, to a specific address as it is', () => {
    expect(localAddressOf('0.0.0.0')).toBe('127.0.0.1');
    expect(localAddressOf('::')).toBe('::1');
    expect(localAddressOf('192.168.1.10')).toBe('192.168.1.10');
  });
});
