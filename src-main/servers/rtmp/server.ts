import { normalizeIp } from '../../protocols/signing.js';
import net from 'node:net';
import tls from 'node:tls';
import { StudioError } from '../../core/errors.js';
import type { Service } from '../../core/lifecycle.js';
import type { Logger } from '../../core/logger.js';
import { listenOn } from '../../platform/net.js';
import { routeNmsLogs } from './nms.js';
import { RtmpConnection, type PathPublishing, type RtmpAuthorize } from './session.js';

export interface RtmpServerOptions {
  port: number;
  bind: string;
  logger: Logger;
  paths: PathPublishing;
  /** Maps `rtmp://HOST:PORT/live/<key>` to a stream name; null refuses the publish. */
  authorize: RtmpAuthorize;
  /** RTMPS: PEM certificate chain and private key (contents, not file names). Needs tlsPort. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  tlsPort?: number;
  /** A connection silent for this long is closed (default 15 s). */
  idleTimeoutMs?: number;
  /** Open connections per address (limits.connectionsPerIp): over it, a new one is closed at once. */
  connections?: { acquire(ip: string): (() => void) | null };
}

export interface RtmpServerAddress {
  port: number;
  tlsPort?: number;
}

/**
 * RTMP(S) ingest on the node-media-server protocol engine. We own the listening sockets (NMS's
 * server exits the process on EADDRINUSE) and each connection (see session.ts); no NMS global
 * Context is used, so several RtmpServer instances in one process are independent.
 */
export class RtmpServer implements Service {
  readonly name = 'rtmp';
  private readonly log: Logger;
  private plain: net.Server | undefined;
  private secure: tls.Server | undefined;
  private readonly connections = new Set<RtmpConnection>();

  constructor(private readonly options: RtmpServerOptions) {
    this.log = options.logger.child({ service: 'rtmp' });
    if (options.tls && options.tlsPort === undefined) {
      throw new StudioError('CONFIG_INVALID', 'rtmp.tls needs rtmp.tlsPort', { field: 'rtmp.tlsPort' });
    }
  }

  async start(): Promise<void> {
    if (this.plain) return;
    routeNmsLogs(this.options.logger);
    const { bind } = this.options;
    const plain = net.createServer((socket) => this.accept(socket));
    this.plain = plain;
    await listenOn(plain, this.options.port, bind, 'rtmp.port');
    plain.on('error', (error) => this.log.error({ err: error }, 'RTMP listener error'));
    if (this.options.tls && this.options.tlsPort !== undefined) {
      const secure = tls.createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, (socket) => this.accept(socket));
      // A failed TLS handshake is the client's problem, not a server error.
      secure.on('tlsClientError', (error) => this.log.debug({ err: error }, 'RTMPS handshake failed'));
      this.secure = secure;
      try {
        await listenOn(secure, this.options.tlsPort, bind, 'rtmp.tlsPort');
        secure.on('error', (error) => this.log.error({ err: error }, 'RTMPS listener error'));
      } catch (error) {
        await closeServer(plain);
        this.plain = undefined;
        this.secure = undefined;
        throw error;
      }
    }
    const address = this.address();
    this.log.info({ bind, ...address }, 'RTMP ingest listening');
  }

  /** The bound ports (useful with port 0). */
  address(): RtmpServerAddress {
    const port = (this.plain?.address() as net.AddressInfo | null)?.port ?? this.options.port;
    const tlsAddress = this.secure?.address() as net.AddressInfo | null | undefined;
    return tlsAddress ? { port, tlsPort: tlsAddress.port } : { port };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async dispose(): Promise<void> {
    const servers = [this.plain, this.secure].filter((s): s is net.Server => s !== undefined);
    this.plain = undefined;
    this.secure = undefined;
    for (const connection of [...this.connections]) connection.close('server stopping');
    await Promise.all(servers.map(closeServer));
  }

  private lastRefusalLog = new Map<string, number>();

  /** Logs a refused address at most once a minute (a flood must not flood the log). */
  private refusedByAddress(ip: string): void {
    const now = Date.now();
    if ((this.lastRefusalLog.get(ip) ?? 0) > now - 60_000) return;
    if (this.lastRefusalLog.size > 1000) this.lastRefusalLog.clear();
    this.lastRefusalLog.set(ip, now);
    this.log.warn({ remoteAddress: ip }, 'RTMP connection refused: too many from this address (limits.connectionsPerIp)');
  }

  private accept(socket: net.Socket): void {
    if (!this.plain) {
      socket.destroy();
      return;
    }
    const ip = normalizeIp(socket.remoteAddress ?? '');
    const release = this.options.connections ? this.options.connections.acquire(ip) : () => undefined;
    if (!release) {
      // Before a byte is read: the address already holds its share of connections.
      this.refusedByAddress(ip);
      socket.destroy();
      return;
    }
    const connection = new RtmpConnection(socket, {
      logger: this.log,
      paths: this.options.paths,
      authorize: this.options.authorize,
      idleTimeoutMs: this.options.idleTimeoutMs ?? 15_000,
      onClosed: (c) => {
        release();
        this.connections.delete(c);
      },
    });
    this.connections.add(connection);
  }
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
