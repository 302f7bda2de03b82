import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Destination, destinationInputSchema } from '../../src-shared/contract/restream.js';
import type { FfmpegInfo } from '../../src-shared/contract/system.js';
import type { z } from 'zod';
import type { EventBus } from '../core/bus.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { capsOf } from '../encoder/capabilities.js';
import { chooseEncoder, softwareEncoder, x264PresetFor, type EncoderChoice } from '../encoder/ladder.js';
import type { PathReader, TrackInfo } from '../media/types.js';
import type { Db } from '../store/db.js';
import { caBundle, writeCaBundle } from './ca-bundle.js';
import { DestinationStore, type DestinationPatch, type DestinationRecord } from './destination-store.js';
import { defaultLabel, PRESETS, redactSecret, validateDestination, type DestinationPreset, type ValidDestination } from './destination-url.js';
import { argsForLog, relayArgs, relayRendition, renditionIds } from './relay-args.js';
import { Relay, type RelayLaunch, type RelayStatus, type RelaySupervision } from './relay.js';
import { keyHintOf, SecretBox } from './secret-box.js';

export type DestinationInput = z.infer<typeof destinationInputSchema>;

/** What the service needs of the Path hub (PathManager fits). */
export interface RestreamPaths {
  addReader(name: string, reader: PathReader): () => void;
  onPublish(listener: (name: string) => void): () => void;
  onUnpublish(listener: (name: string) => void): () => void;
  /** Source size and codecs, for a destination with a rendition; without it the rung keeps the source's aspect by itself. */
  tracksOf?(name: string): TrackInfo | undefined;
}

export interface RestreamServiceOptions {
  db: Db;
  /** The AES key of stored destination keys: 32 bytes, base64url (StreamStore.secret('destination-key', newBoxSecret)). */
  secret: () => string;
  paths: RestreamPaths;
  streamExists(name: string): boolean;
  isLive(name: string): boolean;
  children: Pick<ChildRegistry, 'spawn'>;
  ffmpegPath: () => Promise<string>;
  bus: EventBus;
  logger: Logger;
  /** The probe, to pick a hardware encoder for renditions; libx264 without it. */
  ffmpegInfo?: () => Promise<FfmpegInfo>;
  supervision?: Partial<RelaySupervision>;
  readerMaxBytes?: number;
  /** Passthrough rtmp(s):// destinations pushed in-process, without an ffmpeg each (default true). */
  inProcessRtmp?: boolean;
  /** Where the CA file of ffmpeg relays to rtmps:// is written (ca-bundle.ts); default a private temporary folder. */
  caBundleFile?: string;
}

const IDLE: RelayStatus = { state: 'idle', error: null, since: null, bitrateKbps: 0, retries: 0, nextRetryAt: null };

/**
 * Destinations of each stream (stored, keys sealed) and their relays. Auto-start destinations follow
 * their stream: started when it goes live, stopped when it ends. Every change emits destination.changed.
 */
export class RestreamService implements Service {
  readonly name = 'restream';
  private readonly store: DestinationStore;
  private readonly box: SecretBox;
  private readonly relays = new Map<string, { stream: string; relay: Relay }>();
  private readonly unsubscribers: (() => void)[] = [];
  private readonly log: Logger;
  private caFile: string | undefined;
  private caTempDir: string | undefined;

  constructor(private readonly options: RestreamServiceOptions) {
    this.store = new DestinationStore(options.db);
    this.box = new SecretBox(options.secret);
    this.log = options.logger.child({ service: 'restream' });
  }

  /**
   * Two jobs share the name, as the Service lifecycle and the API both say "start": without arguments
   * it subscribes to the hub (ServiceGroup); with a stream and an id it starts that destination's relay.
   */
  start(): void;
  start(stream: string, id: string): Destination;
  start(stream?: string, id?: string): Destination | void {
    if (stream === undefined || id === undefined) return this.subscribe();
    return this.startRelay(stream, id);
  }

