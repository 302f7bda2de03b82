import type net from 'node:net';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { parseScriptTag } from '../../protocols/flv/amf0.js';
import { buildTag, chunkFromTag, flvHeader, stripSetDataFrame, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO } from '../../protocols/flv/flv.js';
import { TrackTracker } from '../../protocols/flv/tracks.js';
import type { MediaChunk, PathPublisher, PublisherInfo } from '../../media/types.js';
import { createRtmpEngine, type NmsAvPacket, type NmsInvokeMessage, type NmsRtmp } from './nms.js';

/** Maps a stream key to a stream name, or refuses it (null). */
/** Who may publish: the stream key, or `<name>?jwt=<token>` (the decision may take a webhook's time). */
export type RtmpAuthorize = (app: string, streamKey: string, remoteAddress: string) => { name: string } | null | Promise<{ name: string } | null>;

/** Longest publishing name read: a key, or a name with a JWT (a few hundred bytes). */
const MAX_STREAM_NAME = 4096;

/** What a connection needs from the hub: the small interface lets tests plug in a fake. */
export interface PathPublishing {
  publish(name: string, info: PublisherInfo): PathPublisher;
}

export interface RtmpConnectionDeps {
  logger: Logger;
  paths: PathPublishing;
  authorize: RtmpAuthorize;
  /** No bytes for this long: the peer is gone (a cable pulled sends no FIN). */
  idleTimeoutMs: number;
  onClosed(connection: RtmpConnection): void;
}

export const RTMP_APP = 'live';
/** Refused clients get this long to read the refusal before the socket is destroyed. */
const REFUSAL_LINGER_MS = 2000;
// The engine allocates a message's full length on its first chunk header and keeps one message
// per chunk stream: cap both, so that a client cannot make us allocate gigabytes with a few bytes.
// Before it is accepted a client holds at most 8 × 64 KiB (real encoders use chunk streams 2-8 for
// connect, createStream and publish), so thousands of unauthenticated sockets stay cheap.
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const MAX_MESSAGE_BYTES_BEFORE_PUBLISH = 64 * 1024;
const MAX_CHUNK_STREAMS = 64;
const MAX_CHUNK_STREAMS_BEFORE_PUBLISH = 8;

let nextId = 1;

