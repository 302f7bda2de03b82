import type { DataMessage } from '../../../src-shared/contract/data.js';
import { processorDefinitionSchema, type ProcessorDefinition, type ProcessorStatus } from '../../../src-shared/contract/processors.js';
import type { EventBus } from '../../core/bus.js';
import { StudioError } from '../../core/errors.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../store/db.js';
import { StreamDefinitionStore } from '../../store/stream-definitions.js';
import type { DataHubPort, ProcessorsPort } from '../types.js';
import { checkProcessors, Pipeline } from './pipeline.js';

/** How often aggregates are moved on (closed windows out, sliding steps). */
const TICK_MS = 1000;

export interface ProcessorServiceOptions {
  db: Db;
  hub: Pick<DataHubPort, 'onMessage' | 'publish'>;
  bus: Pick<EventBus, 'on'>;
  logger: Logger;
  now?: () => number;
}

interface Running {
  pipeline: Pipeline;
  status: ProcessorStatus;
}

/**
 * Each stream's processors (ProcessorsPort): definitions kept in `data_processors`, checked when saved;
 * a tap on the hub feeds every pipeline whose input the message is on, and what comes out is published
 * on the output channel (source `processor`), where transports, windows, bridges and other processors see
 * it like any message. New definitions start from empty state (joins and windows).
 */
export class ProcessorService implements ProcessorsPort, Service {
  readonly name = 'data-processors';
  private readonly streams = new Map<string, { defs: ProcessorDefinition[]; running: Running[] }>();
  private readonly offs: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  private readonly store: StreamDefinitionStore<ProcessorDefinition>;

  constructor(private readonly options: ProcessorServiceOptions) {
    this.now = options.now ?? Date.now;
    this.store = new StreamDefinitionStore(options.db, 'data_processors', 'processors', processorDefinitionSchema);
  }

  start(): void {
    for (const { stream, items } of this.store.all()) {
      try {
        if (items === null) throw new Error('not JSON');
        checkProcessors(items);
        this.apply(stream, items);
      } catch (error) {
        this.options.logger.warn({ stream, err: error }, 'unreadable data processors: none are run');
      }
    }
    this.offs.push(
      this.options.hub.onMessage((m) => this.onMessage(m)),
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

  definitions(stream: string): ProcessorDefinition[] {
    return this.streams.get(stream)?.defs ?? [];
  }

  status(stream: string): ProcessorStatus[] {
    return (this.streams.get(stream)?.running ?? []).map((r) => ({ ...r.status }));
  }

  setDefinitions(stream: string, processors: ProcessorDefinition[]): ProcessorDefinition[] {
    checkProcessors(processors);
    this.store.put(stream, processors);
    this.apply(stream, processors);
    return processors;
  }

  /** Moves every aggregate on; called each TICK_MS. */
  tick(): void {
    const now = this.now();
    for (const [stream, { running }] of this.streams) {
      for (const r of running) this.emit(stream, r, r.pipeline.tick(now));
    }
  }

  private apply(stream: string, defs: ProcessorDefinition[]): void {
    const now = this.now();
    if (defs.length === 0) this.streams.delete(stream);
    else this.streams.set(stream, { defs, running: defs.map((def) => ({ pipeline: new Pipeline(stream, def, now), status: { id: def.id, in: 0, out: 0, errors: 0, lastError: null } })) });
  }

  private onMessage(message: DataMessage): void {
    const state = this.streams.get(message.stream);
    if (!state) return;
    for (const r of state.running) {
      if (!r.pipeline.inputs.includes(message.channel)) continue;
      r.status.in++;
      this.emit(message.stream, r, r.pipeline.push({ channel: message.channel, at: message.at, data: message.data }));
    }
  }

  private emit(stream: string, r: Running, out: unknown[]): void {
    for (const data of out) {
      try {
        this.options.hub.publish({ stream, channel: r.pipeline.def.output, data, contentType: 'application/json', source: { kind: 'processor', transport: 'internal', remoteAddress: null } });
        r.status.out++;
      } catch (error) {
        r.status.errors++;
        r.status.lastError = StudioError.from(error).message;
      }
    }
  }

  private forget(stream: string): void {
    this.streams.delete(stream);
    this.store.delete(stream);
  }
}
