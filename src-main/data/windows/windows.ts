import type { WindowDefinition, WindowResult } from '../../../src-shared/contract/data.js';

/**
 * Windows over a stream's data messages, pure (time is passed in, never read): tumbling windows aligned
 * on multiples of their size, sliding windows over the last `sizeSec` (evaluated every `stepSec` by the
 * caller), sessions that close after `sizeSec` without a message. Each counts messages, counts per
 * `groupBy` value and sums/averages a numeric `sumOf` field.
 */

/** Distinct groupBy values kept per window; the rest are counted under OTHER_GROUP (a bounded map whatever viewers send). */
export const MAX_GROUPS = 200;
export const OTHER_GROUP = '(other)';
/** Messages a sliding window keeps (to expire them one by one); older ones are forgotten early beyond it. */
export const MAX_SLIDING_EVENTS = 50_000;
/** A group key is at most this long (a vote's option, an emoji). */
const MAX_KEY_LENGTH = 64;

/** What a window reads of a message. */
export interface WindowInput {
  channel: string;
  at: number;
  data: unknown;
}

/** The channel the results are published on: never counted, or every result would count itself. */
export const RESULTS_CHANNEL = 'windows';

export function matches(def: WindowDefinition, channel: string): boolean {
  if (channel === RESULTS_CHANNEL) return false;
  return def.channel === '*' || def.channel === channel;
}

function field(data: unknown, name: string | undefined): unknown {
  if (name === undefined || data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  return (data as Record<string, unknown>)[name];
}

/** The message's group (a string, number or boolean field), or null when it has none. */
export function groupKey(def: WindowDefinition, data: unknown): string | null {
  const v = field(data, def.groupBy);
  if (typeof v === 'string') return v.length > 0 ? v.slice(0, MAX_KEY_LENGTH) : null;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function numericValue(def: WindowDefinition, data: unknown): number | null {
  const v = field(data, def.sumOf);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Counts, groups and sums of a set of messages, with removal for sliding windows. */
class Tally {
  count = 0;
  groups = new Map<string, number>();
  sum = 0;
  summed = 0;

  add(group: string | null, value: number | null): void {
    this.count++;
    if (group !== null) {
      const key = this.groups.has(group) || this.groups.size < MAX_GROUPS ? group : OTHER_GROUP;
      this.groups.set(key, (this.groups.get(key) ?? 0) + 1);
    }
    if (value !== null) {
      this.sum += value;
      this.summed++;
    }
  }

  remove(group: string | null, value: number | null): void {
    this.count--;
    if (group !== null) {
      const key = this.groups.has(group) ? group : OTHER_GROUP;
      const n = (this.groups.get(key) ?? 0) - 1;
      if (n > 0) this.groups.set(key, n);
      else this.groups.delete(key);
    }
    if (value !== null) {
      this.sum -= value;
      this.summed--;
    }
  }

  reset(): void {
    this.count = 0;
    this.groups.clear();
    this.sum = 0;
    this.summed = 0;
  }
}

interface Entry {
  at: number;
  group: string | null;
  value: number | null;
}

/** One window of one stream. `add` and `advance` return the results that closed (to be sent at once). */
export class WindowState {
  private readonly tally = new Tally();
  private readonly sizeMs: number;
  private start = 0;
  private end = 0;
  private open = false;
  private lastClosed: WindowResult | null = null;
  /** Sliding: the messages in the window, oldest first (a ring would do; shift() is fine at these sizes). */
  private readonly entries: Entry[] = [];

  constructor(
    readonly stream: string,
    readonly def: WindowDefinition,
    now: number,
  ) {
    this.sizeMs = def.sizeSec * 1000;
    if (def.kind === 'tumbling') this.openTumbling(now);
  }

  add(message: WindowInput): WindowResult[] {
    if (!matches(this.def, message.channel)) return [];
    const closed = this.advance(message.at);
    const group = groupKey(this.def, message.data);
    const value = numericValue(this.def, message.data);
    if (this.def.kind === 'session' && !this.open) {
      this.open = true;
      this.start = message.at;
      this.tally.reset();
    }
    if (this.def.kind === 'session') this.end = Math.max(this.end, message.at);
    if (this.def.kind === 'sliding') {
      this.entries.push({ at: message.at, group, value });
      if (this.entries.length > MAX_SLIDING_EVENTS) this.expire(this.entries[1]!.at);
    }
    this.tally.add(group, value);
    return closed;
  }

  /** Moves the window to `now`: closes a tumbling window past its end or a session past its gap, expires sliding entries. */
  advance(now: number): WindowResult[] {
    if (this.def.kind === 'tumbling') {
      if (now < this.end) return [];
      const closed = this.result(true);
      this.lastClosed = closed;
      this.openTumbling(now);
      return [closed];
    }
    if (this.def.kind === 'session') {
      if (!this.open || now - this.end < this.sizeMs) return [];
      this.open = false;
      const closed = this.result(true);
      this.lastClosed = closed;
      return [closed];
    }
    this.end = now;
    this.start = now - this.sizeMs;
    this.expire(this.start);
    return [];
  }

  /** The window as it stands (sliding: as of its last advance); a session between two is the last closed one. */
  current(): WindowResult {
    if (this.def.kind === 'session' && !this.open) return this.lastClosed ?? this.empty();
    return this.result(false);
  }

  /** The last closed tumbling window or session, if any. */
  previous(): WindowResult | null {
    return this.lastClosed;
  }

  private expire(before: number): void {
    while (this.entries.length > 0 && this.entries[0]!.at <= before) {
      const e = this.entries.shift()!;
      this.tally.remove(e.group, e.value);
    }
  }

  private openTumbling(now: number): void {
    this.start = Math.floor(now / this.sizeMs) * this.sizeMs;
    this.end = this.start + this.sizeMs;
    this.tally.reset();
  }

  private empty(): WindowResult {
    return { stream: this.stream, window: this.def.id, kind: this.def.kind, start: 0, end: 0, closed: false, count: 0, groups: {}, sum: null, avg: null };
  }

  private result(closed: boolean): WindowResult {
    const t = this.tally;
    return {
      stream: this.stream,
      window: this.def.id,
      kind: this.def.kind,
      start: this.start,
      end: this.end,
      closed,
      count: t.count,
      groups: Object.fromEntries(t.groups),
      sum: this.def.sumOf !== undefined && t.summed > 0 ? t.sum : null,
      avg: this.def.sumOf !== undefined && t.summed > 0 ? t.sum / t.summed : null,
    };
  }
}

/** What a stream without definitions of its own gets: activity, reactions and poll results. */
export const DEFAULT_WINDOWS: readonly WindowDefinition[] = [
  { id: 'messages', label: 'Messages per minute', channel: '*', kind: 'tumbling', sizeSec: 60 },
  { id: 'reactions', label: 'Reactions (last 10 s)', channel: 'reactions', kind: 'sliding', sizeSec: 10, stepSec: 1, groupBy: 'emoji' },
  { id: 'poll', label: 'Poll results', channel: 'votes', kind: 'session', sizeSec: 120, groupBy: 'option' },
];
