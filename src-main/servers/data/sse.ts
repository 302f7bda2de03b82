import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BackpressurePolicy } from '../../../src-shared/contract/data.js';
import type { StudioConfig } from '../../../src-shared/config.js';
import { CUT_REASONS } from '../../data/hub.js';
import { StudioError } from '../../core/errors.js';
import type { DataHubPort, SubscriberSink, Subscription } from '../../data/types.js';
import { corkForTurn } from '../../http/cork.js';
import { sseEvent, sseFrame } from './frames.js';

/** What EventSource waits before reconnecting (it resends Last-Event-ID, so nothing is lost within the history). */
const RETRY_MS = 2000;
/** A cut-off subscriber's response is destroyed after this if its last bytes do not go out. */
const CLOSE_GRACE_MS = 2000;
/** An event, not a `:` comment: EventSource hides comments, and the SDK's dead-connection timer needs to see it. */
const HEARTBEAT_EVENT = 'event: heartbeat\ndata: {}\n\n';

export interface EventsContext {
  hub: DataHubPort;
  config: () => StudioConfig['data'];
  stream: string;
  channel: string;
  policy: BackpressurePolicy | undefined;
  afterSeq: number | undefined;
}

/**
 * Server-Sent Events on a data channel: `id: <seq>`, `event: message`, `data: <DataMessage>`; a
 * reconnecting EventSource's Last-Event-ID replays from the history, and a gap older than it is said
 * with `event: gap`. `event: heartbeat` keeps proxies from closing an idle stream.
 */
export function serveEvents(req: FastifyRequest, reply: FastifyReply, ctx: EventsContext): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    'X-Content-Type-Options': 'nosniff',
    'Access-Control-Allow-Origin': '*',
  });
  res.write(`retry: ${RETRY_MS}\n\n`);
  const wildcard = ctx.channel === '*';
  const sink: SubscriberSink = {
    // Corked for the turn: messages that fan out together leave in one chunk write (http/cork.ts).
    write: (m) => {
      corkForTurn(res);
      res.write(sseFrame(m, wildcard));
    },
    backlog: () => res.writableLength,
    onDrain: (cb) => (res.writableLength === 0 ? setImmediate(cb) : res.once('drain', cb)),
    close: (reason) => {
      const slow = reason.startsWith(CUT_REASONS.slow);
      res.end(slow ? sseEvent('error', { code: 'RATE_LIMITED', message: reason }) : sseEvent('close', { message: reason }));
      setTimeout(() => res.destroy(), CLOSE_GRACE_MS).unref();
    },
  };
  let subscription: Subscription;
  try {
    subscription = ctx.hub.subscribe(ctx.stream, ctx.channel, sink, {
      label: `sse ${req.ip}:${req.raw.socket.remotePort ?? 0}`,
      ...(ctx.policy ? { policy: ctx.policy } : {}),
      ...(ctx.afterSeq !== undefined && !wildcard ? { afterSeq: ctx.afterSeq } : {}),
      onGap: (gap) => res.write(sseEvent('gap', gap)),
    });
  } catch (error) {
    // The 200 is out already: the refusal goes as an event, and the response ends instead of hanging.
    res.end(sseEvent('error', StudioError.from(error).toJSON()));
    return;
  }
  const heartbeat = setInterval(() => {
    if (res.writableLength === 0) res.write(HEARTBEAT_EVENT);
  }, ctx.config().heartbeatSeconds * 1000);
  res.once('close', () => {
    clearInterval(heartbeat);
    subscription.unsubscribe();
  });
}