  private subscribe(): void {
    const { paths } = this.options;
    this.unsubscribers.push(
      paths.onPublish((name) => this.onPublish(name)),
      paths.onUnpublish((name) => this.onUnpublish(name)),
    );
    // Streams already live when the service starts (start order) get their auto-start relays too.
    for (const stream of new Set(this.store.all().map((d) => d.stream))) if (this.options.isLive(stream)) this.onPublish(stream);
  }

  async dispose(): Promise<void> {
    for (const off of this.unsubscribers.splice(0)) off();
    const relays = [...this.relays.values()];
    this.relays.clear();
    await Promise.all(relays.map(({ relay }) => relay.dispose()));
    if (this.caTempDir) fs.rmSync(this.caTempDir, { recursive: true, force: true });
    this.caTempDir = undefined;
    this.caFile = undefined;
  }

  presets(): DestinationPreset[] {
    return PRESETS.map((p) => ({ ...p }));
  }

  list(stream: string): Destination[] {
    this.requireStream(stream);
    return this.store.list(stream).map((r) => this.view(r));
  }

  /**
   * Refuses a destination whose protocol the found ffmpeg cannot send (SRT with the npm-shipped 4.1,
   * which has no srt protocol): FFMPEG_FEATURE_MISSING names it. Checked before a destination is stored
   * or changed, and again at each launch (the ffmpeg may have changed since).
   */
  private async requireProtocol(protocol: ValidDestination['protocol']): Promise<void> {
    if (protocol !== 'srt' || !this.options.ffmpegInfo) return;
    const info = await this.options.ffmpegInfo();
    if (info.found && !capsOf(info.features).has('srt')) {
      throw new StudioError(
        'FFMPEG_FEATURE_MISSING',
        `SRT destinations need an ffmpeg with the srt protocol, and the one found (${info.version ?? 'unknown version'}, ${info.path ?? '?'}) has none: install a current ffmpeg (apt install ffmpeg) or set FFMPEG_PATH to one`,
        { feature: 'srt', ffmpeg: info.path },
      );
    }
  }

  /** Stores a destination. It does not start by itself, even with autoStart while the stream is live: start() does. */
  async create(stream: string, input: DestinationInput): Promise<Destination> {
    this.requireStream(stream);
    const valid = this.validate({ url: input.url, key: input.key ?? null });
    const rendition = this.checkRendition(input.rendition ?? null);
    await this.requireProtocol(valid.protocol);
    const id = `dst_${crypto.randomBytes(9).toString('base64url')}`;
    const record: DestinationRecord = {
      id,
      stream,
      kind: valid.kind,
      label: input.label ?? defaultLabel(valid.kind, valid.url),
      url: valid.url,
      keyEnc: valid.key === null ? null : this.box.seal(valid.key, id),
      keyHint: keyHintOf(valid.key),
      autoStart: input.autoStart ?? true,
      rendition,
      createdAt: Date.now(),
    };
    this.store.insert(record);
    this.log.info({ stream, id, kind: record.kind, url: record.url, keyHint: record.keyHint }, 'destination created');
    return this.emit(record);
  }

