import { bridgeDefinitionSchema, RESERVED_CHANNELS, type BridgeDefinition, type BridgeStatus, type DataMessage } from '../../../src-shared/contract/data.js';
import type { StudioConfig } from '../../../src-shared/config.js';
import type { EventBus } from '../../core/bus.js';
import { StudioError } from '../../core/errors.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../store/db.js';
import { StreamDefinitionStore } from '../../store/stream-definitions.js';
import type { BridgesPort, DataHubPort } from '../types.js';
import { errorText, LazyEngine, type BridgeEngine, type BridgeReader } from './engine.js';
import { EngineOffError, Outbox } from './outbox.js';
import { recordOf, type BridgeRecord } from './records.js';
import { monotonicMs } from '../../core/clock.js';

/** How long a stopping host waits for its out-bridges to send what they hold. */
const DRAIN_MS = 2000;

export type BridgesConfig = StudioConfig['bridges'];
type EngineKind = BridgeDefinition['engine'];

export interface BridgeServiceOptions {
  db: Db;
  hub: Pick<DataHubPort, 'onMessage' | 'publish'>;
  bus: Pick<EventBus, 'on'>;
  config: () => BridgesConfig;
  logger: Logger;
  now?: () => number;
}

interface OutBridge {
  def: BridgeDefinition;
  outbox: Outbox;
}

interface InBridge {
  def: BridgeDefinition;
  reader: BridgeReader | null;
  received: number;
  errors: number;
  lastError: string | null;
}

interface Bridges {
  defs: BridgeDefinition[];
  outs: OutBridge[];
  ins: InBridge[];
}

/** The settings an engine's connection is made from: a change makes a new connection. */
const engineKeyOf = (kind: EngineKind, c: BridgesConfig): string =>
  kind === 'nats' ? JSON.stringify([c.natsUrl, c.natsToken, c.prefix]) : JSON.stringify([c.redisUrl, c.redisPassword, c.prefix]);
const urlOf = (kind: EngineKind, c: BridgesConfig): string => (kind === 'nats' ? c.natsUrl : c.redisUrl);
const sameDef = (a: BridgeDefinition, b: BridgeDefinition): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Each stream's bridges to NATS JetStream and Redis Streams (BridgesPort): definitions kept in
 * `data_bridges`; out-bridges take the hub's messages (a tap: never in the publisher's way) into an
 * Outbox each; in-bridges read a subject or key into a channel. One connection per engine, made from
 * Settings (bridges.*) on first use and again when those settings change.
 */
export class BridgeService implements BridgesPort, Service {
  readonly name = 'data-bridges';
  private readonly streams = new Map<string, Bridges>();
  private readonly engines = new Map<EngineKind, { key: string; engine: BridgeEngine }>();
  private readonly offs: (() => void)[] = [];
  private readonly logger: Logger;
  private readonly store: StreamDefinitionStore<BridgeDefinition>;

  constructor(private readonly options: BridgeServiceOptions) {
    this.logger = options.logger;
    this.store = new StreamDefinitionStore(options.db, 'data_bridges', 'bridges', bridgeDefinitionSchema);
  }

  start(): void {
    for (const { stream, items } of this.store.all()) {
      if (items === null) this.logger.warn({ stream }, 'unreadable data bridges: none are run');
      this.apply(stream, items ?? []);
    }
    this.offs.push(this.options.hub.onMessage((m) => this.onMessage(m)));
    this.offs.push(
      this.options.bus.on('streams.changed', (c) => {
        if (c.stream === null) this.forget(c.name);
      }),
      this.options.bus.on('config.changed', ({ changed }) => {
        if (changed.some((path) => path.startsWith('bridges.'))) this.reconnect();
      }),
    );
  }

