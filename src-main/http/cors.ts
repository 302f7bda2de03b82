import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The answer to a CORS preflight for a public media route: 204 with the allowed methods, the headers
 * the browser asked for (else `defaultHeaders`), cached for a day.
 */
export function preflight(methods: string, defaultHeaders: string) {
  return async (req: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(204)
      .header('Access-Control-Allow-Methods', methods)
      .header('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? defaultHeaders)
      .header('Access-Control-Max-Age', '86400')
      .send();
}
