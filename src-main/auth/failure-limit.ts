import { monotonicMs } from '../core/clock.js';

/** The window failures are counted in (ms): a block lasts until the oldest failure that made it is this old. */
export const FAILURE_WINDOW_MS = 60_000;
/** Remembered failures per key at most (the newest): a guesser cannot grow memory without bound. */
const KEEP_PER_KEY = 10_000;
/** Keys remembered at most before old ones are swept. */
const SWEEP_AT = 1000;

/** What a block is on: an address (every guess from it) or an account (password and code attempts for that user). */
export type BlockKind = 'address' | 'account';

export interface Block {
  kind: BlockKind;
  /** The address, or the account's name. */
  key: string;
  /** Failures in the last minute. */
  failures: number;
  /** When the block ends (ms since the epoch). */
  until: number;
}

/** Loopback addresses: the host's own machine (its pages, its tray, a local script). */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/**
 * Failed authentications counted per address and per account over a sliding minute. Past `limit()`
 * failures, *guesses* are refused until the oldest counted failure leaves the window: a request with a
 * valid token, session or stream key is the caller's to serve (it is no guess); password and code
 * attempts are refused before they are checked. An account's block never applies to loopback (a remote
 * guesser does not lock the owner out of their own machine); an address's block is that address's alone.
 * `onBlock` hears each block as it starts (the audit).
 */
export class FailureLimit {
  private readonly failures = new Map<string, number[]>();
  private readonly started = new Set<string>();

  /**
   * Failures are timed on `now`, a monotonic clock (a wall-clock step neither lifts every block nor holds
   * one for an hour); `until` is told in wall time. A test that gives `now` drives both.
   */
  constructor(
    private readonly limit: () => number,
    private readonly onBlock: (block: Block) => void = () => undefined,
    private readonly now: () => number = monotonicMs,
    private readonly wall: () => number = now === monotonicMs ? Date.now : now,
  ) {}

  /** Seconds `ip` (trying `account`, when a sign-in names one) must wait; 0 when it may try. */
  retryAfter(ip: string, account?: string): number {
    const until = Math.max(this.untilOf('address', ip), account !== undefined && !isLoopback(ip) ? this.untilOf('account', account) : 0);
    return until === 0 ? 0 : Math.max(1, Math.ceil((until - this.now()) / 1000));
  }

  /** Counts one failed guess by `ip` (at `account`, for a password or code attempt). */
  record(ip: string, account?: string): void {
    this.add('address', ip);
    if (account !== undefined && !isLoopback(ip)) this.add('account', account);
  }

  /** Who is blocked now, longest first. */
  blocks(): Block[] {
    const out: Block[] = [];
    for (const id of this.failures.keys()) {
      const [kind, key] = split(id);
      const until = this.untilOf(kind, key);
      if (until > 0) out.push({ kind, key, failures: this.recent(id).length, until: this.toWall(until) });
    }
    return out.sort((a, b) => b.until - a.until);
  }

  /** Lifts a block (its failures are forgotten); false when there was none. */
  unblock(kind: BlockKind, key: string): boolean {
    const id = idOf(kind, key);
    const was = this.untilOf(kind, key) > 0;
    this.failures.delete(id);
    this.started.delete(id);
    return was;
  }

  private add(kind: BlockKind, key: string): void {
    const id = idOf(kind, key);
    if (this.failures.size > SWEEP_AT) this.sweep();
    const list = this.recent(id);
    list.push(this.now());
    if (list.length > KEEP_PER_KEY) list.splice(0, list.length - KEEP_PER_KEY);
    this.failures.set(id, list);
    this.untilOf(kind, key);
  }

  /** When the block on `key` ends, or 0 when there is none. A block seen first (a failure, or a lower limit) is heard. */
  private untilOf(kind: BlockKind, key: string): number {
    const id = idOf(kind, key);
    const list = this.recent(id);
    const limit = this.limit();
    if (list.length < limit) {
      this.started.delete(id);
      return 0;
    }
    const until = list[list.length - limit]! + FAILURE_WINDOW_MS;
    if (!this.started.has(id)) {
      this.started.add(id);
      this.onBlock({ kind, key, failures: list.length, until: this.toWall(until) });
    }
    return until;
  }

  private toWall(at: number): number {
    return this.wall() + (at - this.now());
  }

  private recent(id: string): number[] {
    const now = this.now();
    const list = (this.failures.get(id) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
    if (list.length > 0) this.failures.set(id, list);
    else {
      // Forgotten whole: a block that ended unread leaves nothing behind (the sweep reaches it).
      this.failures.delete(id);
      this.started.delete(id);
    }
    return list;
  }

  private sweep(): void {
    for (const id of [...this.failures.keys()]) this.recent(id);
  }
}

const idOf = (kind: BlockKind, key: string): string => `${kind}:${key}`;
function split(id: string): [BlockKind, string] {
  const at = id.indexOf(':');
  return [id.slice(0, at) as BlockKind, id.slice(at + 1)];
}
