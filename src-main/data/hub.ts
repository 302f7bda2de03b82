import crypto from 'node:crypto';
import { CHANNEL_NAME_PATTERN, RESERVED_CHANNELS, type ChannelStats, type DataMessage } from '../../src-shared/contract/data.js';
import type { StudioConfig } from '../../src-shared/config.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { DataMessageStore } from '../store/data-messages.js';
import type { Db } from '../store/db.js';
import { SubscriberQueue } from './subscriber-queue.js';
import type { DataHubPort, PublishInput, SchemasPort, StreamClockPort, SubscribeOptions, SubscriberSink, Subscription } from './types.js';

export type DataConfig = StudioConfig['data'];

/** Unsent bytes a transport may hold before a subscriber counts as behind (its queue and policy take over). */
export const HIGH_WATER_BYTES = 256 * 1024;
const FLUSH_MS = 50;
const SWEEP_EVERY_MS = 60 * 60_000;
const MAX_QUERY = 5000;

/** Why the hub ends a subscription (SubscriberSink.close): transports map them to close codes. */
export const CUT_REASONS = { slow: 'too slow for policy', stopping: 'the host is stopping', deleted: 'the stream was deleted' } as const;

export interface DataHubOptions {
  db: Db;
  clock: StreamClockPort;
  config: () => DataConfig;
  logger: Logger;
  now?: () => number;
  /** Channel schemas: a message that does not fit its channel's is refused (SCHEMA_MISMATCH). */
  schemas?: Pick<SchemasPort, 'check'>;
}

interface Channel {
  stream: string;
  channel: string;
  lastSeq: number;
  lastAt: number | null;
  published: number;
  dropped: number;
  disconnected: number;
  /** The newest `historySize` messages (at most HISTORY_BYTES of them), oldest first. */
  history: DataMessage[];
  /** The size of each message in `history` (JSON or MessagePack bytes), and their sum. */
  sizes: number[];
  historyBytes: number;
  subscribers: Set<Sub>;
}

interface Sub {
  id: string;
  stream: string;
  sink: SubscriberSink;
  queue: SubscriberQueue<DataMessage>;
  waitingForDrain: boolean;
  closed: boolean;
  label: string;
  /** Its channel (null for '*'). */
  state: Channel | null;
}

const key = (stream: string, channel: string): string => `${stream}\u0000${channel}`;

/** Channels one stream may have: each keeps a seq and a history in memory, and publishers name them. */
export const MAX_CHANNELS_PER_STREAM = 64;
/** Memory per channel's history, whatever `data.historySize` says (1000 messages of 64 KiB would be 64 MiB). */
export const HISTORY_BYTES = 4 * 1024 * 1024;

const sizeOf = (m: DataMessage): number => Buffer.byteLength(JSON.stringify(m.data ?? null));

/**
 * The data hub: every transport publishes here; each message gets its seq, its media-time stamp, a place
 * in the channel's bounded history and in the store (batched), then goes to the taps (synchronously) and
 * to every subscriber through its own bounded queue, so a slow subscriber never holds up the others.
 */
export class DataHub implements DataHubPort, Service {
  readonly name = 'data-hub';
  private readonly channels = new Map<string, Channel>();
  /** Subscribers of '*' per stream. */
  private readonly wildcards = new Map<string, Set<Sub>>();
  private readonly taps = new Set<(message: DataMessage) => void>();
  private readonly counters = new Set<(stream: string, channel: string) => number>();
  private pending: { message: DataMessage; raw?: Buffer }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly store: DataMessageStore;

  constructor(private readonly options: DataHubOptions) {
    this.now = options.now ?? Date.now;
    this.store = new DataMessageStore(options.db);
  }

