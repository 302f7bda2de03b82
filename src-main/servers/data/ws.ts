import { decode } from '@msgpack/msgpack';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { StudioConfig } from '../../../src-shared/config.js';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { CUT_REASONS } from '../../data/hub.js';
import type { DataHubPort, SubscriberSink, Subscription } from '../../data/types.js';
import { corkForTurn } from '../../http/cork.js';
import { keepAlive } from '../../http/websocket.js';
import { jsonFrame, jsonWsFrame, msgpackFrame, msgpackWsFrame, parseMediaTime } from './frames.js';
import type { Grant } from './plugin.js';

/** A cut-off subscriber's close frame may sit behind the data it did not read: it is terminated after this. */
const CLOSE_GRACE_MS = 2000;
/** Close code for "cut off by the backpressure policy" (4000-4999: the application's own). */
export const CLOSE_TOO_SLOW = 4008;
const HEARTBEAT_FRAME = Buffer.from('{"type":"heartbeat"}');

export interface SocketContext {
  hub: DataHubPort;
  logger: Logger;
  config: () => StudioConfig['data'];
  stream: string;
  channel: string;
  grant: Grant;
  /** `?format=msgpack`: messages as binary MessagePack frames. */
  binary: boolean;
  afterSeq: number | undefined;
}

interface PublishFrame {
  type: 'publish';
  ref?: unknown;
  data?: unknown;
  mediaTime?: unknown;
}

/**
 * One WebSocket on a data channel. Server -> client: `{"type":"message","message"}` (or MessagePack),
 * `{"type":"ack","ref","id","seq","mediaTime","programDateTime"}`, `{"type":"error","ref","error"}`;
 * pings every `heartbeatSeconds`. Client -> server: `{"type":"publish","ref"?,"data","mediaTime"?}`,
 * or a binary frame whose MessagePack body is the data itself.
 */
export function serveSocket(socket: WebSocket, req: FastifyRequest, ctx: SocketContext): void {
  const raw = req.raw.socket;
  const label = `ws ${req.ip}:${raw.remotePort ?? 0}`;
  const reply = (payload: Record<string, unknown>): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
  };
  // Without an extension (permessage-deflate) ws writes every frame straight to the socket, in order:
  // a message's whole frame, built once for every subscriber, can be written beside it, and the socket
  // stays corked for the turn (several messages, one write). A deflating socket queues its frames: ws sends.
  const whole = socket.extensions === '';
  const sink: SubscriberSink = {
    write: (m) => {
      if (whole && socket.readyState === socket.OPEN && raw.writable) {
        corkForTurn(raw);
        raw.write(ctx.binary ? msgpackWsFrame(m) : jsonWsFrame(m));
      } else socket.send(ctx.binary ? msgpackFrame(m) : jsonFrame(m), { binary: ctx.binary });
    },
    backlog: () => socket.bufferedAmount,
    onDrain: (cb) => (raw.writableLength === 0 ? setImmediate(cb) : raw.once('drain', cb)),
    close: (reason) => {
      socket.close(reason.startsWith(CUT_REASONS.slow) ? CLOSE_TOO_SLOW : 1001, reason.slice(0, 120));
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
    },
  };
  let subscription: Subscription;
  try {
    subscription = ctx.hub.subscribe(ctx.stream, ctx.channel, sink, {
      label,
      ...(ctx.grant.policy ? { policy: ctx.grant.policy } : {}),
      ...(ctx.afterSeq !== undefined ? { afterSeq: ctx.afterSeq } : {}),
      onGap: (gap) => reply({ type: 'gap', ...gap }),
    });
  } catch (error) {
    reply({ type: 'error', error: StudioError.from(error).toJSON() });
    socket.close(1008, 'subscription refused');
    return;
  }
  const everyMs = ctx.config().heartbeatSeconds * 1000;
  keepAlive(socket, everyMs);
  // Browsers cannot see pings: a heartbeat frame lets a client (the SDK) tell a dead socket from a quiet channel.
  const heartbeat = setInterval(() => {
    if (socket.readyState === socket.OPEN && socket.bufferedAmount === 0) socket.send(HEARTBEAT_FRAME, { binary: false });
  }, everyMs);
  socket.once('close', () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  });

  socket.on('message', (data: Buffer, isBinary: boolean) => {
    let ref: unknown;
    try {
      // The socket's caller is known since the upgrade: a subscriber's frames are refused unread.
      if (!ctx.grant.publisher) throw new StudioError('FORBIDDEN', 'only the API token or the stream key may publish; this socket may subscribe');
      let value: unknown;
      let mediaTime: number | undefined;
      if (isBinary) {
        value = decodeOr400(() => decode(data), 'the binary frame is not valid MessagePack');
      } else {
        const frame = decodeOr400(() => JSON.parse(data.toString('utf8')) as PublishFrame, 'the frame is not valid JSON');
        const r = frame !== null && typeof frame === 'object' ? frame.ref : undefined;
        ref = typeof r === 'string' || typeof r === 'number' ? r : undefined;
        if (frame === null || typeof frame !== 'object' || frame.type !== 'publish' || !('data' in frame)) {
          throw new StudioError('VALIDATION_FAILED', 'send {"type":"publish","data":...,"ref"?,"mediaTime"?}');
        }
        value = frame.data;
        mediaTime = parseMediaTime(frame.mediaTime);
      }
      if (ctx.channel === '*') throw new StudioError('VALIDATION_FAILED', 'publish on the socket of one channel, not "*"');
      const message = ctx.hub.publish({
        stream: ctx.stream,
        channel: ctx.channel,
        contentType: isBinary ? 'application/msgpack' : 'application/json',
        data: value,
        ...(isBinary ? { raw: data } : {}),
        ...(mediaTime !== undefined ? { mediaTime } : {}),
        source: { kind: ctx.grant.publisher, transport: 'ws', remoteAddress: req.ip },
      });
      reply({ type: 'ack', ref, id: message.id, seq: message.seq, mediaTime: message.mediaTime, programDateTime: message.programDateTime });
    } catch (error) {
      const studio = StudioError.from(error);
      if (studio.code === 'INTERNAL') ctx.logger.error({ err: error, label }, 'data socket publish failed');
      reply({ type: 'error', ref, error: studio.toJSON() });
    }
  });
}

function decodeOr400<T>(fn: () => T, message: string): T {
  try {
    return fn();
  } catch {
    throw new StudioError('BAD_REQUEST', message);
  }
}
