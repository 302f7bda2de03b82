import type { LadderPreset, LatencyMode, Stream, StreamState, StreamWithKey, ViewerStats } from '../../src-shared/contract/index.js';
import { p2pActive, p2pSettingsOf, type P2pSettings, type P2pSettingsInput } from '../../src-shared/p2p.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { keyHintOf, type SecretBox } from '../restream/secret-box.js';
import { keyProviderTokenContext, newStreamKey, type StreamPatch, type StreamRecord, type StreamStore } from '../store/streams.js';
import type { LiveSessions } from './live-sessions.js';
import type { AnalyticsPort, LiveStreams } from './live-streams.js';
import type { StreamTransitions } from './stream-transitions.js';
import { basesFor, ingestUrls, playbackUrls, publishUrls, type StreamUrls } from './stream-urls.js';
import type { LiveSession } from './types.js';

export interface StreamServiceOptions {
  store: StreamStore;
  live: Pick<LiveStreams, 'start' | 'dispose' | 'kick' | 'end' | 'viewOf'>;
  sessions: Pick<LiveSessions, 'reset' | 'of' | 'forget'>;
  transitions: Pick<StreamTransitions, 'endLeftLive'>;
  analytics: Pick<AnalyticsPort, 'snapshot' | 'forget'>;
  urls: StreamUrls;
  bus: Pick<EventBus, 'emit'>;
  logger: Logger;
  defaultLadder: () => LadderPreset;
  defaultLatency: () => LatencyMode;
  defaultDvrMinutes: () => number;
  /** Seals a stream's key provider token at rest. */
  box: Pick<SecretBox, 'seal'>;
  /** The id of a stream's recording in progress, if any (the recorder answers). */
  recordingOf?: (name: string) => string | null;
  /** A stream was deleted: its destinations and recording go with it; its session folders go once this resolves. */
  onDeleted?: (name: string) => void | Promise<void>;
}

/** What create and PATCH take: the settings, and the key provider token in clear (sealed before it is stored). */
export type StreamInput = Omit<StreamPatch, 'keyProviderTokenEnc' | 'keyProviderTokenHint' | 'p2p'> & { keyProviderToken?: string; p2p?: P2pSettingsInput };

/**
 * Streams and their keys: create, read, update, delete, rotate, as views for the API. What happens
 * while a stream is live is LiveStreams' job; this service starts it and asks it for the live part.
 */
export class StreamService implements Service {
  readonly name = 'streams';

  constructor(private readonly options: StreamServiceOptions) {}

  start(): void {
    this.options.sessions.reset();
    this.options.transitions.endLeftLive();
    this.options.live.start();
  }

  async dispose(): Promise<void> {
    await this.options.live.dispose();
  }

  /** RTMP/SRT/WHIP ingest asks: which stream does this key publish to? */
  authorize(key: string): { name: string } | null {
    const record = this.options.store.byKey(key);
    return record ? { name: record.name } : null;
  }

  list(baseUrl?: string): Stream[] {
    return this.options.store.list().map((r) => this.view(r, baseUrl));
  }

  get(name: string, baseUrl?: string): Stream {
    return this.view(this.require(name), baseUrl);
  }

