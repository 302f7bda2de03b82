import type { FastifyReply } from 'fastify';
import { httpStatusOf, type StudioErrorShape } from '../../src-shared/errors.js';

/** Every HTTP error body has one shape: `{"error": {code, message, details?}}`. */
export function sendError(reply: FastifyReply, error: StudioErrorShape): FastifyReply {
  if (reply.request.headers.upgrade) {
    // A refused WebSocket upgrade: the socket would otherwise stay open (and hold up shutdown).
    reply.header('Connection', 'close');
    reply.raw.once('finish', () => reply.request.raw.socket.destroy());
  }
  // A refusal that says when to come back (rate limits, repeated failed sign-ins) says it the HTTP way too.
  const retryAfter = (error.details as { retryAfterSec?: unknown } | undefined)?.retryAfterSec;
  if (typeof retryAfter === 'number' && retryAfter > 0) reply.header('Retry-After', String(Math.ceil(retryAfter)));
  return reply.code(httpStatusOf(error.code)).type('application/json').send({ error });
}
