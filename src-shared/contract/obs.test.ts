import { describe, expect, it } from 'vitest';
import { obsMethods } from './obs.js';

const create = obsMethods['obs.connections.create'].input;

describe('OBS contract', () => {
  it('takes a host name or an IP address, with defaults for host, port and password', () => {
    expect(create.parse({})).toEqual({ host: '127.0.0.1', port: 4455, password: '' });
    for (const host of ['localhost', 'obs-pc.lan', '192.168.1.20', '::1', '[::1]', 'fe80::1']) {
      expect(create.safeParse({ host }).success, host).toBe(true);
    }
  });

  it('refuses URLs, ports in the host, and bad ports', () => {
    for (const host of ['ws://127.0.0.1', '127.0.0.1:4455', '127.0.0.1:4455x', 'a b', '-bad', '']) {
      expect(create.safeParse({ host }).success, host).toBe(false);
    }
    expect(create.safeParse({ port: 0 }).success).toBe(false);
    expect(create.safeParse({ port: 70000 }).success).toBe(false);
    expect(create.safeParse({ extra: 1 }).success).toBe(false);
  });
});
