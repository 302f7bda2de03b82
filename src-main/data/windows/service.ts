import { Counter, Gauge, type Registry } from 'prom-client';
import { windowDefinitionSchema, type DataMessage, type WindowDefinition, type WindowResult } from '../../../src-shared/contract/data.js';
import type { EventBus } from '../../core/bus.js';
import { StudioError } from '../../core/errors.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import { METRICS_PREFIX } from '../../metrics/registry.js';
import { DataMessageStore } from '../../store/data-messages.js';
import type { Db } from '../../store/db.js';
import { StreamDefinitionStore } from '../../store/stream-definitions.js';
import type { DataHubPort, WindowsPort } from '../types.js';
import { DEFAULT_WINDOWS, OTHER_GROUP, RESULTS_CHANNEL, WindowState, matches } from './windows.js';

/** How often windows are moved on (closing tumbling windows and sessions, sliding steps, throttled results). */
export const TICK_MS = 1000;
/** A window's open result goes out at most this often; a closed one at once. */
export const THROTTLE_MS = 1000;
/** Channels with a messages_total series of their own per stream; the rest count under OTHER_GROUP (publishers name channels freely). */
export const MAX_CHANNEL_SERIES = 50;
/** At start the windows are rebuilt from the messages kept over this long (a poll in progress, the current minute)... */
export const RESTORE_MS = 30 * 60_000;
/** ...at most this many per stream (the newest). */
export const RESTORE_MAX_MESSAGES = 20_000;
/** A tick may come a few ms short of a second by the wall clock: it still sends (or results would go every 2 s). */
const TICK_SLACK_MS = 50;

export interface WindowServiceOptions {
  db: Db;
  bus: Pick<EventBus, 'emit' | 'on'>;
  hub: Pick<DataHubPort, 'publish' | 'onMessage'>;
  metrics?: Registry;
  logger: Logger;
  now?: () => number;
}

interface Slot {
  state: WindowState;
  /** Changed since its last result went out. */
  dirty: boolean;
  sentAt: number;
  sentCount: number;
  lastStep: number;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const existing = registry.getSingleMetric(name);
  return existing instanceof Counter ? existing : new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[]): Gauge<string> {
  const existing = registry.getSingleMetric(name);
  return existing instanceof Gauge ? existing : new Gauge({ name, help, labelNames, registers: [registry] });
}

/**
 * Windows over each stream's data (WindowsPort): definitions kept in `data_windows` (DEFAULT_WINDOWS when a
 * stream has none), fed by the hub's tap, results sent as bus event `data.window` and on the hub channel
 * `windows` (open ones at most once a second, closed ones at once), counts in Prometheus.
 */
export class WindowService implements WindowsPort, Service {
  readonly name = 'data-windows';
  private readonly now: () => number;
  /** Per stream: its definitions (cached from the store). */
  private readonly defs = new Map<string, WindowDefinition[]>();
  /** Per stream: window id -> its state (made at the stream's first message or result query). */
  private readonly slots = new Map<string, Map<string, Slot>>();
  /** Per stream: the channels with a messages_total series (removed with the stream). */
  private readonly channelsSeen = new Map<string, Set<string>>();
  private readonly offs: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushQueued = false;
  private readonly closedQueue: WindowResult[] = [];
  private readonly messagesTotal: Counter<string> | undefined;
  private readonly windowCount: Gauge<string> | undefined;
  private readonly store: StreamDefinitionStore<WindowDefinition>;

  constructor(private readonly options: WindowServiceOptions) {
    this.now = options.now ?? Date.now;
    this.store = new StreamDefinitionStore(options.db, 'data_windows', 'windows', windowDefinitionSchema);
    if (options.metrics) {
      this.messagesTotal = counter(options.metrics, `${METRICS_PREFIX}data_messages_total`, 'Data messages published, per stream and channel', ['stream', 'channel']);
      this.windowCount = gauge(options.metrics, `${METRICS_PREFIX}data_window_count`, 'Messages in the current (or last closed) window', ['stream', 'window']);
    }
  }

