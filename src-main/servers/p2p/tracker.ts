import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { STREAM_NAME_PATTERN } from '../../../src-shared/contract/streams.js';
import { VIDEO_ID_RE } from '../../../src-shared/contract/videos.js';
import { p2pTrackerPath, p2pVideoTrackerPath } from '../../../src-shared/p2p.js';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { HttpPlugin } from '../../http/plugin.js';
import { sendError } from '../../http/reply.js';
import { keepAlive } from '../../http/websocket.js';

/** bittorrent-tracker's server, as far as we use it (the package ships no types). */
interface TrackerServer {
  onWebSocketConnection(socket: TrackerSocket, opts?: { trustProxy?: boolean }): void;
  on(event: 'warning' | 'error', listener: (err: Error) => void): void;
  close(): void;
}
type TrackerSocket = WebSocket & { upgradeReq?: IncomingMessage; onMessageBound?: ((raw: string) => void) | null };

export interface P2pTrackerOptions {
  logger: Logger;
  /** What a stream (or a video) allows (undefined: no such stream). */
  p2pOf(name: string): { active: boolean; maxPeers: number } | undefined;
  /** Throws (a StudioError) when this request may not watch the stream: a private stream's signed URL or JWT, the origin allow-list. */
  checkView(name: string, req: FastifyRequest): Promise<void>;
  /** The swarms' kind: a live stream's (`/p2p/<name>/announce`, the default) or a library video's (`/p2p/videos/<id>/announce`). */
  kind?: 'stream' | 'video';
}

const KEEPALIVE_MS = 15_000;
/** A viewer's messages are SDP offers and answers: a few per announce. More than this in a second is not a player. */
const MAX_MESSAGES_PER_SEC = 50;
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The WebSocket tracker of each stream's swarm (`/p2p/<name>/announce`): bittorrent-tracker's server,
 * which introduces viewers to each other and relays their WebRTC offers and answers (it never sees a
 * segment). The stream is checked before the upgrade (its P2P switch, and who may watch it); each
 * announce's offers are cut to the stream's `maxPeers`, so that no viewer connects to more peers than
 * the stream allows of its own accord. Each stream (and video) has a tracker of its own: a viewer let
 * into one swarm cannot announce another's info-hash (anyone can compute it from the name) and so
 * reach the viewers of a stream it may not watch.
 */
export function p2pTrackerRoutes(options: P2pTrackerOptions): HttpPlugin {
  const video = options.kind === 'video';
  const what = video ? 'video' : 'stream';
  const gate = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    try {
      const { name } = req.params as { name: string };
      const p2p = (video ? VIDEO_ID_RE : STREAM_NAME_PATTERN).test(name) ? options.p2pOf(name) : undefined;
      if (!p2p) throw new StudioError('NOT_FOUND', video ? `no ready video "${name}"` : `no stream named "${name}"`);
      if (!p2p.active) {
        throw new StudioError('FORBIDDEN', video ? `the viewers of video "${name}" do not share segments (it is private or encrypted)` : `the viewers of stream "${name}" do not share segments (its p2p setting)`);
      }
      await options.checkView(name, req);
      return undefined;
    } catch (error) {
      return sendError(reply.header('Cache-Control', 'no-store'), StudioError.from(error).toJSON());
    }
  };

  return async (app) => {
    // @ts-expect-error the package ships no types: TrackerServer above is the part we use.
    const { default: Server } = (await import('bittorrent-tracker/server')) as unknown as { default: new (opts: object) => TrackerServer };
    // No HTTP or UDP tracker of its own and no listening socket: we hand it the upgraded WebSockets.
    // One per swarm with viewers connected, closed with its last viewer.
    const swarms = new Map<string, { server: TrackerServer; sockets: number }>();
    const swarmOf = (name: string): { server: TrackerServer; sockets: number } => {
      let swarm = swarms.get(name);
      if (!swarm) {
        const server = new Server({ http: false, udp: false, ws: { noServer: true }, stats: false, trustProxy: false });
        server.on('warning', (err) => options.logger.debug({ err: err.message, [what]: name }, 'p2p tracker: a viewer sent something it refused'));
        server.on('error', (err) => options.logger.warn({ err, [what]: name }, 'p2p tracker error'));
        swarm = { server, sockets: 0 };
        swarms.set(name, swarm);
      }
      return swarm;
    };
    app.addHook('onClose', async () => {
      for (const { server } of swarms.values()) server.close();
      swarms.clear();
    });
    app.get(video ? p2pVideoTrackerPath(':name') : p2pTrackerPath(':name'), { websocket: true, config: { public: true }, onRequest: gate }, (raw: WebSocket, req) => {
      const socket = raw as TrackerSocket;
      const { name } = req.params as { name: string };
      socket.upgradeReq = req.raw;
      const swarm = swarmOf(name);
      swarm.sockets += 1;
      socket.once('close', () => {
        if (--swarm.sockets > 0 || swarms.get(name) !== swarm) return;
        swarms.delete(name);
        swarm.server.close();
      });
      swarm.server.onWebSocketConnection(socket);
      keepAlive(socket, KEEPALIVE_MS);
      // Our own reading of each message first: its size, the rate, and the offers cut to maxPeers
      // (read again for each announce: a stream's setting applies to its viewers' next announce).
      const theirs = socket.onMessageBound;
      if (theirs) socket.removeListener('message', theirs);
      let second = 0;
      let inSecond = 0;
      socket.on('message', (data: Buffer) => {
        const now = Math.floor(Date.now() / 1000);
        if (now !== second) {
          second = now;
          inSecond = 0;
        }
        if (++inSecond > MAX_MESSAGES_PER_SEC || data.length > MAX_MESSAGE_BYTES) {
          socket.close(1008, 'too many or too large messages');
          return;
        }
        let message: { offers?: unknown[] } | null;
        try {
          message = JSON.parse(data.toString('utf8')) as { offers?: unknown[] } | null;
        } catch {
          socket.close(1003, 'not JSON');
          return;
        }
        const maxPeers = options.p2pOf(name)?.maxPeers ?? 0;
        if (message && Array.isArray(message.offers) && message.offers.length > maxPeers) message.offers = message.offers.slice(0, maxPeers);
        socket.onMessageBound?.(JSON.stringify(message));
      });
    });
  };
}
