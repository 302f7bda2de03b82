import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { API_PREFIX, methods, scopeCovers, SESSION_COOKIE, type MethodDef, type MethodName, type Scope } from '../../src-shared/contract/index.js';
import { authorizeCall, streamParamOf } from '../auth/authorize.js';
import { actorOf, type AuditPort, type Principal } from '../auth/types.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HttpPlugin } from '../http/plugin.js';
import { rateLimitFor, registerRateLimits, type RequestLimits } from '../http/rate-limit.js';
import { sendError } from '../http/reply.js';
import type { UsersService } from '../auth/users.js';
import type { AuthService } from './auth.js';
import type { Dispatch } from './dispatch.js';
import { registerLoginRoutes } from './login-routes.js';
import { buildOpenApi } from './openapi.js';
import { registerEventSocket } from './ws.js';

export interface HttpServerOptions {
  dispatch: Dispatch;
  auth: AuthService;
  /** Invitations (the /invite pages); absent in tests of the bare app. */
  users?: UsersService;
  /** Refusals before dispatch (no credentials, a missing scope) and sign-ins go into the audit log. */
  audit?: Pick<AuditPort, 'record'>;
  /** Request rates (limits.*PerMinute) and the delay of a failed authentication (auth.failedAuthDelayMs). */
  limits?: { requests: () => RequestLimits; failedAuthDelayMs: () => number };
  bus: EventBus;
  metrics: Registry;
  logger: Logger;
  version: string;
  /** Seconds since the host started, on the monotonic clock (a wall-clock step does not move it). */
  uptimeSec: () => number;
  /** The built renderer (index.html and assets); a short notice is served when it is missing. */
  rendererDir: string;
  tls?: { cert: Buffer; key: Buffer };
  /** Routes of other servers that share this listener (HLS/DASH playback, WHIP/WHEP, player pages). */
  plugins?: readonly HttpPlugin[];
}

const WS_MAX_PAYLOAD = 1024 * 1024 + 4096;
/** Frames smaller than this go uncompressed on a socket that negotiated permessage-deflate. */
const WS_DEFLATE_MIN_BYTES = 1024;

/** Who each authenticated request is (set in onRequest, read by the route handler). */
const principals = new WeakMap<FastifyRequest, Principal>();

const PUBLIC_PATHS = new Set(['/healthz', '/login', '/auth/login', '/auth/password', '/auth/invite', '/auth/logout', `${API_PREFIX}/openapi.json`]);