  create(input: { name: string } & StreamInput, baseUrl?: string): StreamWithKey {
    const key = newStreamKey();
    const latency = input.latency ?? this.options.defaultLatency();
    checkEncryption(latency, input.encryption ?? 'none');
    checkEncodeOn(latency, input.encodeOn ?? 'origin');
    const token = this.providerToken(input.name, input.keyProviderUrl ?? '', input.keyProviderToken ?? '');
    const created = this.options.store.create(
      {
        name: input.name,
        ladder: input.ladder ?? this.options.defaultLadder(),
        latency,
        dvrMinutes: input.dvrMinutes ?? this.options.defaultDvrMinutes(),
        private: input.private ?? false,
        record: input.record ?? false,
        publishAuth: input.publishAuth ?? 'key',
        playAuth: input.playAuth ?? 'default',
        maxViewers: input.maxViewers ?? 0,
        encryption: input.encryption ?? 'none',
        keyProviderUrl: input.keyProviderUrl ?? '',
        ...token,
        p2p: p2pSettingsOf(input.p2p ?? {}),
        encodeOn: input.encodeOn ?? 'origin',
        createdAt: Date.now(),
      },
      key,
    );
    if (!created) {
      throw new StudioError('CONFLICT', `a stream named "${input.name}" already exists`, {
        fields: [{ path: 'name', message: 'already taken' }],
      });
    }
    this.options.logger.info({ stream: input.name }, 'stream created');
    const stream = this.get(input.name, baseUrl);
    this.options.bus.emit('streams.changed', { name: input.name, stream });
    return this.withKey(stream, key, baseUrl);
  }

  update(input: { name: string } & StreamInput, baseUrl?: string): Stream {
    const current = this.require(input.name);
    const { name, keyProviderToken, p2p, ...settings } = input;
    checkEncryption(settings.latency ?? current.latency, settings.encryption ?? current.encryption);
    checkEncodeOn(settings.latency ?? current.latency, settings.encodeOn ?? current.encodeOn);
    const patch: StreamPatch = { ...settings, ...(p2p ? { p2p: p2pSettingsOf({ ...current.p2p, ...p2p }) } : {}) };
    const url = settings.keyProviderUrl ?? current.keyProviderUrl;
    if (keyProviderToken !== undefined) {
      Object.assign(patch, this.providerToken(name, url, keyProviderToken));
    } else if (url !== current.keyProviderUrl) {
      // A token goes only where it was given for: a new provider needs its own (or none).
      Object.assign(patch, { keyProviderTokenEnc: null, keyProviderTokenHint: null });
      if (current.keyProviderTokenEnc !== null) this.options.logger.info({ stream: name }, 'key provider changed: its token was removed');
    }
    this.options.store.update(name, patch);
    const stream = this.get(input.name, baseUrl);
    this.options.bus.emit('streams.changed', { name: input.name, stream });
    return stream;
  }

  rotateKey(name: string, baseUrl?: string): StreamWithKey {
    this.require(name);
    const key = newStreamKey();
    this.options.store.setKey(name, key);
    // The old key stops working now, for the publisher using it too.
    this.options.live.kick(name, 'stream key rotated');
    this.options.logger.info({ stream: name }, 'stream key rotated');
    return this.withKey(this.get(name, baseUrl), key, baseUrl);
  }

  async delete(name: string): Promise<void> {
    this.require(name);
    this.options.live.kick(name, 'stream deleted');
    await this.options.live.end(name, 'stream deleted');
    this.options.store.delete(name);
    this.options.analytics.forget(name);
    await this.options.onDeleted?.(name);
    this.options.sessions.forget(name);
    this.options.logger.info({ stream: name }, 'stream deleted');
    this.options.bus.emit('streams.changed', { name, stream: null });
  }

  viewers(name: string): ViewerStats {
    this.require(name);
    return this.options.analytics.snapshot(name);
  }

  /** Who may publish and play a stream (auth/admission.ts), or undefined when there is no such stream. */
  access(name: string): { private: boolean; publishAuth: StreamRecord['publishAuth']; playAuth: StreamRecord['playAuth']; maxViewers: number } | undefined {
    const record = this.options.store.get(name);
    return record && { private: record.private, publishAuth: record.publishAuth, playAuth: record.playAuth, maxViewers: record.maxViewers };
  }

  /** What a stream's viewers may share (the player page and the P2P tracker), or undefined when there is no such stream. */
  p2pOf(name: string): (P2pSettings & { active: boolean; lowLatency: boolean }) | undefined {
    const record = this.options.store.get(name);
    return record && { ...p2pView(record), lowLatency: record.latency === 'low' };
  }