/** One RTMP client socket, from handshake to close. Only an accepted publisher's media reaches the hub. */
export class RtmpConnection {
  readonly id = `rtmp-${nextId++}`;
  readonly remoteAddress: string;
  private readonly engine: NmsRtmp;
  private readonly log: Logger;
  private app = '';
  private publisher: PathPublisher | undefined;
  private streamName: string | undefined;
  private readonly tracks = new TrackTracker();
  private headerWritten = false;
  private refused = false;
  private closed = false;
  /** A publish decision is under way (a JWT or the webhook): a second publish waits for none. */
  private deciding = false;
  private endReason: string | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly deps: RtmpConnectionDeps,
  ) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.log = deps.logger.child({ conn: this.id, remoteAddress: this.remoteAddress });
    this.engine = createRtmpEngine();
    this.hookEngine();
    socket.setNoDelay(true);
    socket.setTimeout(deps.idleTimeoutMs, () => this.close('connection timed out'));
    socket.on('data', this.onData);
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.once('close', this.onSocketClose);
  }

  /** The stream this connection publishes, once accepted. */
  get publishing(): string | undefined {
    return this.streamName;
  }

  /** Ends the connection now; a publisher's path ends with `reason`. */
  close(reason: string): void {
    if (this.closed) return;
    this.endReason ??= reason;
    this.socket.destroy();
  }

  private hookEngine(): void {
    const engine = this.engine;
    const baseConnect = engine.onConnect.bind(engine);
    const basePublish = engine.onPublish.bind(engine);
    const baseAlloc = engine.packetAlloc.bind(engine);
    engine.onOutputCallback = (buffer) => {
      if (!this.socket.destroyed && this.socket.writable) this.socket.write(buffer);
    };
    engine.onPacketCallback = (packet) => this.onPacket(packet);
    engine.packetAlloc = () => {
      const limit = this.publisher ? MAX_MESSAGE_BYTES : MAX_MESSAGE_BYTES_BEFORE_PUBLISH;
      const length = engine.parserPacket.header.length;
      if (length > limit) throw new Error(`RTMP message of ${length} bytes exceeds ${limit}`);
      const streams = this.publisher ? MAX_CHUNK_STREAMS : MAX_CHUNK_STREAMS_BEFORE_PUBLISH;
      if (engine.inPackets.size > streams) throw new Error(`more than ${streams} RTMP chunk streams`);
      baseAlloc();
    };
    engine.onConnect = (message) => this.onConnect(message, baseConnect);
    engine.onPublish = (message) => this.onPublish(message, basePublish);
    engine.onPlay = () => {
      this.log.info('play refused: this server takes publishers only');
      this.refuse('NetStream.Play.Failed', 'Playing over RTMP is not offered here: watch over HLS or WebRTC.');
    };
  }

  private onData = (data: Buffer): void => {
    if (this.refused || this.closed) return;
    let error: string | null;
    try {
      error = this.engine.parserData(data);
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    if (error !== null) {
      this.log.warn({ error }, 'RTMP protocol error: connection closed');
      this.close('protocol error');
    }
  };

  private onConnect(message: NmsInvokeMessage, base: (message: NmsInvokeMessage) => void): void {
    const app = typeof message.cmdObj?.app === 'string' ? message.cmdObj.app.replace(/^\/+|\/+$/g, '') : '';
    if (app !== RTMP_APP) {
      this.log.warn({ app }, 'connect refused: unknown application');
      this.rejectConnect(message.transId, `Unknown application "${app}": publish to rtmp://HOST:PORT/${RTMP_APP}/<stream key>.`);
      return;
    }
    this.app = app;
    // The engine parses tcUrl with new URL() and throws on a malformed one.
    try {
      base(message);
    } catch {
      this.log.warn('connect refused: malformed tcUrl');
      this.rejectConnect(message.transId, 'Malformed tcUrl.');
    }
  }

  private onPublish(message: NmsInvokeMessage, base: (message: NmsInvokeMessage) => void): void {
    if (this.publisher) return;
    if (!this.app) {
      this.refuse('NetStream.Publish.BadName', 'Connect to an application first.');
      return;
    }
    const raw = typeof message.streamName === 'string' ? message.streamName : '';
    if (raw === '' || raw.length > MAX_STREAM_NAME || this.deciding) {
      if (!this.deciding) this.refuse('NetStream.Publish.BadName', 'Stream key refused.');
      return;
    }
    this.deciding = true;
    const granted = (grant: { name: string } | null): void => {
      this.deciding = false;
      if (!this.closed) this.finishPublish(grant, raw, message, base);
    };
    let decided: { name: string } | null | Promise<{ name: string } | null>;
    try {
      decided = this.deps.authorize(this.app, raw, this.remoteAddress);
    } catch (error) {
      this.log.error({ err: error }, 'stream key check failed');
      decided = null;
    }
    if (decided instanceof Promise) {
      decided.then(granted, (error: unknown) => {
        this.log.error({ err: error }, 'stream key check failed');
        granted(null);
      });
    } else granted(decided);
  }

  private finishPublish(grant: { name: string } | null, raw: string, message: NmsInvokeMessage, base: (message: NmsInvokeMessage) => void): void {
    if (!grant) {
      // Never log the key itself: a wrong key is often a right key pasted in the wrong place.
      this.log.warn({ app: this.app, keyLength: raw.length }, 'publish refused: stream key or token refused');
      this.refuse('NetStream.Publish.BadName', 'Stream key refused.');
      return;
    }
    const info: PublisherInfo = { protocol: 'rtmp', remoteAddress: this.remoteAddress, kick: (reason) => this.close(reason) };
    try {
      this.publisher = this.deps.paths.publish(grant.name, info);
    } catch (error) {
      const conflict = error instanceof StudioError && error.code === 'CONFLICT';
      this.log.warn({ stream: grant.name, err: conflict ? undefined : error }, conflict ? 'publish refused: stream already live' : 'publish refused');
      this.refuse('NetStream.Publish.BadName', conflict ? 'This stream is already live.' : 'Publishing failed.');
      return;
    }
    this.streamName = grant.name;
    this.log.info({ stream: grant.name }, 'publishing');
    base(message);
  }

  private onPacket(packet: NmsAvPacket): void {
    // Only this connection's accepted publish feeds its path: a refused or playing session never does.
    const publisher = this.publisher;
    if (!publisher || this.closed) return;
    const type = packet.codec_type;
    if (type !== TAG_AUDIO && type !== TAG_VIDEO && type !== TAG_SCRIPT) return;
    let body = packet.data.subarray(0, packet.size);
    if (type === TAG_SCRIPT) {
      body = stripSetDataFrame(body);
      // Only onMetaData is a stream's metadata; the Path caches the latest script tag as such.
      if (parseScriptTag(body)?.name !== 'onMetaData') return;
    }
    const chunk = chunkFromTag(buildTag(type, packet.dts, body));
    if (!this.headerWritten) {
      this.headerWritten = true;
      publisher.write(this.headerFor(chunk));
    }
    publisher.write(chunk);
    const tracks = this.tracks.feed(chunk);
    if (tracks) publisher.setTracks(tracks);
  }

  /** The FLV header's audio/video flags come from the metadata when it leads, as it does from ffmpeg and OBS. */
  private headerFor(first: MediaChunk): MediaChunk {
    let hasAudio = true;
    let hasVideo = true;
    if (first.kind === 'metadata') {
      const probe = new TrackTracker();
      const tracks = probe.feed(first) ?? probe.current;
      if (tracks.audio || tracks.video) {
        hasAudio = tracks.audio !== undefined;
        hasVideo = tracks.video !== undefined;
      }
    }
    return { kind: 'header', data: flvHeader(hasAudio, hasVideo), keyframe: false, sequenceHeader: false, timestamp: 0 };
  }

  private rejectConnect(transId: number, description: string): void {
    // The base connect, which announces the chunk size, did not run: without it the client misreads the reply.
    this.engine.setChunkSize(this.engine.outChunkSize);
    this.engine.sendInvokeMessage(0, {
      cmd: '_error',
      transId,
      cmdObj: null,
      info: { level: 'error', code: 'NetConnection.Connect.Rejected', description },
    });
    this.lingerThenClose('refused');
  }

  private refuse(code: string, description: string): void {
    this.engine.sendStatusMessage(this.engine.parserPacket.header.stream_id, 'error', code, description);
    this.lingerThenClose('refused');
  }

  /** Stops parsing at once, lets the refusal reach the client, then hangs up. */
  private lingerThenClose(reason: string): void {
    this.refused = true;
    this.endReason ??= reason;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), REFUSAL_LINGER_MS).unref();
  }

  private onSocketClose = (): void => {
    this.closed = true;
    const publisher = this.publisher;
    this.publisher = undefined;
    if (publisher) {
      this.log.info({ stream: this.streamName, reason: this.endReason ?? 'publisher disconnected' }, 'publisher gone');
      publisher.end(this.endReason ?? 'publisher disconnected');
    }
    this.deps.onClosed(this);
  };
}
