import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import type { ChildRegistry } from '../../core/children.js';
import { StudioError } from '../../core/errors.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import type { FfmpegCaps } from '../../encoder/capabilities.js';
import type { PathPublisher, PublisherInfo } from '../../media/types.js';
import { SrtConnection } from './connection.js';
import { FfmpegConverter, type ConverterFactory } from './converter.js';
import { decodeHandshake, encodeHandshake, HS_CONCLUSION, HS_INDUCTION, Reject, type Handshake } from './handshake.js';
import { checkConclusion, conclusionResponse, inductionResponse, rejection, SynCookies } from './negotiate.js';
import { CTRL_HANDSHAKE, encodeControl, parsePacket } from './packet.js';
import { parseStreamId } from './streamid.js';

/** What the server needs from the hub: the small interface lets tests plug in a fake. */
export interface PathPublishing {
  publish(name: string, info: PublisherInfo): PathPublisher;
}

/** Maps the stream key of `streamid=publish:<key>` to a stream name; null refuses the caller. */
/** Who may publish: a stream key, or `<name>?jwt=<token>` (the decision may take a webhook's time). */
export type SrtAuthorize = (key: string, remoteAddress: string) => { name: string } | null | Promise<{ name: string } | null>;

/** Callers whose publish decision is under way, at most (their repeated conclusions wait for it). */
const MAX_PENDING_DECISIONS = 256;

export interface SrtServerOptions {
  /** UDP port (8890 by convention); 0 picks a free one. */
  port: number;
  bind: string;
  logger: Logger;
  paths: PathPublishing;
  children: ChildRegistry;
  ffmpegPath: () => Promise<string>;
  /** What the found ffmpeg accepts; a current ffmpeg when omitted. */
  ffmpegCaps?: () => Promise<FfmpegCaps>;
  authorize: SrtAuthorize;
  /** Our receive latency in ms; the larger of this and the caller's proposal is used (default 120). */
  latencyMs?: number;
  /** A publisher silent this long is dropped (default 5000). */
  peerIdleTimeoutMs?: number;
  /** Accepted connections at most (default 64); more are refused as overloaded. */
  maxConnections?: number;
  /** Open connections per address (limits.connectionsPerIp). */
  connectionsPerAddress?: { acquire(ip: string): (() => void) | null };
  /** Replaces the ffmpeg MPEG-TS -> FLV converter (tests). */
  createConverter?: ConverterFactory;
}

const SYN_INTERVAL_MS = 10;
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
const REFUSAL_LOG_MEMORY_MS = 10_000;
const MAX_REMEMBERED_REFUSALS = 1024;

/**
 * SRT ingest, receive only, in TypeScript over one UDP socket: callers publish MPEG-TS to
 * `srt://HOST:PORT?streamid=publish:<key>`. The stream key is checked during the handshake (a bad
 * one is rejected with an access-control code before any media flows); each accepted connection's
 * MPEG-TS goes through one ffmpeg into FLV chunks for its Path.
 */
export class SrtServer implements Service {
  readonly name = 'srt';
  private readonly log: Logger;
  private socket: dgram.Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cookies = new SynCookies();
  private readonly bySocketId = new Map<number, SrtConnection>();
  private readonly byCaller = new Map<string, SrtConnection>();
  private readonly recentRefusals = new Map<string, number>();
  /** Each connection's slot of its address (connectionsPerAddress), by caller. */
  private readonly releases = new Map<string, () => void>();
  /** Callers whose publish decision is under way. */
  private readonly deciding = new Set<string>();
  private readonly createConverter: ConverterFactory;
  private readonly stopping = new Set<Promise<void>>();
  private readonly startedAt = performance.now();
  private sending = 0;
  private flushed: (() => void) | undefined;

