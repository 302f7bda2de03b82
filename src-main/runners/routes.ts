import path from 'node:path';
import type { WebSocket } from 'ws';
import { RUNNER_LEASE_PATH, RUNNER_SOCKET_PATH } from '../../src-shared/contract/runners.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import { keepAlive } from '../http/websocket.js';
import { sendSessionFile } from '../servers/hls/files.js';
import type { GuestUploadAuth } from '../servers/tus/server.js';
import type { RunnerPool } from './pool.js';
import { leaseOwner } from './remote-process.js';

const KEEPALIVE_MS = 10_000;
const bearerOf = (value: string | undefined): string | undefined => /^Bearer\s+(\S{16,200})$/i.exec(value ?? '')?.[1];

/**
 * The runners' socket (under /api/v1: a token with runners:write, checked by the HTTP app before the
 * upgrade), each lease's source (outside /api/v1: the lease's secret is the bearer; Range for a
 * download that resumes), and each live ladder run's link (its secret is the bearer).
 */
export function runnerRoutes(pool: RunnerPool): HttpPlugin {
  return (app) => {
    app.get(RUNNER_SOCKET_PATH, { websocket: true, config: { scope: 'runners:write' } }, (socket: WebSocket, req) => {
      const handler = pool.attach({
        address: req.ip,
        send: (message) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
        },
        close: (code, reason) => socket.close(code, reason),
      });
      keepAlive(socket, KEEPALIVE_MS);
      socket.on('message', (raw) => handler.onMessage(String(raw)));
      socket.on('close', () => handler.onClose());
    });
    // A live ladder run's link (runners/live-ladder.ts): the run's secret is the bearer.
    app.get<{ Params: { lease: string } }>(`${RUNNER_LEASE_PATH}/:lease/live`, { websocket: true, config: { public: true } }, (socket: WebSocket, req) => {
      const secret = bearerOf(req.headers.authorization);
      const ladder = secret ? pool.liveBySecret(req.params.lease, secret) : undefined;
      if (!ladder) return socket.close(4001, 'no live run with this bearer (it ended, or the secret is wrong)');
      ladder.attach(socket);
    });
    app.get<{ Params: { lease: string } }>(`${RUNNER_LEASE_PATH}/:lease/source`, { config: { public: true } }, async (req, reply) => {
      const secret = bearerOf(req.headers.authorization);
      const lease = secret ? pool.leaseBySecret(req.params.lease, secret) : undefined;
      if (!lease) return sendError(reply, { code: 'UNAUTHORIZED', message: 'no live lease with this bearer (the lease ended, or the secret is wrong)' });
      const file = lease.work.source.file;
      const outcome = await sendSessionFile(req, reply, path.dirname(file), path.basename(file), { contentType: 'application/octet-stream', cacheControl: 'no-store' });
      if (outcome === 'sent') return reply;
      if (outcome === 'unsatisfiable') return reply.code(416).type('application/json').send({ error: { code: 'BAD_REQUEST', message: 'range not satisfiable' } });
      return sendError(reply, { code: 'NOT_FOUND', message: 'the source file is gone' });
    });
  };
}

/**
 * A lease's secret as an upload capability (tus, beside the guests' links): one upload of the runner's
 * output for that lease, named in its metadata; nothing else, and nothing once the lease has ended.
 */
export function runnerUploadAuth(pool: Pick<RunnerPool, 'leaseOfBearer'>): GuestUploadAuth {
  return {
    authenticate: async (bearer) => {
      const lease = pool.leaseOfBearer(bearer);
      if (!lease) return undefined;
      return {
        owner: leaseOwner(lease.id),
        admit: (metadata, headers) => {
          if (headers.concat !== undefined) return { status: 400, error: { message: "a runner's output is one upload, not a concatenation" } };
          if (metadata.purpose !== 'runner-output' || metadata.lease !== lease.id) return { status: 400, error: { message: 'a runner uploads its output with metadata purpose=runner-output and lease=<its lease id>' } };
          return undefined;
        },
      };
    },
  };
}

/** The first capability that knows the bearer answers, in order (a runner's lease before a guest's link, which takes any other bearer for a JWT). */
export function eitherUploadAuth(...auths: (() => GuestUploadAuth | undefined)[]): GuestUploadAuth {
  return {
    authenticate: async (bearer, ip) => {
      for (const auth of auths) {
        const found = await auth()?.authenticate(bearer, ip);
        if (found) return found;
      }
      return undefined;
    },
  };
}
