import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../core/logger.js';
import { BoundedReader, type ByteSink } from '../media/bounded-reader.js';
import type { MediaChunk, PathReader } from '../media/types.js';
import { classifyRelayExit, untrustedCertificateReason } from './relay-exit.js';

/**
 * An in-process RTMP(S) publisher: the Path's FLV tags pushed as RTMP messages to one destination,
 * with no ffmpeg. node-media-server's RtmpClient does the handshake, the chunk stream and the AMF
 * commands; we open the socket (TCP or TLS) and write the media ourselves, through a BoundedReader
 * so that a slow destination drops to the next keyframe instead of growing without bound.
 */

interface NmsRtmpClient {
  socket: net.Socket | null;
  connected: boolean;
  baseUri: string;
  urlInfo: { host: string; port: number; app: string; streamName: string; query: Record<string, string> } | null;
  streamId: number;
  nextTransId: number;
  handshakeReject: ((error: Error) => void) | null;
  onHandshakeCallback: () => void;
  onErrorCallback: (error: Error) => void;
  onCloseCallback: (hadError: boolean) => void;
  onStatusCallback: (code: string, info: { description?: string }) => void;
  handleData: (data: Buffer) => void;
  resetProtocolState(): void;
  sendClientHandshake(): void;
  sendConnect(): Promise<unknown>;
  sendCreateStream(): Promise<number>;
  sendPublish(streamName: string): Promise<unknown>;
  sendInvokeMessage(streamId: number, options: Record<string, unknown>): void;
  rejectAllPending(error: Error): void;
  stopHeartbeat(): void;
}
interface RtmpPacketLike {
  header: { fmt: number; cid: number; type: number; length: number; timestamp: number; stream_id: number };
  payload: Buffer;
}

const nmsRequire = createRequire(import.meta.url);
const RtmpClient = nmsRequire('node-media-server/src/protocol/rtmp_client.js') as new () => NmsRtmpClient;
const Rtmp = nmsRequire('node-media-server/src/protocol/rtmp.js') as { chunksCreate(packet: RtmpPacketLike): Buffer };

export interface RtmpPushEnd {
  /** The server turned the stream away (bad key, connect rejected): retrying cannot help. */
  refused: boolean;
  reason: string;
  /** The input ended (close()) and the stream was finished cleanly. */
  inputEnded: boolean;
}

export interface RtmpPushOptions {
  id: string;
  /** The server URL up to the application (`rtmp(s)://host[:port]/app[/instance]`), no key. */
  url: string;
  /** The stream key (the stream name published). */
  key: string;
  logger: Logger;
  maxBytes?: number;
  /** Connecting, the handshake, each command and any write stalled this long: the push fails. */
  timeoutMs?: number;
  /** Published and the first media tag written. */
  onLive?: () => void;
  /** Called once, after the socket closed. */
  onEnd: (end: RtmpPushEnd) => void;
}

const CHANNEL = { audio: 4, video: 5, data: 6 } as const;
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame')]);

export function parsePushUrl(url: string): { tls: boolean; host: string; port: number; app: string } {
  const parsed = new URL(url);
  if (parsed.protocol !== 'rtmp:' && parsed.protocol !== 'rtmps:') throw new Error(`not an rtmp(s) URL: ${parsed.protocol}`);
  const secure = parsed.protocol === 'rtmps:';
  const app = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, '')) + parsed.search;
  if (app === '') throw new Error('the URL has no application');
  return { tls: secure, host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port) || (secure ? 443 : 1935), app };
}

export class RtmpPush implements PathReader {
  readonly id: string;
  private readonly client = new RtmpClient();
  private readonly reader: BoundedReader;
  private readonly log: Logger;
  private socket: net.Socket | undefined;
  private published = false;
  private held: Buffer[] = [];
  private drainListener: (() => void) | undefined;
  private baseTs: number | undefined;
  private live = false;
  private inputEnded = false;
  private ended: RtmpPushEnd | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private bytes = 0;

  constructor(private readonly options: RtmpPushOptions) {
    this.id = options.id;
    this.log = options.logger;
    const sink: ByteSink = {
      write: (data) => this.writeTag(data),
      once: (_event, listener) => (this.drainListener = listener),
      end: () => this.finishInput(),
    };
    this.reader = new BoundedReader({ id: options.id, sink, logger: options.logger, maxBytes: options.maxBytes });
  }

