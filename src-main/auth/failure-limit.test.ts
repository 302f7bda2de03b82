import { describe, expect, it } from 'vitest';
import { FAILURE_WINDOW_MS, FailureLimit, isLoopback, type Block } from './failure-limit.js';

function limiter(limit = 3) {
  let now = 1_000_000;
  const blocks: Block[] = [];
  const f = new FailureLimit(() => limit, (b) => blocks.push(b), () => now);
  return { f, blocks, advance: (ms: number) => (now += ms), now: () => now };
}

describe('FailureLimit', () => {
  it('blocks an address at the limit until its oldest counted failure is a minute old, and says so once', () => {
    const { f, blocks, advance, now } = limiter(3);
    f.record('10.0.0.5');
    advance(1000);
    f.record('10.0.0.5');
    expect(f.retryAfter('10.0.0.5')).toBe(0);
    advance(1000);
    f.record('10.0.0.5');
    expect(f.retryAfter('10.0.0.5')).toBe(58);
    expect(blocks).toEqual([{ kind: 'address', key: '10.0.0.5', failures: 3, until: now() - 2000 + FAILURE_WINDOW_MS }]);
    // More failures while blocked: still one block heard.
    f.record('10.0.0.5');
    expect(blocks).toHaveLength(1);
    // Another address is untouched.
    expect(f.retryAfter('10.0.0.6')).toBe(0);
    advance(58_000);
    expect(f.retryAfter('10.0.0.5')).toBe(1);
    advance(2000);
    expect(f.retryAfter('10.0.0.5')).toBe(0);
    expect(f.blocks()).toEqual([]);
  });

  it("counts an account's failures from every address, and never blocks loopback for them", () => {
    const { f, blocks } = limiter(3);
    // A guesser spread over addresses: each address stays under the limit, the account does not.
    f.record('10.0.0.1', 'sam');
    f.record('10.0.0.2', 'sam');
    f.record('10.0.0.3', 'sam');
    expect(f.retryAfter('10.0.0.4', 'sam')).toBeGreaterThan(0);
    expect(f.retryAfter('10.0.0.4')).toBe(0);
    expect(f.retryAfter('10.0.0.4', 'ada')).toBe(0);
    // The owner at the machine itself signs in as sam.
    expect(f.retryAfter('127.0.0.1', 'sam')).toBe(0);
    expect(f.retryAfter('::1', 'sam')).toBe(0);
    expect(blocks.map((b) => `${b.kind}:${b.key}`)).toEqual(['account:sam']);
    // Loopback failures count against loopback's address only, not the account.
    const other = limiter(2);
    other.f.record('127.0.0.1', 'ada');
    other.f.record('127.0.0.1', 'ada');
    expect(other.f.retryAfter('10.0.0.9', 'ada')).toBe(0);
    expect(other.f.retryAfter('127.0.0.1')).toBeGreaterThan(0);
  });

  it('lists blocks, latest ending first, and lifts one (its failures forgotten)', () => {
    const { f, advance } = limiter(2);
    f.record('10.0.0.1');
    f.record('10.0.0.1');
    advance(5000);
    f.record('10.0.0.2', 'sam');
    f.record('10.0.0.2', 'sam');
    expect(f.blocks().map((b) => [b.kind, b.key, b.failures])).toEqual([
      ['address', '10.0.0.2', 2],
      ['account', 'sam', 2],
      ['address', '10.0.0.1', 2],
    ]);
    expect(f.unblock('account', 'sam')).toBe(true);
    expect(f.unblock('account', 'sam')).toBe(false);
    expect(f.retryAfter('10.0.0.3', 'sam')).toBe(0);
    expect(f.unblock('address', '10.0.0.1')).toBe(true);
    expect(f.retryAfter('10.0.0.1')).toBe(0);
    // One more failure after the lift is one, not three.
    f.record('10.0.0.1');
    expect(f.retryAfter('10.0.0.1')).toBe(0);
    expect(f.unblock('address', '10.9.9.9')).toBe(false);
  });

  it('follows the configured limit as it changes, and forgets addresses whose failures are old', () => {
    let limit = 5;
    let now = 0;
    const heard: string[] = [];
    const f = new FailureLimit(() => limit, (b) => heard.push(b.key), () => now);
    for (let i = 0; i < 3; i++) f.record('10.0.0.1');
    expect(f.retryAfter('10.0.0.1')).toBe(0);
    limit = 3;
    // A lower limit blocks at once, and the block is heard then.
    expect(f.retryAfter('10.0.0.1')).toBeGreaterThan(0);
    expect(heard).toEqual(['10.0.0.1']);
    for (let i = 0; i < 1500; i++) f.record(`10.1.${i >> 8}.${i & 255}`);
    now += FAILURE_WINDOW_MS;
    f.record('10.0.0.2');
    expect(f.blocks()).toEqual([]);
    // The block that ended unread is forgotten whole: the same address blocked again is heard again.
    for (let i = 0; i < 3; i++) f.record('10.0.0.1');
    expect(heard).toEqual(['10.0.0.1', '10.0.0.1']);
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '128.0.0.1', 'fe80::1'].some(isLoopback)).toBe(false);
  });

  it('times failures on the monotonic clock: a wall-clock step an hour either way neither lifts a block nor makes one last an hour', () => {
    let mono = 1000;
    let wall = Date.UTC(2026, 10, 26, 6, 0, 0);
    const f = new FailureLimit(() => 3, undefined, () => mono, () => wall);
    for (let i = 0; i < 3; i++) f.record('10.0.0.9');
    expect(f.retryAfter('10.0.0.9')).toBe(60);
    wall += 3_600_000;
    mono += 1000;
    expect(f.retryAfter('10.0.0.9')).toBe(59);
    // Told in wall time, a minute after the failures as the wall clock now reads.
    expect(f.blocks()[0]!.until).toBe(wall + 59_000);
    wall -= 7_200_000;
    mono += 59_000;
    expect(f.retryAfter('10.0.0.9')).toBe(0);
  });
});
