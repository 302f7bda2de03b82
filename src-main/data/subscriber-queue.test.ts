import { describe, expect, it } from 'vitest';
import { SubscriberQueue } from './subscriber-queue.js';

describe('SubscriberQueue', () => {
  it('writes at once while the transport keeps up and nothing waits', () => {
    const q = new SubscriberQueue<number>('queue', 2);
    expect(q.offer(1, false)).toBe('write');
    expect(q.size).toBe(0);
  });

  it('drop-oldest keeps the newest `limit` messages in order and counts the dropped ones', () => {
    const q = new SubscriberQueue<number>('drop-oldest', 3);
    expect([1, 2, 3, 4, 5].map((n) => q.offer(n, true))).toEqual(['queued', 'queued', 'queued', 'dropped', 'dropped']);
    expect(q.dropped).toBe(2);
    // Once it has room again, new messages still queue behind the waiting ones.
    expect(q.take()).toBe(3);
    expect(q.offer(6, false)).toBe('queued');
    expect([q.take(), q.take(), q.take(), q.take()]).toEqual([4, 5, 6, undefined]);
    expect(q.offer(7, false)).toBe('write');
  });

  it('queue holds up to its limit, then asks to disconnect', () => {
    const q = new SubscriberQueue<number>('queue', 2);
    expect([1, 2, 3].map((n) => q.offer(n, true))).toEqual(['queued', 'queued', 'disconnect']);
    expect(q.dropped).toBe(0);
  });

  it('disconnect asks to cut off as soon as the transport is behind', () => {
    const q = new SubscriberQueue<number>('disconnect', 100);
    expect(q.offer(1, false)).toBe('write');
    expect(q.offer(2, true)).toBe('disconnect');
  });

  it('stays bounded over a long run of drops', () => {
    const q = new SubscriberQueue<number>('drop-oldest', 10);
    for (let i = 0; i < 100_000; i++) q.offer(i, true);
    expect(q.size).toBe(10);
    expect(q.dropped).toBe(99_990);
    expect(q.take()).toBe(99_990);
  });
});
