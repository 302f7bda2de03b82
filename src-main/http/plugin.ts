import type { FastifyInstance } from 'fastify';

/** A server folder's routes, registered on the shared HTTP app; it handles its own auth. */
export type HttpPlugin = (app: FastifyInstance) => void | Promise<void>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks its callers itself (players, viewers): the app's API authentication skips it. */
    public?: boolean;
    /** The contract method a route serves: its scope is checked before the body is read. */
    contractMethod?: string;
    /** A route under /api/v1 that serves no contract method (a socket) but needs this scope. */
    scope?: `${string}:${'read' | 'write'}`;
    /** A WebSocket route that may negotiate permessage-deflate (it decides when, in its own onRequest). */
    deflate?: boolean;
  }
}