  constructor(private readonly options: SrtServerOptions) {
    this.log = options.logger.child({ service: 'srt' });
    this.createConverter =
      options.createConverter ?? ((sink) => new FfmpegConverter({ children: options.children, ffmpegPath: options.ffmpegPath, ffmpegCaps: options.ffmpegCaps, logger: this.log }, sink));
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const { port, bind } = this.options;
    const socket = dgram.createSocket({ type: bind.includes(':') ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        socket.close();
        if (error.code === 'EADDRINUSE') {
          reject(new StudioError('PORT_IN_USE', `port ${port} on ${bind} is already in use (srt.port)`, { port, bind, field: 'srt.port' }));
        } else {
          reject(new StudioError('INTERNAL', `cannot listen on ${bind}:${port} (srt.port): ${error.message}`, { port, bind, field: 'srt.port', errno: error.code }));
        }
      };
      socket.once('error', onError);
      socket.bind(port, bind, () => {
        socket.off('error', onError);
        resolve();
      });
    });
    try {
      socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
    } catch {
      // Capped by the OS (net.core.rmem_max): the default still works at moderate bitrates.
    }
    socket.on('error', (error) => this.log.error({ err: error }, 'SRT socket error'));
    socket.on('message', (message, rinfo) => this.onMessage(message, rinfo));
    this.socket = socket;
    this.timer = setInterval(() => this.tick(), SYN_INTERVAL_MS);
    this.log.info({ bind, port: this.address().port }, 'SRT ingest listening');
  }

  /** The bound port (useful with port 0). */
  address(): { port: number } {
    return { port: this.socket?.address().port ?? this.options.port };
  }

  get connectionCount(): number {
    return this.bySocketId.size;
  }

  async dispose(): Promise<void> {
    const socket = this.socket;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const connection of [...this.bySocketId.values()]) connection.close('server stopping');
    // Let the SHUTDOWN packets leave before the socket closes.
    if (this.sending > 0) await new Promise<void>((resolve) => {
      this.flushed = resolve;
      setTimeout(resolve, 200).unref();
    });
    this.socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
    await Promise.all([...this.stopping]);
  }

  private onMessage(message: Buffer, rinfo: dgram.RemoteInfo): void {
    const packet = parsePacket(message);
    if (!packet) return;
    const now = performance.now();
    if (packet.control && packet.type === CTRL_HANDSHAKE) {
      this.onHandshake(packet.cif, packet.timestamp, rinfo, now);
      return;
    }
    const connection = this.bySocketId.get(packet.destSocketId);
    // Only the caller that made the connection may feed it: a packet from elsewhere is dropped.
    if (!connection || connection.peer.address !== rinfo.address || connection.peer.port !== rinfo.port) return;
    connection.handle(packet, now);
  }

  private onHandshake(cif: Buffer, _timestamp: number, rinfo: dgram.RemoteInfo, now: number): void {
    const req = decodeHandshake(cif);
    if (!req) return;
    if (req.type === HS_INDUCTION) {
      this.sendHandshake(inductionResponse(req, this.cookies.make(rinfo.address, rinfo.port), rinfo.address), req.socketId, rinfo);
      return;
    }
    if (req.type !== HS_CONCLUSION) return; // Rendezvous (waveahand/agreement) is not offered: stay silent.
    if (!this.cookies.check(rinfo.address, rinfo.port, req.cookie)) return; // Spoofed or stale: no answer, no state.
    const callerKey = `${rinfo.address}|${rinfo.port}|${req.socketId}`;
    const existing = this.byCaller.get(callerKey);
    if (existing) {
      // The caller did not get our answer and asks again.
      this.sendRaw(existing.conclusionResponse, rinfo);
      return;
    }
    this.accept(req, callerKey, rinfo, now);
  }

  private accept(req: Handshake, callerKey: string, rinfo: dgram.RemoteInfo, now: number): void {
    const refuse = (reason: number, why: string, fields: Record<string, unknown> = {}): void => {
      this.sendHandshake(rejection(req, reason, rinfo.address), req.socketId, rinfo);
      // A caller repeats its conclusion until answered: log a refusal once per address and reason
      // for a while, not every 250 ms (nor once per forged socket id).
      const logKey = `${rinfo.address}|${reason}`;
      if (this.recentRefusals.has(logKey) || this.recentRefusals.size >= MAX_REMEMBERED_REFUSALS) return;
      this.recentRefusals.set(logKey, now);
      this.log.warn({ remoteAddress: rinfo.address, reason, ...fields }, `SRT caller refused: ${why}`);
    };
    const check = checkConclusion(req);
    if (!check.ok) return refuse(check.reason, check.why);
    const wanted = parseStreamId(check.streamId);
    if (!wanted.ok) return refuse(wanted.reason, wanted.why);
    // A repeated conclusion while the decision is under way waits for it (it is answered then).
    if (this.deciding.has(callerKey)) return;
    if (this.deciding.size >= MAX_PENDING_DECISIONS) return refuse(Reject.OVERLOAD, 'too many publish decisions under way');
    let decided: { name: string } | null | Promise<{ name: string } | null>;
    try {
      decided = this.options.authorize(wanted.key, rinfo.address);
    } catch (error) {
      this.log.error({ err: error }, 'stream key check failed');
      decided = null;
    }
    if (decided instanceof Promise) {
      this.deciding.add(callerKey);
      decided
        .catch((error: unknown) => {
          this.log.error({ err: error }, 'stream key check failed');
          return null;
        })
        .then((grant) => {
          this.deciding.delete(callerKey);
          if (this.socket && !this.byCaller.has(callerKey)) this.admitted(grant, req, check, callerKey, rinfo, performance.now(), wanted.key.length, refuse);
        });
      return;
    }
    this.admitted(decided, req, check, callerKey, rinfo, now, wanted.key.length, refuse);
  }

  private admitted(
    grant: { name: string } | null,
    req: Handshake,
    check: Extract<ReturnType<typeof checkConclusion>, { ok: true }>,
    callerKey: string,
    rinfo: dgram.RemoteInfo,
    now: number,
    keyLength: number,
    refuse: (reason: number, why: string, fields?: Record<string, unknown>) => void,
  ): void {
    // Never log the key itself: a wrong key is often a right key pasted in the wrong place.
    if (!grant) return refuse(Reject.FORBIDDEN, 'stream key or token refused', { keyLength });
    if (this.bySocketId.size >= (this.options.maxConnections ?? 64)) return refuse(Reject.OVERLOAD, 'too many connections', { stream: grant.name });
    const release = this.options.connectionsPerAddress ? this.options.connectionsPerAddress.acquire(rinfo.address) : () => undefined;
    if (!release) return refuse(Reject.OVERLOAD, 'too many connections from this address', { stream: grant.name });
    this.releases.set(callerKey, release);

    const socketId = this.newSocketId();
    const { response, agreement } = conclusionResponse(req, check.hsreq, { socketId, latencyMs: this.options.latencyMs ?? 120, peerAddress: rinfo.address });
    // The path manager ends the path itself right after kick(): close on the next microtask, so that it
    // still finds its publisher live and reports the kick as done.
    const info: PublisherInfo = { protocol: 'srt', remoteAddress: rinfo.address, kick: (reason) => queueMicrotask(() => connection.close(reason)) };
    let publisher: PathPublisher;
    try {
      publisher = this.options.paths.publish(grant.name, info);
    } catch (error) {
      release();
      this.releases.delete(callerKey);
      const conflict = error instanceof StudioError && error.code === 'CONFLICT';
      if (!conflict) this.log.error({ err: error, stream: grant.name }, 'SRT publish failed');
      return refuse(conflict ? Reject.CONFLICT : Reject.ISE, conflict ? 'stream already live' : 'publishing failed', { stream: grant.name });
    }
    const raw = encodeControl({ type: CTRL_HANDSHAKE, timestamp: this.timestamp(now), destSocketId: req.socketId, cif: encodeHandshake(response) });
    const connection: SrtConnection = new SrtConnection({ address: rinfo.address, port: rinfo.port, socketId: req.socketId }, socketId, grant.name, raw, agreement, publisher, {
      logger: this.log,
      send: (packet) => this.sendRaw(packet, rinfo),
      createConverter: this.createConverter,
      peerIdleTimeoutMs: this.options.peerIdleTimeoutMs ?? 5000,
      onClosed: (c) => this.forget(c, callerKey),
    }, now);
    this.bySocketId.set(socketId, connection);
    this.byCaller.set(callerKey, connection);
    this.log.info({ stream: grant.name, remoteAddress: rinfo.address, latencyMs: agreement.latencyMs, conn: connection.id }, 'SRT publishing');
    this.sendRaw(raw, rinfo);
  }

  private forget(connection: SrtConnection, callerKey: string): void {
    this.releases.get(callerKey)?.();
    this.releases.delete(callerKey);
    this.bySocketId.delete(connection.socketId);
    if (this.byCaller.get(callerKey) === connection) this.byCaller.delete(callerKey);
    const stopped = connection.stopped;
    this.stopping.add(stopped);
    void stopped.finally(() => this.stopping.delete(stopped));
  }

  private tick(): void {
    const now = performance.now();
    for (const connection of [...this.bySocketId.values()]) connection.tick(now);
    for (const [key, at] of this.recentRefusals) if (now - at > REFUSAL_LOG_MEMORY_MS) this.recentRefusals.delete(key);
  }

  private newSocketId(): number {
    for (;;) {
      const id = randomInt(1, 0x7fffffff);
      if (!this.bySocketId.has(id)) return id;
    }
  }

  private timestamp(now: number): number {
    return Math.floor((now - this.startedAt) * 1000) % 0x100000000;
  }

  private sendHandshake(hs: Handshake, destSocketId: number, rinfo: dgram.RemoteInfo): void {
    const now = performance.now();
    this.sendRaw(encodeControl({ type: CTRL_HANDSHAKE, timestamp: this.timestamp(now), destSocketId, cif: encodeHandshake(hs) }), rinfo);
  }

  private sendRaw(packet: Buffer, rinfo: { address: string; port: number }): void {
    if (!this.socket) return;
    this.sending++;
    this.socket.send(packet, rinfo.port, rinfo.address, (error) => {
      if (error) this.log.debug({ err: error }, 'SRT send failed');
      if (--this.sending === 0) this.flushed?.();
    });
  }
}
