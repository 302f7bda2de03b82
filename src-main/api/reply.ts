import type { FastifyReply } from 'fastify';
import { httpStatusOf, type StudioErrorShape } from '../../src-shared/errors.js';

/** Every HTTP error body has one shape: `{"error": {code, message, details?}}`. */
export function sendError(reply: FastifyReply, error: StudioErrorShape): FastifyReply {
  return reply.code(httpStatusOf(error.code)).type('application/json').send({ error });
}
