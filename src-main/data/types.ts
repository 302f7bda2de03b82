import type { ChannelSchema, ProcessorDefinition, ProcessorStatus } from '../../src-shared/contract/processors.js';
import type {
  BackpressurePolicy,
  BridgeDefinition,
  BridgeStatus,
  ChannelStats,
  ChatBan,
  ChatMessage,
  ChatSettings,
  DataContentType,
  DataMessage,
  DataSource,
  MediaClockView,
  WindowDefinition,
  WindowResult,
} from '../../src-shared/contract/data.js';

/**
 * The vocabulary of live data (src-main/data/). The hub takes messages from every transport (HTTP,
 * WebSocket, MQTT, the chat service, the window service), stamps them with the stream's media time,
 * keeps a bounded history and hands each one to subscribers through per-subscriber bounded queues,
 * and to taps (MQTT bridge, timed-metadata writers, windows) synchronously.
 */

export interface PublishInput {
  stream: string;
  channel: string;
  contentType: DataContentType;
  /** The decoded value (JSON, or a MessagePack body decoded). */
  data: unknown;
  /** The body as received, when MessagePack: passed on to binary subscribers without encoding again. */
  raw?: Buffer;
  /** The publisher's own media time (ms on its timeline); else the newest frame's at publish. */
  mediaTime?: number;
  source: DataSource;
}

/** Where a subscription writes: a WebSocket, an SSE response, an MQTT client. */
export interface SubscriberSink {
  /** Writes one message; must not block. */
  write(message: DataMessage): void;
  /** Bytes the transport holds unsent (WebSocket bufferedAmount, the response's writableLength). */
  backlog(): number;
  /** Calls `cb` once the transport's buffer has drained (WebSocket/response 'drain'). */
  onDrain(cb: () => void): void;
  /** Ends the subscription from the host's side (policy `disconnect`, stream deleted, host stopping). */
  close(reason: string): void;
}

export interface SubscribeOptions {
  policy?: BackpressurePolicy;
  /** Replay kept messages after this seq first (SSE Last-Event-ID, a reconnecting client). */
  afterSeq?: number;
  /** For logs and stats: `ws 127.0.0.1:5000`. */
  label: string;
  /** Called (before any replay) when `afterSeq` is older than the kept history: seqs fromSeq..toSeq are gone. */
  onGap?: (gap: { fromSeq: number; toSeq: number }) => void;
}

export interface Subscription {
  readonly id: string;
  /** Messages dropped for this subscriber so far (drop-oldest). */
  dropped(): number;
  unsubscribe(): void;
}

/** The hub as the servers, the chat and the windows see it. */
export interface DataHubPort {
  /** Throws StudioError CHANNEL_RESERVED (a `chat`/`windows` publish not from the studio), PAYLOAD_TOO_LARGE, VALIDATION_FAILED. */
  publish(input: PublishInput): DataMessage;
  /** `channel` '*' subscribes to every channel of the stream. */
  subscribe(stream: string, channel: string, sink: SubscriberSink, options: SubscribeOptions): Subscription;
  /** Kept messages, oldest first: from memory when it still has them, else from the store. */
  messages(stream: string, channel: string, query: { afterSeq?: number; fromPdt?: number; toPdt?: number; limit?: number }): DataMessage[];
  stats(stream: string): ChannelStats[];
  /** Replaces the data of kept messages whose `data.id` is `id` (memory and store): a deleted chat line. */
  redact(stream: string, channel: string, id: string, replacement: unknown): void;
  /** A synchronous tap on every published message (bridges, playlist writers, windows); returns the off switch. */
  onMessage(listener: (message: DataMessage) => void): () => void;
}

/** The stream's media clock (src-main/media/): one anchor per live run, shared by every packager. */
export interface StreamClockPort {
  /** The time to stamp a message with: the publisher's (mapped to program time) or the newest frame's. */
  stamp(stream: string, mediaTime?: number): { mediaTime: number | null; programDateTime: number | null };
  view(stream: string): MediaClockView;
}

/** Who may publish to or read a stream's channels (rule 12: decided before a body is read). */
export interface DataAccessPort {
  /** 'api' for the API token or a session, 'key' for the stream's own key; null: refuse (401/403). */
  publisher(stream: string, credential: { authorization?: string; cookie?: string; key?: string }): 'api' | 'key' | null;
  /** A public stream: anyone; a private one: the API token, a session, or a URL signed for it. */
  reader(stream: string, credential: { authorization?: string; cookie?: string; query?: Record<string, unknown>; ip: string }): boolean;
}

/** The signed player URL's query a private stream's viewer passes on. */
export interface SignatureQuery {
  exp?: string;
  sig?: string;
  ip?: string;
}

export interface ChatPort {
  join(input: { room: string; displayName: string; viewerToken?: string } & SignatureQuery, caller: ChatCaller): { viewerId: string; viewerToken: string; displayName: string; settings: ChatSettings };
  send(input: { room: string; text: string; viewerToken?: string } & SignatureQuery, caller: ChatCaller): ChatMessage;
  list(input: { room: string; afterSeq?: number; fromPdt?: number; toPdt?: number; limit?: number } & SignatureQuery, caller: ChatCaller): ChatMessage[];
  delete(room: string, id: string): boolean;
  ban(input: { room: string; viewerId: string; seconds?: number; reason?: string }): ChatBan;
  unban(room: string, viewerId: string): boolean;
  bans(room: string): ChatBan[];
  settings(room: string): ChatSettings;
  updateSettings(room: string, patch: Partial<ChatSettings>): ChatSettings;
  export(room: string): { room: string; exportedAt: number; messages: ChatMessage[]; bans: ChatBan[] };
}

/** A chat caller: the studio (API token or session: a moderator) or an anonymous viewer from an address. */
export interface ChatCaller {
  studio: boolean;
  remoteAddress: string;
}

export interface WindowsPort {
  definitions(stream: string): WindowDefinition[];
  results(stream: string): WindowResult[];
  setDefinitions(stream: string, windows: WindowDefinition[]): WindowDefinition[];
}

export interface BridgesPort {
  definitions(stream: string): BridgeDefinition[];
  status(stream: string): BridgeStatus[];
  /** The names' prefix in the engines (bridges.prefix). */
  prefix(): string;
  setDefinitions(stream: string, bridges: BridgeDefinition[]): BridgeDefinition[];
}

export interface ProcessorsPort {
  definitions(stream: string): ProcessorDefinition[];
  status(stream: string): ProcessorStatus[];
  setDefinitions(stream: string, processors: ProcessorDefinition[]): ProcessorDefinition[];
}

export interface SchemasPort {
  definitions(stream: string): ChannelSchema[];
  setDefinitions(stream: string, schemas: ChannelSchema[]): ChannelSchema[];
  /** The channel has a Protobuf schema. */
  has(stream: string, channel: string): boolean;
  decode(stream: string, channel: string, body: Buffer): unknown;
  check(stream: string, channel: string, data: unknown): void;
}