  start(): void {
    this.sweep();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  dispose(): void {
    clearInterval(this.sweepTimer);
    this.flush();
    for (const stream of new Set([...this.channels.values()].map((c) => c.stream).concat([...this.wildcards.keys()]))) {
      this.closeStream(stream, CUT_REASONS.stopping, false);
    }
  }

  /** Ends every subscription of a stream and forgets its memory (a deleted stream; its kept messages go with the retention). */
  closeStream(stream: string, reason: string = CUT_REASONS.deleted, forget = true): void {
    const subs = [...(this.wildcards.get(stream) ?? [])];
    for (const c of this.channels.values()) if (c.stream === stream) subs.push(...c.subscribers);
    for (const sub of subs) this.cut(sub, null, reason);
    if (!forget) return;
    this.wildcards.delete(stream);
    for (const [k, c] of this.channels) if (c.stream === stream) this.channels.delete(k);
  }

  publish(input: PublishInput): DataMessage {
    const { stream, channel } = input;
    if (!CHANNEL_NAME_PATTERN.test(channel)) throw new StudioError('VALIDATION_FAILED', `"${channel}" is not a channel name`);
    if ((RESERVED_CHANNELS as readonly string[]).includes(channel) && input.source.kind !== 'studio') {
      throw new StudioError('CHANNEL_RESERVED', `channel "${channel}" is written by the studio itself`);
    }
    const config = this.options.config();
    const size = input.raw ? input.raw.length : Buffer.byteLength(JSON.stringify(input.data ?? null));
    if (size > config.maxMessageKilobytes * 1024) {
      throw new StudioError('PAYLOAD_TOO_LARGE', `a message is at most ${config.maxMessageKilobytes} KiB (this one: ${Math.ceil(size / 1024)} KiB)`);
    }
    if (input.mediaTime !== undefined && !Number.isFinite(input.mediaTime)) throw new StudioError('VALIDATION_FAILED', 'mediaTime must be a number of ms');
    this.options.schemas?.check(stream, channel, input.data);
    const known = this.channels.get(key(stream, channel));
    // The studio's own channels (chat, windows) always get a place: readers cannot crowd them out.
    if ((!known || known.lastSeq === 0) && input.source.kind !== 'studio' && this.publishedChannels(stream) >= MAX_CHANNELS_PER_STREAM) {
      throw new StudioError('CHANNEL_LIMIT', `a stream has at most ${MAX_CHANNELS_PER_STREAM} data channels; publish to one of them`);
    }
    const state = known ?? this.channel(stream, channel);
    const stamp = this.options.clock.stamp(stream, input.mediaTime);
    const at = this.now();
    const seq = ++state.lastSeq;
    const message: DataMessage = {
      id: `${channel}:${seq}`,
      stream,
      channel,
      seq,
      at,
      mediaTime: stamp.mediaTime,
      programDateTime: stamp.programDateTime,
      contentType: input.contentType,
      data: input.data,
      source: input.source,
    };
    state.lastAt = at;
    state.published++;
    remember(state, message, size, config.historySize);
    this.persist(message, input.raw);
    for (const tap of this.taps) {
      try {
        tap(message);
      } catch (error) {
        this.options.logger.warn({ err: error, stream, channel }, 'a data tap failed');
      }
    }
    for (const sub of state.subscribers) this.deliver(sub, state, message);
    const wild = this.wildcards.get(stream);
    if (wild) for (const sub of wild) this.deliver(sub, state, message);
    return message;
  }

  subscribe(stream: string, channel: string, sink: SubscriberSink, options: SubscribeOptions): Subscription {
    const config = this.options.config();
    const sub: Sub = {
      id: crypto.randomBytes(8).toString('hex'),
      stream,
      sink,
      queue: new SubscriberQueue(options.policy ?? config.defaultPolicy, config.subscriberQueue),
      waitingForDrain: false,
      closed: false,
      label: options.label,
      state: null,
    };
    if (channel === '*') {
      const set = this.wildcards.get(stream) ?? new Set<Sub>();
      set.add(sub);
      this.wildcards.set(stream, set);
    } else {
      const state = this.channel(stream, channel);
      sub.state = state;
      if (options.afterSeq !== undefined && options.afterSeq < state.lastSeq) {
        const first = state.history[0]?.seq ?? state.lastSeq + 1;
        if (options.afterSeq + 1 < first) options.onGap?.({ fromSeq: options.afterSeq + 1, toSeq: first - 1 });
        for (const m of state.history) if (m.seq > options.afterSeq) this.deliver(sub, state, m);
      }
      if (!sub.closed) state.subscribers.add(sub);
    }
    return {
      id: sub.id,
      dropped: () => sub.queue.dropped,
      unsubscribe: () => this.remove(sub),
    };
  }

  /**
   * Replaces the data of the kept messages of a channel whose `data.id` is `id`, in memory, in the batch
   * not yet written and in the store: a deleted chat line must not come back in a replay.
   */
  redact(stream: string, channel: string, id: string, replacement: unknown): void {
    const matches = (m: DataMessage): boolean => (m.data as { id?: unknown } | null)?.id === id;
    const state = this.channels.get(key(stream, channel));
    // Messages are shared objects (history, the pending batch): replacing their data covers both.
    for (const m of state?.history ?? []) if (matches(m)) m.data = replacement;
    for (const p of this.pending) if (p.message.stream === stream && p.message.channel === channel && matches(p.message)) p.message.data = replacement;
    this.store.redact(stream, channel, id, replacement);
  }

  messages(stream: string, channel: string, query: { afterSeq?: number; fromPdt?: number; toPdt?: number; limit?: number }): DataMessage[] {
    const limit = Math.min(Math.max(1, query.limit ?? 1000), MAX_QUERY);
    // Anyone may ask for any channel name (data.messages is public): only the store answers for unknown ones.
    const state = this.channels.get(key(stream, channel));
    const first = state?.history[0]?.seq;
    // A seq query that memory covers is answered from it; program-time ranges and older seqs from the store.
    if (query.fromPdt === undefined && query.toPdt === undefined && first !== undefined && (query.afterSeq ?? 0) + 1 >= first) {
      return state!.history.filter((m) => m.seq > (query.afterSeq ?? 0)).slice(0, limit);
    }
    this.flush();
    return this.store.list(stream, channel, { ...query, limit });
  }

  stats(stream: string): ChannelStats[] {
    const wild = this.wildcards.get(stream)?.size ?? 0;
    const out = new Map<string, ChannelStats>();
    for (const row of this.store.channels(stream)) {
      out.set(row.channel, { channel: row.channel, lastSeq: row.lastSeq, lastAt: row.lastAt, published: 0, subscribers: wild, dropped: 0, disconnected: 0 });
    }
    for (const c of this.channels.values()) {
      if (c.stream !== stream) continue;
      if (c.lastSeq === 0 && c.subscribers.size === 0) continue;
      out.set(c.channel, {
        channel: c.channel,
        lastSeq: c.lastSeq,
        lastAt: c.lastAt,
        published: c.published,
        subscribers: c.subscribers.size + wild,
        dropped: c.dropped,
        disconnected: c.disconnected,
      });
    }
    for (const row of out.values()) for (const count of this.counters) row.subscribers += count(stream, row.channel);
    return [...out.values()].sort((a, b) => a.channel.localeCompare(b.channel));
  }

  /** Subscribers the hub does not hold itself (the MQTT broker's), added to `stats`; returns the off switch. */
  addSubscriberCounter(count: (stream: string, channel: string) => number): () => void {
    this.counters.add(count);
    return () => this.counters.delete(count);
  }

  onMessage(listener: (message: DataMessage) => void): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /** Writes pending messages to the store now (also before store queries and on dispose). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.store.insertMany(batch);
    } catch (error) {
      this.options.logger.error({ err: error, count: batch.length }, 'data messages could not be stored');
    }
  }

  private persist(message: DataMessage, raw: Buffer | undefined): void {
    this.pending.push(raw ? { message, raw } : { message });
    if (this.pending.length >= 1000) this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
  }

  private sweep(): void {
    const cutoff = this.now() - this.options.config().retentionDays * 86_400_000;
    try {
      const removed = this.store.deleteBefore(cutoff);
      if (removed > 0) this.options.logger.info({ removed }, 'old data messages removed');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'data message retention sweep failed');
    }
  }

  /** A channel's state; after a restart its seq and memory continue from the store. */
  private channel(stream: string, channel: string): Channel {
    const k = key(stream, channel);
    let state = this.channels.get(k);
    if (!state) {
      const historySize = this.options.config().historySize;
      const stored = this.store.latest(stream, channel, historySize);
      const last = stored.at(-1);
      state = {
        stream,
        channel,
        lastSeq: Math.max(last?.seq ?? 0, this.store.lastSeq(stream, channel)),
        lastAt: last?.at ?? null,
        published: 0,
        dropped: 0,
        disconnected: 0,
        history: [],
        sizes: [],
        historyBytes: 0,
        subscribers: new Set(),
      };
      for (const m of stored) remember(state, m, sizeOf(m), historySize);
      this.channels.set(k, state);
    }
    return state;
  }

  /** Channels of `stream` in memory that were published to (subscribers alone do not take a place). */
  private publishedChannels(stream: string): number {
    let n = 0;
    for (const c of this.channels.values()) if (c.stream === stream && c.lastSeq > 0) n++;
    return n;
  }

  private deliver(sub: Sub, state: Channel, message: DataMessage): void {
    if (sub.closed) return;
    const outcome = sub.queue.offer(message, sub.sink.backlog() > HIGH_WATER_BYTES);
    if (outcome === 'write') return this.write(sub, message);
    if (outcome === 'disconnect') return this.cut(sub, state, `${CUT_REASONS.slow} ${sub.queue.policy}`);
    if (outcome === 'dropped') state.dropped++;
    this.awaitDrain(sub);
  }

  private write(sub: Sub, message: DataMessage): void {
    try {
      sub.sink.write(message);
    } catch (error) {
      this.options.logger.debug({ err: error, subscriber: sub.label }, 'a data subscriber write failed');
      this.remove(sub);
    }
  }

  private awaitDrain(sub: Sub): void {
    if (sub.waitingForDrain) return;
    sub.waitingForDrain = true;
    sub.sink.onDrain(() => {
      sub.waitingForDrain = false;
      if (sub.closed) return;
      for (;;) {
        if (sub.sink.backlog() > HIGH_WATER_BYTES) return this.awaitDrain(sub);
        const next = sub.queue.take();
        if (next === undefined) return;
        this.write(sub, next);
        if (sub.closed) return;
      }
    });
  }

  private cut(sub: Sub, state: Channel | null, reason: string): void {
    if (sub.closed) return;
    // Counted and logged only when the policy cut it (not for each subscriber of a stopping host).
    if (state) {
      state.disconnected++;
      this.options.logger.info({ subscriber: sub.label, stream: sub.stream, channel: state.channel, reason }, 'data subscriber cut off');
    }
    this.remove(sub);
    try {
      sub.sink.close(reason);
    } catch {
      // Closing a transport that is already gone: nothing left to do.
    }
  }

  private remove(sub: Sub): void {
    if (sub.closed) return;
    sub.closed = true;
    sub.queue.clear();
    if (sub.state) {
      sub.state.subscribers.delete(sub);
      // A channel nobody published to is forgotten with its last subscriber (subscribing costs no memory for long).
      if (sub.state.lastSeq === 0 && sub.state.subscribers.size === 0) this.channels.delete(key(sub.stream, sub.state.channel));
    } else {
      this.wildcards.get(sub.stream)?.delete(sub);
    }
  }
}

/** Appends to a channel's history, then drops its oldest beyond `historySize` messages or HISTORY_BYTES. */
function remember(state: Channel, message: DataMessage, size: number, historySize: number): void {
  state.history.push(message);
  state.sizes.push(size);
  state.historyBytes += size;
  while (state.history.length > 1 && (state.history.length > historySize || state.historyBytes > HISTORY_BYTES)) {
    state.history.shift();
    state.historyBytes -= state.sizes.shift()!;
  }
}
