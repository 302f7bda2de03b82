import type { FastifyInstance } from 'fastify';

/** A server folder's routes, registered on the shared HTTP app; it handles its own auth. */
export type HttpPlugin = (app: FastifyInstance) => void | Promise<void>;