  /** Changes a destination; a running relay restarts with the new server, key or rendition. */
  async update(stream: string, id: string, patch: Partial<DestinationInput>): Promise<Destination> {
    const current = this.require(stream, id);
    const next: DestinationPatch = {};
    if (patch.url !== undefined || patch.key !== undefined) {
      const storedKey = current.keyEnc === null ? null : this.box.open(current.keyEnc, id);
      const valid = this.validate({ url: patch.url ?? current.url, key: patch.key ?? null }, storedKey);
      if (patch.url !== undefined) await this.requireProtocol(valid.protocol);
      next.kind = valid.kind;
      next.url = valid.url;
      if (valid.key !== storedKey) {
        next.keyEnc = valid.key === null ? null : this.box.seal(valid.key, id);
        next.keyHint = keyHintOf(valid.key);
      }
      // A label left at its default follows the server.
      if (patch.label === undefined && current.label === defaultLabel(current.kind, current.url)) next.label = defaultLabel(valid.kind, valid.url);
    }
    if (patch.rendition !== undefined) next.rendition = this.checkRendition(patch.rendition);
    if (patch.label !== undefined) next.label = patch.label;
    if (patch.autoStart !== undefined) next.autoStart = patch.autoStart;
    const updated = this.store.update(id, next)!;
    const relayChanged = updated.url !== current.url || updated.keyEnc !== current.keyEnc || updated.rendition !== current.rendition;
    this.log.info({ stream, id, url: updated.url, keyHint: updated.keyHint, relayChanged }, 'destination updated');
    const entry = this.relays.get(id);
    if (entry && relayChanged) {
      const wasActive = entry.relay.active;
      await entry.relay.stop();
      if (wasActive && this.options.isLive(stream)) entry.relay.start();
    }
    return this.emit(updated);
  }

  async delete(stream: string, id: string): Promise<{ id: string; deleted: true }> {
    this.require(stream, id);
    await this.drop(id, 'stop');
    this.store.delete(id);
    this.log.info({ stream, id }, 'destination deleted');
    this.options.bus.emit('destination.changed', { stream, id, destination: null });
    return { id, deleted: true };
  }

  /** Starts relaying now; idempotent while it runs. The stream must be live (CONFLICT otherwise). */
  private startRelay(stream: string, id: string): Destination {
    const record = this.require(stream, id);
    if (!this.options.isLive(stream)) throw new StudioError('CONFLICT', 'the stream is not live', { stream, id });
    this.relayOf(record).start();
    return this.view(this.store.get(id) ?? record);
  }

  async stop(stream: string, id: string): Promise<Destination> {
    const record = this.require(stream, id);
    await this.relays.get(id)?.relay.stop();
    return this.view(this.store.get(id) ?? record);
  }

  /** The stream was deleted: its relays stop and its destinations go. */
  async forgetStream(name: string): Promise<void> {
    const ids = new Set([...this.store.list(name).map((r) => r.id), ...[...this.relays].filter(([, e]) => e.stream === name).map(([id]) => id)]);
    await Promise.all([...ids].map((id) => this.drop(id, 'dispose')));
    this.store.deleteStream(name);
    for (const id of ids) this.options.bus.emit('destination.changed', { stream: name, id, destination: null });
    if (ids.size > 0) this.log.info({ stream: name, destinations: ids.size }, 'destinations of a deleted stream removed');
  }

  private onPublish(stream: string): void {
    for (const record of this.store.list(stream)) {
      if (!record.autoStart) continue;
      try {
        this.relayOf(record).start();
      } catch (error) {
        this.log.error({ stream, id: record.id, err: error }, 'could not start a relay');
      }
    }
  }

  private onUnpublish(stream: string): void {
    // A failed relay keeps its reason on screen; the next publish (auto-start) or a stop() clears it.
    for (const { stream: s, relay } of this.relays.values()) {
      if (s === stream && relay.active) relay.stop().catch((error: unknown) => this.log.warn({ stream, err: error }, 'relay stop failed'));
    }
  }

  private relayOf(record: DestinationRecord): Relay {
    const existing = this.relays.get(record.id);
    if (existing) return existing.relay;
    const { id, stream } = record;
    const relay = new Relay({
      id: `${stream}/${id}`,
      prepare: () => this.prepare(id),
      attach: (reader) => this.options.paths.addReader(stream, reader),
      children: this.options.children,
      logger: this.log,
      onChange: () => {
        const current = this.store.get(id);
        if (current) this.emit(current);
      },
      readerMaxBytes: this.options.readerMaxBytes,
      supervision: this.options.supervision,
    });
    this.relays.set(id, { stream, relay });
    return relay;
  }