  async dispose(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    // What waits for an engine that is up gets a moment to go out before the host stops (nothing new comes).
    const waiting = () => [...this.streams.values()].some((b) => b.outs.some((o) => o.outbox.buffered > 0 && o.outbox.state === 'up'));
    for (const until = monotonicMs() + DRAIN_MS; waiting() && monotonicMs() < until; ) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const stream of [...this.streams.keys()]) this.stop(stream);
    await Promise.all([...this.engines.values()].map(({ engine }) => engine.close().catch(() => undefined)));
    this.engines.clear();
  }

  definitions(stream: string): BridgeDefinition[] {
    return this.streams.get(stream)?.defs ?? [];
  }

  status(stream: string): BridgeStatus[] {
    const bridges = this.streams.get(stream);
    if (!bridges) return [];
    const config = this.options.config();
    return bridges.defs.map((def): BridgeStatus => {
      const off = urlOf(def.engine, config) === '';
      const out = bridges.outs.find((o) => o.def.id === def.id);
      if (out) {
        const { outbox } = out;
        return { id: def.id, state: off ? 'off' : outbox.state, sent: outbox.sent, received: 0, buffered: outbox.buffered, dropped: outbox.dropped, errors: outbox.errors, lastError: outbox.lastError, lagMs: outbox.lagMs() };
      }
      const inb = bridges.ins.find((i) => i.def.id === def.id)!;
      const up = this.engines.get(def.engine)?.engine.up() ?? false;
      const state = off ? 'off' : up ? (inb.lastError && inb.received === 0 ? 'down' : 'up') : inb.errors > 0 ? 'down' : 'connecting';
      return { id: def.id, state, sent: 0, received: inb.received, buffered: 0, dropped: 0, errors: inb.errors, lastError: inb.lastError, lagMs: 0 };
    });
  }

  prefix(): string {
    return this.options.config().prefix;
  }

  setDefinitions(stream: string, bridges: BridgeDefinition[]): BridgeDefinition[] {
    const ids = new Set<string>();
    for (const [i, b] of bridges.entries()) {
      const field = (name: string, message: string) => new StudioError('VALIDATION_FAILED', `bridge "${b.id}": ${message}`, { fields: [{ path: `bridges.${i}.${name}`, message }] });
      if (ids.has(b.id)) throw field('id', 'another bridge has this id');
      ids.add(b.id);
      if (b.direction === 'in') {
        if (b.source === undefined) throw field('source', b.engine === 'nats' ? 'an in-bridge reads a NATS subject: give it as source' : 'an in-bridge reads a Redis stream: give its key as source');
        if (b.channel === '*') throw field('channel', 'an in-bridge writes to one channel: name it');
        if ((RESERVED_CHANNELS as readonly string[]).includes(b.channel)) throw field('channel', `"${b.channel}" is written by the studio itself`);
      } else {
        if (b.source !== undefined) throw field('source', 'an out-bridge writes to names of its own (bridges.prefix): source is for in-bridges');
        if (b.fromSeq !== undefined) throw field('fromSeq', 'fromSeq is for in-bridges');
      }
    }
    this.store.put(stream, bridges);
    this.apply(stream, bridges);
    return bridges;
  }

  /** The engine of a kind for the current settings, null when its URL is empty. */
  private engine(kind: EngineKind): BridgeEngine | null {
    const config = this.options.config();
    const known = this.engines.get(kind);
    if (urlOf(kind, config) === '') {
      // Turned off in Settings: its connection goes too.
      if (known) void known.engine.close().catch(() => undefined);
      this.engines.delete(kind);
      return null;
    }
    const key = engineKeyOf(kind, config);
    if (known?.key === key) return known.engine;
    if (known) void known.engine.close().catch(() => undefined);
    // The engine's client library is loaded when a bridge first needs it, not at every start of the host.
    const engine: BridgeEngine =
      kind === 'nats'
        ? new LazyEngine('nats', async () => new (await import('./nats-engine.js')).NatsEngine({ url: config.natsUrl, token: config.natsToken, prefix: config.prefix }))
        : new LazyEngine('redis', async () => new (await import('./redis-engine.js')).RedisEngine({ url: config.redisUrl, password: config.redisPassword, prefix: config.prefix, maxLen: () => this.options.config().redisMaxLen }));
    this.engines.set(kind, { key, engine });
    return engine;
  }

  private onMessage(message: DataMessage): void {
    const bridges = this.streams.get(message.stream);
    if (!bridges || bridges.outs.length === 0) return;
    let record: BridgeRecord | undefined;
    for (const { def, outbox } of bridges.outs) {
      if (def.channel !== '*' && def.channel !== message.channel) continue;
      // What came in from an engine does not go back out to it (a loop).
      if (message.source.transport === def.engine) continue;
      record ??= recordOf(message);
      outbox.push(record);
    }
  }

  /** Makes a stream's bridges match `defs`: an unchanged bridge keeps its buffer and counters. */
  private apply(stream: string, defs: BridgeDefinition[]): void {
    const old = this.streams.get(stream) ?? { defs: [], outs: [], ins: [] };
    const next: Bridges = { defs, outs: [], ins: [] };
    for (const def of defs) {
      const keepOut = old.outs.find((o) => sameDef(o.def, def));
      const keepIn = old.ins.find((i) => sameDef(i.def, def));
      if (keepOut) next.outs.push(keepOut);
      else if (keepIn) next.ins.push(keepIn);
      else if (def.direction === 'out') next.outs.push(this.makeOut(def));
      else next.ins.push(this.startIn(stream, { def, reader: null, received: 0, errors: 0, lastError: null }));
    }
    for (const o of old.outs) if (!next.outs.includes(o)) o.outbox.close();
    for (const i of old.ins) if (!next.ins.includes(i)) void i.reader?.close();
    if (defs.length === 0) this.streams.delete(stream);
    else this.streams.set(stream, next);
  }

  private makeOut(def: BridgeDefinition): OutBridge {
    const outbox = new Outbox({
      write: (records) => {
        const engine = this.engine(def.engine);
        if (!engine) return Promise.reject(new EngineOffError(`bridges.${def.engine}Url is empty`));
        return engine.write(records);
      },
      limit: () => this.options.config().bufferMessages,
      ...(this.options.now ? { now: this.options.now } : {}),
    });
    return { def, outbox };
  }

  private startIn(stream: string, bridge: InBridge): InBridge {
    const engine = this.engine(bridge.def.engine);
    if (!engine) return bridge;
    const channel = bridge.def.channel;
    bridge.reader = engine.read(
      stream,
      bridge.def.id,
      bridge.def.source!,
      bridge.def.fromSeq,
      (data) => {
        this.options.hub.publish({ stream, channel, data, contentType: 'application/json', source: { kind: 'bridge', transport: bridge.def.engine, remoteAddress: null } });
        bridge.received++;
      },
      (error) => {
        bridge.errors++;
        bridge.lastError = errorText(error);
        this.logger.warn({ stream, bridge: bridge.def.id, err: error }, 'a data in-bridge could not read');
      },
    );
    return bridge;
  }

  /** Settings changed: in-bridges start again on the new connection; out-bridges send what waits at once. */
  private reconnect(): void {
    for (const [stream, bridges] of this.streams) {
      for (const inb of bridges.ins) {
        void inb.reader?.close();
        inb.reader = null;
        this.startIn(stream, inb);
      }
      for (const o of bridges.outs) o.outbox.kick();
    }
  }

  private stop(stream: string): void {
    const bridges = this.streams.get(stream);
    if (!bridges) return;
    for (const o of bridges.outs) o.outbox.close();
    for (const i of bridges.ins) void i.reader?.close();
    this.streams.delete(stream);
  }

  private forget(stream: string): void {
    this.stop(stream);
    this.store.delete(stream);
  }

}
