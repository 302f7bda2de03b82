import type { BackpressurePolicy } from '../../src-shared/contract/data.js';

/** What the subscription must do after `offer`: write now, nothing (queued or dropped), or cut the subscriber off. */
export type OfferOutcome = 'write' | 'queued' | 'dropped' | 'disconnect';

/**
 * One subscriber's backpressure, pure: the adapter says whether its transport is `behind` (its unsent bytes
 * over a high-water mark) and the queue decides by policy. `drop-oldest` keeps the newest `limit` messages
 * and counts what it drops; `queue` holds up to `limit`, then asks to disconnect; `disconnect` asks to as
 * soon as the transport is behind. Order is kept: while anything waits, new messages queue behind it.
 */
export class SubscriberQueue<T> {
  private items: T[] = [];
  private head = 0;
  private droppedCount = 0;

  constructor(
    readonly policy: BackpressurePolicy,
    private readonly limit: number,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get dropped(): number {
    return this.droppedCount;
  }

  offer(item: T, behind: boolean): OfferOutcome {
    if (this.size === 0 && !behind) return 'write';
    if (this.policy === 'disconnect') return 'disconnect';
    if (this.size >= this.limit) {
      if (this.policy === 'queue') return 'disconnect';
      this.head++;
      this.droppedCount++;
      this.items.push(item);
      this.compact();
      return 'dropped';
    }
    this.items.push(item);
    return 'queued';
  }

  /** The next queued message to write once the transport has room, oldest first. */
  take(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head++];
    this.compact();
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  // Shifting an array is O(n): consume by index and cut the array only once the dead head is large.
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
