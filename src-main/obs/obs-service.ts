import crypto from 'node:crypto';
import type { OBSWebSocket } from 'obs-websocket-js';
import type { ObsConnection, ObsOutputName, ObsStats, Stream, StreamWithKey } from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../../src-shared/backoff.js';
import type { SecretBox } from '../restream/secret-box.js';
import type { ObsConnectionRecord, ObsConnectionStore } from './connection-store.js';
import { bindObsEvents } from './obs-events.js';
import { ObsLink } from './obs-link.js';
import { outputsStatus, setOutput, statsSample } from './output-ops.js';

/** What the one-click "stream to this studio" needs from the stream service. */
export interface StudioStreams {
  get(name: string, baseUrl?: string): Stream;
  create(input: { name: string }, baseUrl?: string): StreamWithKey;
  rotateKey(name: string, baseUrl?: string): StreamWithKey;
  delete(name: string): Promise<void>;
}

export interface ObsServiceOptions {
  store: ObsConnectionStore;
  box: SecretBox;
  bus: EventBus;
  logger: Logger;
  statsIntervalMs: () => number;
  streams: StudioStreams;
  backoff?: BackoffOptions;
  platform?: NodeJS.Platform;
}

interface Entry {
  record: ObsConnectionRecord;
  link: ObsLink;
  stats: ObsStats | null;
  lastBytes: { at: number; bytes: number } | undefined;
}

/**
 * Every OBS instance the studio controls: stored connections (passwords sealed), one ObsLink each,
 * OBS events turned into contract events, and a stats sample per interval while connected.
 */
export class ObsService implements Service {
  readonly name = 'obs';
  private readonly entries = new Map<string, Entry>();
  private statsTimer: NodeJS.Timeout | undefined;
  private ticks = 0;
  readonly platform: NodeJS.Platform;

  constructor(private readonly o: ObsServiceOptions) {
    this.platform = o.platform ?? process.platform;
  }

  start(): void {
    for (const record of this.o.store.all()) {
      const entry = this.entryFor(record);
      this.entries.set(record.id, entry);
      void entry.link.start();
    }
    this.scheduleStats();
  }

  async dispose(): Promise<void> {
    if (this.statsTimer) clearTimeout(this.statsTimer);
    this.statsTimer = undefined;
    await Promise.all([...this.entries.values()].map((e) => e.link.close()));
  }