  /** Bytes written to the socket so far (RTMP chunks, commands included). */
  get bytesSent(): number {
    return this.bytes;
  }

  get stats(): ReturnType<BoundedReader['toJSON']> {
    return this.reader.toJSON();
  }

  push(chunk: MediaChunk): void {
    this.reader.push(chunk);
  }

  /** The input ended: what is queued is sent, then the stream is unpublished and the socket closed. */
  close(reason: string): void {
    this.inputEnded = true;
    this.reader.close(reason);
  }

  /** Connects and publishes; failures end the push (onEnd), they are not thrown. */
  start(): void {
    void this.connectAndPublish().catch((error: unknown) => this.abort(error));
  }

  /** Closes the socket at once. */
  destroy(reason: string): void {
    this.abort(new Error(reason), false);
  }

  private async connectAndPublish(): Promise<void> {
    const { tls: secure, host, port, app } = parsePushUrl(this.options.url);
    const c = this.client;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    c.urlInfo = { host, port, app, streamName: this.options.key, query: {} };
    c.baseUri = this.options.url;
    c.resetProtocolState();
    c.onErrorCallback = (error) => this.abort(error);
    c.onCloseCallback = () => this.abort(new Error('the server closed the connection'));
    let status: { code: string; description: string } | undefined;
    c.onStatusCallback = (code, info) => (status = { code, description: String(info.description ?? code) });
    const socket = secure ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    this.socket = socket;
    c.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => this.abort(new Error(`timed out after ${timeoutMs} ms`)));
    const handshake = new Promise<void>((resolve, reject) => {
      c.onHandshakeCallback = resolve;
      c.handshakeReject = reject;
    });
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      c.connected = true;
      c.sendClientHandshake();
    });
    socket.on('data', c.handleData);
    socket.on('drain', () => this.onDrain());
    socket.on('error', (error) => this.abort(error));
    socket.on('close', () => this.onClose());
    await handshake;
    try {
      await c.sendConnect();
    } catch (error) {
      throw this.refusal(`Server error: ${(error as Error).message} (connect rejected)`);
    }
    this.invoke('releaseStream', this.options.key);
    this.invoke('FCPublish', this.options.key);
    await c.sendCreateStream();
    try {
      await c.sendPublish(this.options.key);
    } catch (error) {
      const description = status?.description ?? (error as Error).message;
      if (this.ended) return;
      throw this.refusal(`Server error: ${description}`);
    }
    if (this.ended) return;
    socket.setTimeout(0);
    this.published = true;
    this.log.info({ app }, 'rtmp push published');
    const held = this.held;
    this.held = [];
    for (const data of held) this.send(data);
    this.onDrain();
  }

  private refusal(line: string): Error & { exit?: { refused: boolean; reason: string } } {
    const exit = classifyRelayExit(line, { code: 1, signal: null });
    return Object.assign(new Error(exit.reason), { exit });
  }

  private invoke(cmd: string, streamName: string): void {
    this.client.sendInvokeMessage(0, { cmd, transId: this.client.nextTransId++, cmdObj: null, streamName });
  }

  private writeTag(data: Buffer): boolean {
    if (this.ended) return true;
    if (!this.published) {
      this.held.push(data);
      return false;
    }
    return this.send(data);
  }

  /** One FLV tag (11-byte header, body, 4-byte size) as one RTMP message on the published stream. */
  private send(tag: Buffer): boolean {
    const socket = this.socket;
    if (!socket || socket.destroyed || this.ended) return true;
    const type = tag[0]! & 0x1f;
    if (tag.length < 15 || (type !== 8 && type !== 9 && type !== 18)) return true; // the FLV file header
    const ts = (tag.readUIntBE(4, 3) | (tag[7]! << 24)) >>> 0;
    let body = tag.subarray(11, tag.length - 4);
    const media = type !== 18;
    const sequenceHeader = media && isSequenceHeader(type, body);
    if (media && !sequenceHeader && this.baseTs === undefined) this.baseTs = ts;
    const timestamp = this.baseTs === undefined ? 0 : Math.max(0, ts - this.baseTs);
    if (!media) body = Buffer.concat([SET_DATA_FRAME, body]);
    const cid = type === 8 ? CHANNEL.audio : type === 9 ? CHANNEL.video : CHANNEL.data;
    const chunks = sharedChunks(tag, cid, type, timestamp, this.client.streamId, body);
    this.bytes += chunks.length;
    const more = socket.write(chunks);
    if (media && !this.live) {
      this.live = true;
      this.options.onLive?.();
    }
    if (!more) this.armStall();
    return more;
  }

  private armStall(): void {
    if (this.stallTimer) return;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    this.stallTimer = setTimeout(() => this.abort(new Error(`the server stopped reading for ${timeoutMs} ms`)), timeoutMs);
  }

  private onDrain(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    const listener = this.drainListener;
    this.drainListener = undefined;
    listener?.();
  }

  /** The reader flushed everything after close(): unpublish and close the socket gracefully. */
  private finishInput(): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || this.ended) {
      if (!socket) this.end({ refused: false, reason: 'the stream ended', inputEnded: true });
      return;
    }
    if (this.published) {
      this.invoke('FCUnpublish', this.options.key);
      this.client.sendInvokeMessage(0, { cmd: 'deleteStream', transId: this.client.nextTransId++, cmdObj: null, streamId: this.client.streamId });
    }
    socket.end();
  }

  private onClose(): void {
    if (this.inputEnded && this.published) this.end({ refused: false, reason: 'the stream ended', inputEnded: true });
    else this.abort(new Error('the server closed the connection'));
  }

  private abort(error: unknown, log = true): void {
    if (this.ended) return;
    const exit = (error as { exit?: { refused: boolean; reason: string } }).exit ?? certificateRefusal(error);
    const reason = exit?.reason ?? describeError(error);
    if (log) this.log.warn({ reason }, 'rtmp push ended');
    this.end({ refused: exit?.refused ?? false, reason, inputEnded: this.inputEnded && !exit });
  }

  private end(end: RtmpPushEnd): void {
    if (this.ended) return;
    this.ended = end;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.reader.close(end.reason);
    this.held = [];
    const c = this.client;
    c.onCloseCallback = () => undefined;
    c.onErrorCallback = () => undefined;
    c.stopHeartbeat();
    c.rejectAllPending(new Error(end.reason));
    c.handshakeReject?.(new Error(end.reason));
    c.handshakeReject = null;
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      socket.on('error', () => undefined);
      socket.destroy();
    }
    c.socket = null;
    c.connected = false;
    // Reported once the event that ended it has been handled by every listener.
    queueMicrotask(() => this.options.onEnd(end));
  }
}