  /** Reads the destination afresh at every launch, so that an update applies to the next one. */
  private async prepare(id: string): Promise<RelayLaunch> {
    const record = this.store.get(id);
    if (!record) throw new Error('the destination was deleted');
    const key = record.keyEnc === null ? null : this.box.open(record.keyEnc, id);
    const valid = this.validate({ url: record.url, key });
    await this.requireProtocol(valid.protocol);
    const rendition = record.rendition === null ? null : relayRendition(record.rendition, this.options.paths.tracksOf?.(record.stream), await this.encoder());
    const ffmpegPath = await this.options.ffmpegPath();
    const push = !rendition && valid.protocol !== 'srt' && key !== null && this.options.inProcessRtmp !== false ? { url: valid.url, key } : undefined;
    const caFile = valid.protocol === 'rtmps' && !push ? this.trustedCaFile() : undefined;
    const args = relayArgs({ protocol: valid.protocol, publishUrl: valid.publishUrl, rendition: rendition ?? null, caFile });
    return { ffmpegPath, args, logArgs: argsForLog(args, valid.publishUrl), redact: (text) => redactSecret(text, key), push };
  }

  /** The CA file for ffmpeg relays to rtmps://, written once: the CAs the in-process push trusts too. */
  private trustedCaFile(): string {
    if (this.caFile) return this.caFile;
    const bundle = caBundle();
    if (bundle.problem) this.log.warn({ problem: bundle.problem }, 'rtmps relays trust the public CAs only');
    let file = this.options.caBundleFile;
    if (!file) {
      this.caTempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-restream-'));
      file = path.join(this.caTempDir, 'ca-bundle.pem');
    }
    this.caFile = writeCaBundle(file, bundle.pem);
    return this.caFile;
  }

  private async encoder(): Promise<EncoderChoice> {
    const cores = os.availableParallelism();
    if (!this.options.ffmpegInfo) return softwareEncoder(x264PresetFor(1, cores));
    return chooseEncoder(await this.options.ffmpegInfo(), process.platform, { rungs: 1, cores });
  }

  private async drop(id: string, how: 'stop' | 'dispose'): Promise<void> {
    const entry = this.relays.get(id);
    if (!entry) return;
    this.relays.delete(id);
    await (how === 'stop' ? entry.relay.stop() : entry.relay.dispose());
  }

  private validate(input: { url: string; key: string | null }, fallbackKey: string | null = null): ValidDestination {
    const result = validateDestination(input, { fallbackKey });
    if (!result.ok) throw result.error;
    return result.value;
  }

  private checkRendition(rendition: string | null): string | null {
    if (rendition === null || renditionIds().includes(rendition)) return rendition;
    const message = `unknown rendition "${rendition}": use ${renditionIds().join(', ')}, or null to pass the source through`;
    throw new StudioError('VALIDATION_FAILED', `Invalid destination: rendition: ${message}`, { fields: [{ path: 'rendition', message }] });
  }

  private requireStream(stream: string): void {
    if (!this.options.streamExists(stream)) throw new StudioError('NOT_FOUND', `stream "${stream}" does not exist`, { name: stream });
  }

  private require(stream: string, id: string): DestinationRecord {
    this.requireStream(stream);
    const record = this.store.get(id);
    if (!record || record.stream !== stream) throw new StudioError('NOT_FOUND', `destination "${id}" does not exist`, { name: stream, id });
    return record;
  }

  private view(record: DestinationRecord): Destination {
    const status = this.relays.get(record.id)?.relay.current ?? IDLE;
    return {
      id: record.id,
      stream: record.stream,
      kind: record.kind,
      label: record.label,
      url: record.url,
      keyHint: record.keyHint,
      autoStart: record.autoStart,
      rendition: record.rendition,
      ...status,
      createdAt: record.createdAt,
    };
  }

  private emit(record: DestinationRecord): Destination {
    const destination = this.view(record);
    this.options.bus.emit('destination.changed', { stream: record.stream, id: record.id, destination });
    return destination;
  }
}
