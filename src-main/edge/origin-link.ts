import WebSocket from 'ws';
import { EDGE_SOCKET_PATH, type EdgeFunctionSpec, type EdgeServerMessage, type EdgeStats, type PurgeRequest, type SigningKeys } from '../../src-shared/contract/cdn.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { closeSocket } from '../http/websocket.js';
import type { PodcastLog } from './podcast-log.js';
import { backoffDelay, type BackoffOptions } from '../../src-shared/backoff.js';

/** Reconnects: 0.25 s, 0.5 s, 1 s ... up to 5 s. */
const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 5000, jitter: 0 };

/*
 * Tail loss: a purge and its ack are one small packet each, alone in flight. Lost (an edge behind a
 * lossy link), Linux sends it again on the tail-loss probe, which for a lone packet waits 2 RTT +
 * 200 ms (the minimum RTO); with a second packet right behind it, the loss shows in that one's
 * acknowledgement (SACK, RACK) and the probe waits 2 RTT + a few ms. So the origin pings right behind
 * each purge and the agent right behind each ack. Measured on the fleet bed (1 % loss on one edge's link, 60 purges
 * under load): that edge's acks p99 without the pings 245 ms, of which the agent's own work was 13 ms.
 */

export interface OriginLinkDeps {
  origin: string;
  token: string;
  logger: Logger;
  hello: () => { id: string; url: string; region: string; version: string; heartbeatMs: number; lastSeq: number | null };
  stats: () => EdgeStats;
  /** Podcast download lines to hand to the origin with each heartbeat (podcast-log.ts). */
  downloads?: Pick<PodcastLog, 'take' | 'putBack' | 'size'>;
  onWelcome: (seq: number, keys: SigningKeys) => Promise<void> | void;
  onKeys: (keys: SigningKeys) => Promise<void> | void;
  /** Applies one purge; resolves with the number of cache objects it touched. */
  onPurge: (seq: number, request: PurgeRequest) => Promise<number>;
  /** Runs this set of edge functions (nginx reloaded with them); throws when nginx refuses them. */
  onFunctions?: (functions: EdgeFunctionSpec[]) => Promise<void>;
}

/**
 * The edge's one persistent connection to the origin: hello (with the last purge applied, so that
 * the origin replays what was missed), heartbeats, purges applied in sequence order and acknowledged.
 * Reconnects with backoff for as long as the agent runs.
 */
export class OriginLink implements Service {
  readonly name = 'origin-link';
  private socket: WebSocket | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  connected = false;

  constructor(private readonly deps: OriginLinkDeps) {}

  start(): void {
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const url = `${this.deps.origin.replace(/^http/, 'ws').replace(/\/$/, '')}${EDGE_SOCKET_PATH}`;
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${this.deps.token}` }, handshakeTimeout: 5000 });
    this.socket = socket;
    socket.on('open', () => {
      this.attempts = 0;
      socket.send(JSON.stringify({ type: 'hello', ...this.deps.hello() }));
    });
    socket.on('message', (data) => {
      const receivedAt = performance.now();
      let message: EdgeServerMessage;
      try {
        message = JSON.parse(data.toString()) as EdgeServerMessage;
      } catch {
        return;
      }
      this.queue = this.queue.then(() => this.handle(socket, message, receivedAt)).catch((error: unknown) => {
        this.deps.logger.error({ err: error }, 'origin message failed');
      });
    });
    socket.on('unexpected-response', (_req, res) => {
      this.deps.logger.error({ status: res.statusCode }, 'the origin refused the edge connection (check --token)');
    });
    socket.on('error', (error) => this.deps.logger.warn({ err: error.message }, 'origin connection error'));
    socket.on('close', () => {
      this.connected = false;
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = null;
      if (this.stopped) return;
      this.attempts += 1;
      const delay = backoffDelay(this.attempts, RECONNECT_BACKOFF);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private async handle(socket: WebSocket, message: EdgeServerMessage, receivedAt: number): Promise<void> {
    if (message.type === 'welcome') {
      await this.deps.onWelcome(message.seq, message.keys);
      this.connected = true;
      this.deps.logger.info({ seq: message.seq }, 'registered with the origin');
      this.sendHeartbeat(socket);
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.sendHeartbeat(socket), this.deps.hello().heartbeatMs);
    } else if (message.type === 'keys') {
      await this.deps.onKeys(message.keys);
    } else if (message.type === 'functions') {
      let error: string | undefined;
      try {
        await this.deps.onFunctions?.(message.functions);
      } catch (e) {
        error = (e as Error).message;
        this.deps.logger.error({ rev: message.rev, err: e }, 'edge functions refused');
      }
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'functionsAck', rev: message.rev, ok: error === undefined, ...(error ? { error: error.slice(0, 4000) } : {}) }));
    } else if (message.type === 'purge') {
      let objects = 0;
      let error: string | undefined;
      const startedAt = performance.now();
      try {
        objects = await this.deps.onPurge(message.seq, message.request);
      } catch (e) {
        error = (e as Error).message;
        this.deps.logger.error({ seq: message.seq, err: e }, 'purge failed');
      }
      if (socket.readyState === socket.OPEN) {
        socket.send(JSON.stringify({ type: 'ack', seq: message.seq, ok: error === undefined, objects, ...(error ? { error } : {}) }));
        socket.ping(); // see "Tail loss" above
      }
      // Received -> applied -> acknowledged: a slow purge says whether it waited its turn or worked.
      const ms = (a: number, b: number): number => Math.round((b - a) * 10) / 10;
      this.deps.logger.info({ seq: message.seq, queuedMs: ms(receivedAt, startedAt), totalMs: ms(receivedAt, performance.now()) }, 'purge acknowledged');
    }
  }

  private sendHeartbeat(socket: WebSocket): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify({ type: 'heartbeat', stats: this.deps.stats() }));
    const downloads = this.deps.downloads;
    while (downloads && downloads.size > 0) {
      const records = downloads.take();
      // Sent once the socket has written it; a connection that breaks first gives the batch back for the next one.
      socket.send(JSON.stringify({ type: 'downloads', records }), (error) => {
        if (error) downloads.putBack(records);
      });
    }
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await closeSocket(this.socket, 'edge stopping');
  }
}