  /** For the HLS/DASH routes: state, privacy and packager sessions (oldest first) of a stream. */
  lookup(name: string): { state: StreamState; private: boolean; sessions: LiveSession[] } | undefined {
    const record = this.options.store.get(name);
    if (!record) return undefined;
    return { state: record.state, private: record.private, sessions: this.options.sessions.of(name) };
  }

  private require(name: string): StreamRecord {
    const record = this.options.store.get(name);
    if (!record) throw new StudioError('NOT_FOUND', `no stream named "${name}"`);
    return record;
  }

  /** A key provider token as stored: sealed and hinted, or none for ''; refused without the stream's own provider. */
  private providerToken(name: string, url: string, token: string): Pick<StreamRecord, 'keyProviderTokenEnc' | 'keyProviderTokenHint'> {
    if (token === '') return { keyProviderTokenEnc: null, keyProviderTokenHint: null };
    if (url === '') {
      throw new StudioError('VALIDATION_FAILED', "a key provider token needs the stream's own keyProviderUrl (the host's provider takes live.keyProviderToken)", {
        fields: [{ path: 'keyProviderToken', message: 'set keyProviderUrl too' }],
      });
    }
    return { keyProviderTokenEnc: this.options.box.seal(token, keyProviderTokenContext(name)), keyProviderTokenHint: keyHintOf(token) };
  }

  private withKey(stream: Stream, key: string, baseUrl?: string): StreamWithKey {
    return { ...stream, key, publishUrls: publishUrls(basesFor(this.options.urls, baseUrl), key) };
  }

  private view(record: StreamRecord, baseUrl?: string): Stream {
    const bases = basesFor(this.options.urls, baseUrl);
    return {
      name: record.name,
      state: record.state,
      stateAt: record.stateAt,
      stateReason: record.stateReason,
      ladder: record.ladder,
      latency: record.latency,
      dvrMinutes: record.dvrMinutes,
      private: record.private,
      record: record.record,
      publishAuth: record.publishAuth,
      playAuth: record.playAuth,
      maxViewers: record.maxViewers,
      encryption: record.encryption,
      keyProviderUrl: record.keyProviderUrl,
      keyProviderTokenHint: record.keyProviderTokenHint,
      p2p: p2pView(record),
      encodeOn: record.encodeOn,
      recording: this.options.recordingOf?.(record.name) ?? null,
      createdAt: record.createdAt,
      ingest: ingestUrls(bases),
      playback: playbackUrls(bases, record.name),
      live: this.options.live.viewOf(record.name),
    };
  }
}

/** Encryption is done by the low-latency packager (AES-128 when served, cbcs as fragments are written): a standard-latency stream cannot have it. */
function checkEncryption(latency: StreamRecord['latency'], encryption: StreamRecord['encryption']): void {
  if (encryption !== 'none' && latency !== 'low') {
    throw new StudioError('VALIDATION_FAILED', `${encryption === 'cbcs' ? 'cbcs' : 'AES-128'} encryption needs low latency`, {
      fields: [{ path: 'encryption', message: `${encryption} needs latency "low" (set both)` }],
    });
  }
}

/** A ladder on a runner sends its tracks back to our segmenter: the low-latency packager's way only. */
function checkEncodeOn(latency: StreamRecord['latency'], encodeOn: StreamRecord['encodeOn']): void {
  if (encodeOn === 'runner' && latency !== 'low') {
    throw new StudioError('VALIDATION_FAILED', 'encoding the ladder on a runner needs low latency', {
      fields: [{ path: 'encodeOn', message: 'runner needs latency "low" (set both)' }],
    });
  }
}

/** A stream's P2P settings with whether its viewers share now. */
const p2pView = (record: StreamRecord): P2pSettings & { active: boolean } => ({ ...record.p2p, active: p2pActive(record.p2p, record) });