/** Builds the HTTP(S) app: healthz, the contract's REST routes, events over WebSocket, metrics, UI. */
export async function createHttpApp(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // On stop, keep-alive and upgraded connections are closed too, not waited for.
    forceCloseConnections: true,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
  }) as unknown as FastifyInstance;
  const secure = Boolean(options.tls);
  // The API speaks JSON only: other bodies are refused with 415 instead of reaching a handler as text.
  app.removeContentTypeParser('text/plain');
  // Many clients send `Content-Type: application/json` on every request: an empty body is no body
  // (a GET, DELETE or HEAD goes through; a call that needs a body answers BODY_REQUIRED below).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    return parseJson(req, text, done);
  });

  app.addHook('onRequest', async (req, reply) => {
    // permessage-deflate only where a route allows it and the client asked (?compress=deflate): each
    // socket compresses each message on its own, which a fan-out to thousands must not pay unasked.
    if (req.raw.headers['sec-websocket-extensions'] !== undefined && !req.routeOptions.config?.deflate) {
      delete req.raw.headers['sec-websocket-extensions'];
    }
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    const pathname = req.url.split('?')[0] ?? '/';
    const needsAuth = pathname.startsWith(`${API_PREFIX}/`) || pathname === '/metrics';
    if (!needsAuth || PUBLIC_PATHS.has(pathname)) return;
    const route = (req.routeOptions.config ?? {}) as { public?: boolean; contractMethod?: MethodName; scope?: Scope };
    // A contract method declared `public` (players call it): its handler checks the viewer's own credentials.
    if (route.public === true) return;
    const principal = options.auth.authenticate(req.headers, SESSION_COOKIE);
    if (!principal) {
      // An address that failed too often (wrong tokens, sign-ins, stream keys) has its further guesses
      // refused; a valid token or session from it is served (above): a script with a wrong token on the
      // creator's machine, or a guesser behind the same NAT, locks nobody out.
      const retryAfterSec = options.auth.retryAfter(req.ip);
      if (retryAfterSec > 0) return sendError(reply, { code: 'RATE_LIMITED', message: 'too many failed authentications from this address; wait a minute', details: { retryAfterSec } });
      const refusal = options.auth.refusal(req.headers, SESSION_COOKIE);
      if (req.headers.authorization) options.auth.recordFailure(req.ip);
      // A wrong credential waits a short random time: guessing gets slow, and timing tells nothing.
      if (req.headers.authorization || req.headers.cookie) await failedAuthDelay(options.limits?.failedAuthDelayMs() ?? 0);
      // A bearer that is no token of ours (or expired) is an attempt worth keeping; a bare request is not.
      if (req.headers.authorization) options.audit?.record({ actor: 'anonymous', action: route.contractMethod ?? `${req.method} ${pathname}`.slice(0, 100), target: null, ip: req.ip, result: 'denied', detail: refusal.code });
      return sendError(reply, refusal.toJSON());
    }
    principals.set(req, principal);
    // Rule 12 and the generated permission check: the method's scope (and a token's streams, from the
    // path) are checked here, before the body is read.
    const params = req.params as Record<string, string | undefined> | undefined;
    if (route.contractMethod) {
      const param = streamParamOf(route.contractMethod);
      const refusal = authorizeCall(principal, route.contractMethod, param ? params?.[param] : undefined, { audit: options.audit, ip: req.ip, target: params?.name ?? null });
      if (refusal) return sendError(reply, refusal.toJSON());
    } else if ((route.scope || pathname === '/metrics') && !scopeCovers(principal.scopes, route.scope ?? 'system:read')) {
      const scope = route.scope ?? 'system:read';
      const refusal = new StudioError('FORBIDDEN', `${pathname === '/metrics' ? 'metrics need' : 'this needs'} the ${scope} scope`, { scope });
      options.audit?.record({ actor: actorOf(principal), action: pathname, target: null, ip: req.ip, result: 'denied', detail: refusal.message });
      return sendError(reply, refusal.toJSON());
    }
  });

  const noLimits: RequestLimits = { apiPerMinute: 0, loginPerMinute: 0, uploadPerMinute: 0 };
  const requestLimits = (): RequestLimits => options.limits?.requests() ?? noLimits;
  await registerRateLimits(app);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (error instanceof StudioError) return sendError(reply, error.toJSON());
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send a JSON body (Content-Type: application/json)' });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than 1 MiB' });
    }
    if (error.statusCode === 403) return sendError(reply, { code: 'FORBIDDEN', message: error.message });
    if (error.statusCode === 404) return sendError(reply, { code: 'NOT_FOUND', message: error.message });
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, { code: 'BAD_REQUEST', message: error.message });
    }
    options.logger.error({ err: error, url: req.url }, 'request failed');
    return sendError(reply, { code: 'INTERNAL', message: 'internal error; see the host log' });
  });

  app.get('/healthz', async () => ({
    status: 'ok',
    version: options.version,
    uptimeSec: options.uptimeSec(),
  }));

  // Built on its first request, not at start: every method's schemas through zod's JSON Schema cost
  // about 70 ms of the host's start to /healthz.
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  app.get(`${API_PREFIX}/openapi.json`, async () => (openapi ??= buildOpenApi(options.version)));

  app.get('/metrics', async (_req, reply) => {
    reply.type(options.metrics.contentType);
    return options.metrics.metrics();
  });

  for (const [name, def] of Object.entries(methods) as [string, MethodDef][]) {
    app.route({
      method: def.http.method,
      url: API_PREFIX + def.http.path,
      config: { public: def.public === true, contractMethod: name, ...rateLimitFor('api', requestLimits, SESSION_COOKIE) },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        // Authenticate before parsing: a public method's caller is told apart here, before its input is read
        // (a signed-in caller without the method's scope is a viewer like any other).
        let principal = principals.get(req);
        if (def.public === true) {
          principal = options.auth.authenticate(req.headers, SESSION_COOKIE);
          if (principal && !scopeCovers(principal.scopes, def.scope)) principal = undefined;
        }
        const anonymous = def.public === true && principal === undefined;
        if (anonymous) reply.header('Access-Control-Allow-Origin', '*').header('Cache-Control', 'no-store');
        const input = httpInput(def, req);
        if (req.body === undefined && !hasQueryInput(def) && !def.input.safeParse(input).success) {
          return sendError(reply, { code: 'BODY_REQUIRED', message: `${def.http.method} ${def.http.path} needs a JSON body` });
        }
        const result = await options.dispatch(name, input, {
          transport: 'http',
          remoteAddress: req.ip,
          baseUrl: `${secure ? 'https' : 'http'}://${req.headers.host ?? req.hostname}`,
          ...(anonymous ? { anonymous: true as const } : {}),
          ...(principal ? { principal } : {}),
        });
        if (!result.ok) return sendError(reply, result.error);
        return reply.code(def.http.status ?? 200).send(result.result);
      },
    });
  }

  // The largest frame any socket takes: a data-channel publish of `data.maxMessageKilobytes` at its most
  // (1 MiB) and its envelope, so the hub answers PAYLOAD_TOO_LARGE instead of the socket closing (1009).
  // permessage-deflate on the routes that allow it (a data channel's socket with ?compress=deflate): frames
  // of WS_DEFLATE_MIN_BYTES or more are compressed, small ones are sent as they are; no context is kept
  // between messages (a few KiB per socket, not 300). maxPayload bounds the inflated size.
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: WS_MAX_PAYLOAD,
      perMessageDeflate: { threshold: WS_DEFLATE_MIN_BYTES, serverNoContextTakeover: true, clientNoContextTakeover: true, zlibDeflateOptions: { level: 1 }, concurrencyLimit: 4 },
    },
  });
  registerEventSocket(app, options);
  registerLoginRoutes(app, { auth: options.auth, rateLimit: rateLimitFor('login', requestLimits, SESSION_COOKIE), ...(options.users ? { users: options.users } : {}), ...(options.audit ? { audit: options.audit } : {}), secure, logger: options.logger });
  for (const plugin of options.plugins ?? []) await plugin(app);
  await registerRenderer(app, options.rendererDir);
  return app;
}