  list(): ObsConnection[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  get(id: string): ObsConnection {
    return this.view(this.require(id));
  }

  link(id: string): ObsLink {
    return this.require(id).link;
  }

  latestStats(id: string): ObsStats | null {
    return this.require(id).stats;
  }

  /** Tries the connection first: a refused password stores nothing (OBS_AUTH_FAILED); OBS not running is stored and retried. */
  async create(input: { host: string; port: number; password: string; label?: string | undefined; managed?: boolean; id?: string }): Promise<ObsConnection> {
    for (const e of this.entries.values()) {
      if (e.record.host === input.host && e.record.port === input.port) {
        throw new StudioError('CONFLICT', `OBS at ${input.host}:${input.port} is already added`, { id: e.record.id });
      }
    }
    const id = input.id ?? crypto.randomBytes(6).toString('hex');
    const record: ObsConnectionRecord = {
      id,
      label: input.label ?? (input.managed ? 'Managed OBS' : `OBS ${input.host}:${input.port}`),
      host: input.host,
      port: input.port,
      passwordEnc: input.password ? this.o.box.seal(input.password, id) : null,
      managed: input.managed ?? false,
      createdAt: Date.now(),
    };
    const entry = await this.tryEntry(record);
    this.o.store.upsert(record);
    this.entries.set(id, entry);
    return this.emitConnection(entry);
  }

  async update(id: string, patch: { host?: string | undefined; port?: number | undefined; password?: string | undefined; label?: string | undefined }): Promise<ObsConnection> {
    const current = this.require(id);
    const record: ObsConnectionRecord = {
      ...current.record,
      ...(patch.label !== undefined ? { label: patch.label } : {}),
      ...(patch.host !== undefined ? { host: patch.host } : {}),
      ...(patch.port !== undefined ? { port: patch.port } : {}),
      ...(patch.password !== undefined ? { passwordEnc: patch.password ? this.o.box.seal(patch.password, id) : null } : {}),
    };
    const reconnect = patch.host !== undefined || patch.port !== undefined || patch.password !== undefined;
    if (!reconnect) {
      this.o.store.upsert(record);
      current.record = record;
      return this.emitConnection(current);
    }
    const entry = await this.tryEntry(record);
    await current.link.close();
    this.o.store.upsert(record);
    this.entries.set(id, entry);
    return this.emitConnection(entry);
  }

  async delete(id: string): Promise<void> {
    const entry = this.require(id);
    this.entries.delete(id);
    this.o.store.delete(id);
    await entry.link.close();
    this.o.bus.emit('obs.connection', { id, connection: null });
  }

  async outputs(id: string) {
    const e = this.require(id);
    return outputsStatus(e.link, e.stats);
  }

  async setOutput(id: string, output: ObsOutputName, on: boolean) {
    const e = this.require(id);
    return setOutput(e.link, output, on, () => e.stats);
  }

  /** Creates (or re-keys) a stream here and points OBS's custom RTMP server at our ingest; nothing changes when OBS is away or already streaming. */
  async streamToStudio(id: string, stream: string, start: boolean, baseUrl?: string): Promise<{ stream: string; server: string; created: boolean; streaming: boolean }> {
    const { link } = this.require(id);
    const status = await link.call('GetStreamStatus');
    if (status.outputActive) throw new StudioError('CONFLICT', 'OBS is streaming: stop it first, then send it to the studio');
    let existing: Stream | undefined;
    try {
      existing = this.o.streams.get(stream, baseUrl);
    } catch (error) {
      if (!(error instanceof StudioError && error.code === 'NOT_FOUND')) throw error;
    }
    if (existing?.state === 'live') throw new StudioError('CONFLICT', `stream "${stream}" is live from another publisher`);
    const keyed = existing ? this.o.streams.rotateKey(stream, baseUrl) : this.o.streams.create({ name: stream }, baseUrl);
    try {
      await link.call('SetStreamServiceSettings', {
        streamServiceType: 'rtmp_custom',
        streamServiceSettings: { server: keyed.ingest.obsServer, key: keyed.key, use_auth: false, bwtest: false } as never,
      });
      if (start) await setOutput(link, 'stream', true, () => null);
    } catch (error) {
      if (!existing) await this.o.streams.delete(stream).catch(() => undefined);
      throw error;
    }
    this.o.logger.info({ connection: id, stream }, 'OBS sent to the studio');
    return { stream, server: keyed.ingest.obsServer, created: !existing, streaming: start };
  }

  private require(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new StudioError('NOT_FOUND', `no OBS connection "${id}"`);
    return entry;
  }

  private async tryEntry(record: ObsConnectionRecord): Promise<Entry> {
    const entry = this.entryFor(record);
    await entry.link.start();
    if (entry.link.current.state === 'auth_failed') {
      await entry.link.close();
      throw new StudioError('OBS_AUTH_FAILED', `OBS at ${record.host}:${record.port} refused the password (4009)`, { obsCode: 4009 });
    }
    return entry;
  }

  private entryFor(record: ObsConnectionRecord): Entry {
    const id = record.id;
    const url = `ws://${record.host.includes(':') && !record.host.startsWith('[') ? `[${record.host}]` : record.host}:${record.port}`;
    const entry: Entry = { record, stats: null, lastBytes: undefined, link: undefined as unknown as ObsLink };
    entry.link = new ObsLink({
      url,
      password: () => (entry.record.passwordEnc ? this.o.box.open(entry.record.passwordEnc, id) : ''),
      logger: this.o.logger.child({ obs: id }),
      backoff: this.o.backoff ?? DEFAULT_BACKOFF,
      onStatus: (status) => {
        if (status.state !== 'connected') {
          entry.stats = null;
          entry.lastBytes = undefined;
        }
        if (this.entries.get(id) === entry) this.emitConnection(entry);
      },
      onConnected: (socket: OBSWebSocket) => bindObsEvents(socket, id, entry.link, this.o.bus, this.o.logger),
    });
    return entry;
  }

  private view(e: Entry): ObsConnection {
    const s = e.link.current;
    return {
      id: e.record.id,
      label: e.record.label,
      host: e.record.host,
      port: e.record.port,
      managed: e.record.managed,
      state: s.state,
      error: s.error,
      latencyMs: s.latencyMs,
      nextRetryAt: s.nextRetryAt,
      retries: s.retries,
      obsVersion: s.obsVersion,
      since: s.since,
      createdAt: e.record.createdAt,
    };
  }

  private emitConnection(entry: Entry): ObsConnection {
    const view = this.view(entry);
    this.o.bus.emit('obs.connection', { id: entry.record.id, connection: view });
    return view;
  }

  private scheduleStats(): void {
    this.statsTimer = setTimeout(() => {
      void this.sampleStats().finally(() => {
        if (this.statsTimer) this.scheduleStats();
      });
    }, this.o.statsIntervalMs());
    this.statsTimer.unref();
  }

  private async sampleStats(): Promise<void> {
    this.ticks++;
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        if (e.link.current.state !== 'connected') return;
        try {
          const [stats, stream] = await e.link.batch([{ requestType: 'GetStats' }, { requestType: 'GetStreamStatus' }]);
          const at = Date.now();
          const streamData: Record<string, unknown> = stream?.ok ? stream.data : {};
          const sample = statsSample(e.record.id, at, stats?.ok ? stats.data : {}, streamData, e.lastBytes);
          e.lastBytes = { at, bytes: Number(streamData.outputBytes ?? 0) };
          e.stats = sample;
          this.o.bus.emit('obs.stats', sample);
          // Latency moves every sample: show it every few seconds, not on every tick.
          if (this.ticks % 5 === 0) this.emitConnection(e);
        } catch (error) {
          this.o.logger.debug({ err: error, obs: e.record.id }, 'OBS stats sample failed');
        }
      }),
    );
  }
}
