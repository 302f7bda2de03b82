import { describe, expect, it } from 'vitest';
import { isLoopback } from './loopback.js';

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