/** Waits a random time in [max/3, max] ms. */
function failedAuthDelay(maxMs: number): Promise<void> {
  if (maxMs <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, maxMs / 3 + Math.random() * ((2 * maxMs) / 3)));
}

/** Merges query (GET/DELETE) or JSON body with path params: the contract sees one input object. */
function httpInput(def: MethodDef, req: FastifyRequest): unknown {
  const params = (req.params ?? {}) as Record<string, unknown>;
  if (hasQueryInput(def)) {
    return { ...(req.query as Record<string, unknown>), ...params };
  }
  const body = req.body ?? {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.keys(params).length > 0 ? { ...(body as Record<string, unknown>), ...params } : body;
}

/** GET and DELETE take their input from the query and path; the others from a JSON body. */
const hasQueryInput = (def: MethodDef): boolean => def.http.method === 'GET' || def.http.method === 'DELETE';

async function registerRenderer(app: FastifyInstance, dir: string): Promise<void> {
  const index = path.join(dir, 'index.html');
  const built = fs.existsSync(index);
  const sendIndex = (reply: FastifyReply): FastifyReply => {
    if (!built) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .send('<!doctype html><title>Streams Studio</title><p>The web UI is not built. Run <code>npm run build</code>, then reload.</p>');
    }
    return reply.header('Cache-Control', 'no-cache').type('text/html; charset=utf-8').send(fs.createReadStream(index));
  };
  if (built) {
    // wildcard: files are looked up per request, so a rebuilt renderer is served without a restart.
    await app.register(fastifyStatic, {
      root: dir,
      prefix: '/',
      index: false,
      wildcard: true,
      setHeaders: (res, file) => {
        // Hashed asset names never change content; index.html must always be revalidated.
        res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.get('/', async (_req, reply) => sendIndex(reply));
  app.setNotFoundHandler(async (req, reply) => {
    const pathname = req.url.split('?')[0] ?? '/';
    const wantsPage =
      req.method === 'GET' && !pathname.startsWith('/api/') && !/\.[a-z0-9]+$/i.test(pathname) && (req.headers.accept ?? '').includes('text/html');
    if (wantsPage) return sendIndex(reply);
    return sendError(reply, { code: 'NOT_FOUND', message: `nothing at ${req.method} ${pathname}` });
  });
}