  start(): void {
    this.restore();
    this.offs.push(this.options.hub.onMessage((m) => this.onMessage(m)));
    this.offs.push(
      this.options.bus.on('streams.changed', (c) => {
        if (c.stream === null) this.forget(c.name);
      }),
    );
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const off of this.offs.splice(0)) off();
  }

  definitions(stream: string): WindowDefinition[] {
    let defs = this.defs.get(stream);
    if (!defs) {
      const stored = this.store.get(stream);
      if (stored === null) this.options.logger.warn({ stream }, 'stored window definitions are unreadable: using the defaults');
      defs = stored ?? [...DEFAULT_WINDOWS];
      this.defs.set(stream, defs);
    }
    return defs;
  }

  results(stream: string): WindowResult[] {
    const slots = this.slotsOf(stream);
    return this.definitions(stream).map((d) => slots.get(d.id)!.state.current());
  }

  setDefinitions(stream: string, windows: WindowDefinition[]): WindowDefinition[] {
    const ids = new Set<string>();
    for (const [i, w] of windows.entries()) {
      if (ids.has(w.id)) throw new StudioError('VALIDATION_FAILED', `two windows are named "${w.id}"`, { fields: [{ path: `windows.${i}.id`, message: 'already used' }] });
      ids.add(w.id);
    }
    this.store.put(stream, windows);
    // New definitions start from empty windows (a changed size or groupBy makes the old counts meaningless).
    this.dropSeries(stream);
    this.slots.delete(stream);
    this.defs.set(stream, windows);
    return windows;
  }

  /** Moves every window to now: closes what ended, steps sliding windows, sends throttled results. Called each TICK_MS. */
  tick(): void {
    const now = this.now();
    // Closed results before open ones: a consumer keeps the last result of each window.
    this.flush();
    for (const slots of this.slots.values()) {
      for (const slot of slots.values()) {
        const closed = slot.state.advance(now);
        if (closed.length > 0) {
          // What changed went out with the close; the window that follows has nothing yet.
          slot.dirty = false;
          this.closed(closed);
          this.flush();
        }
        const step = (slot.state.def.stepSec ?? 1) * 1000;
        if (slot.state.def.kind === 'sliding' && now - slot.lastStep >= step) {
          slot.lastStep = now;
          // Expiry changes a sliding window without any message: send while it holds some, and its fall to 0 once.
          slot.dirty ||= slot.state.current().count > 0 || slot.sentCount > 0;
        }
        if (slot.dirty && now - slot.sentAt >= THROTTLE_MS - TICK_SLACK_MS) {
          slot.dirty = false;
          slot.sentAt = now;
          const result = slot.state.current();
          slot.sentCount = result.count;
          this.send(result);
        }
      }
    }
    this.flush();
  }

  private onMessage(message: DataMessage): void {
    let seen = this.channelsSeen.get(message.stream);
    if (!seen) this.channelsSeen.set(message.stream, (seen = new Set()));
    const channel = seen.has(message.channel) || seen.size < MAX_CHANNEL_SERIES ? message.channel : OTHER_GROUP;
    seen.add(channel);
    this.messagesTotal?.inc({ stream: message.stream, channel });
    if (message.channel === RESULTS_CHANNEL) return;
    for (const slot of this.slotsOf(message.stream).values()) {
      // A counted message changes the window even when its count does not (a session or minute that closed
      // and reopened with as many, a group that moved): and comparing results per message costs their groups.
      if (!matches(slot.state.def, message.channel)) continue;
      this.closed(slot.state.add(message));
      slot.dirty = true;
    }
    // Closed results leave after this publish returns (this runs inside the hub's publish).
    if (this.closedQueue.length > 0 && !this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  private closed(results: WindowResult[]): void {
    // An idle stream's empty minutes are not news: only windows that counted something are sent closed.
    this.closedQueue.push(...results.filter((r) => r.count > 0));
  }

  private flush(): void {
    this.flushQueued = false;
    for (const r of this.closedQueue.splice(0)) this.send(r);
  }

  private send(result: WindowResult): void {
    this.windowCount?.set({ stream: result.stream, window: result.window }, result.count);
    this.options.bus.emit('data.window', result);
    try {
      this.options.hub.publish({
        stream: result.stream,
        channel: RESULTS_CHANNEL,
        contentType: 'application/json',
        data: result,
        source: { kind: 'studio', transport: 'internal', remoteAddress: null },
      });
    } catch (error) {
      this.options.logger.warn({ err: error, stream: result.stream, window: result.window }, 'a window result was not published');
    }
  }

  private slotsOf(stream: string): Map<string, Slot> {
    let slots = this.slots.get(stream);
    if (!slots) this.slots.set(stream, (slots = this.newSlots(stream, this.now())));
    return slots;
  }

  private newSlots(stream: string, at: number): Map<string, Slot> {
    return new Map(this.definitions(stream).map((d) => [d.id, { state: new WindowState(stream, d, at), dirty: false, sentAt: 0, sentCount: 0, lastStep: at }]));
  }

  /** Rebuilds the windows a restart emptied from the kept messages; what closed meanwhile was sent before it. */
  private restore(): void {
    const now = this.now();
    const from = now - RESTORE_MS;
    try {
      const store = new DataMessageStore(this.options.db);
      for (const stream of store.streamsSince(from)) {
        const slots = this.newSlots(stream, from);
        for (const message of store.since(stream, from, RESTORE_MAX_MESSAGES, RESULTS_CHANNEL)) {
          for (const slot of slots.values()) slot.state.add(message);
        }
        for (const slot of slots.values()) {
          slot.state.advance(now);
          slot.lastStep = now;
          // A sliding window that still holds some sends its fall to zero.
          slot.sentCount = slot.state.current().count;
        }
        this.slots.set(stream, slots);
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the windows were not rebuilt from the kept messages: they start empty');
    }
  }

  private forget(stream: string): void {
    this.dropSeries(stream);
    for (const channel of this.channelsSeen.get(stream) ?? []) this.messagesTotal?.remove({ stream, channel });
    this.channelsSeen.delete(stream);
    this.slots.delete(stream);
    this.defs.delete(stream);
    this.store.delete(stream);
  }

  private dropSeries(stream: string): void {
    for (const id of this.slots.get(stream)?.keys() ?? []) this.windowCount?.remove({ stream, window: id });
  }
}