/** Socket errors worded as ffmpeg words them (people and tests know these). */
const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EPIPE: 'Broken pipe',
  ENOTFOUND: 'Host not found',
  EAI_AGAIN: 'Host not found (temporary failure in name resolution)',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
};

/**
 * Chunking a tag costs more than writing it. Relays of one stream that started together send the same
 * tag with the same timestamp and stream id: they share one chunked copy, remembered per tag buffer.
 */
const chunkCache = new WeakMap<Buffer, { key: string; chunks: Buffer }>();

export function sharedChunks(tag: Buffer, cid: number, type: number, timestamp: number, streamId: number, body: Buffer): Buffer {
  const key = `${cid}:${timestamp}:${streamId}:${body.length}`;
  const cached = chunkCache.get(tag);
  if (cached?.key === key) return cached.chunks;
  const chunks = Rtmp.chunksCreate({ header: { fmt: 0, cid, type, length: body.length, timestamp, stream_id: streamId }, payload: body });
  chunkCache.set(tag, { key, chunks });
  return chunks;
}

/**
 * Node's codes for a server certificate that failed verification. tls.connect checks it against
 * Node's CAs plus NODE_EXTRA_CA_CERTS and never accepts an untrusted one; retrying cannot help.
 */
const CERTIFICATE_ERRORS = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE', 'INVALID_CA', 'INVALID_PURPOSE', 'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function certificateRefusal(error: unknown): { refused: boolean; reason: string } | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (!code || !CERTIFICATE_ERRORS.has(code)) return undefined;
  return { refused: true, reason: untrustedCertificateReason(`${(error as Error).message} (${code})`) };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && SOCKET_ERRORS[code] ? `${SOCKET_ERRORS[code]} (${code})` : error.message;
}

function isSequenceHeader(type: number, body: Buffer): boolean {
  if (body.length < 2) return false;
  if (type === 8) return body[0]! >> 4 === 10 && body[1] === 0;
  if (body[0]! & 0x80) return (body[0]! & 0x0f) === 0; // Enhanced RTMP: PacketTypeSequenceStart
  return body[1] === 0;
}
