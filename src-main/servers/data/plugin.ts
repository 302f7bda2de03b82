import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { backpressurePolicySchema, CHANNEL_NAME_PATTERN, RESERVED_CHANNELS, type BackpressurePolicy } from '../../../src-shared/contract/data.js';
import { STREAM_NAME_PATTERN } from '../../../src-shared/contract/streams.js';
import { API_PREFIX } from '../../../src-shared/contract/transport.js';
import type { StudioConfig } from '../../../src-shared/config.js';
import { StudioError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { DataAccessPort, DataHubPort, SchemasPort } from '../../data/types.js';
import type { HttpPlugin } from '../../http/plugin.js';
import { sendError } from '../../http/reply.js';
import { decodeBody, parseMediaTime, parseSeq, publishContentType } from './frames.js';
import { serveEvents } from './sse.js';
import { serveSocket } from './ws.js';

/**
 * Data channels over HTTP (src-shared/contract/data.ts has the summary):
 *   POST {API}/streams/:name/data/:channel         JSON or MessagePack body -> 202 {id, seq, mediaTime, programDateTime}
 *   GET  {API}/streams/:name/data/:channel/ws      WebSocket: subscribe; publishers may also publish
 *   GET  {API}/streams/:name/data/:channel/events  Server-Sent Events with Last-Event-ID replay
 * Each route is `public` for the API hook and authenticates itself in onRequest, before any body or
 * upgrade is read (rule 12): a wrong key with a garbled body is 401, never 400.
 */
export interface DataPluginOptions {
  hub: DataHubPort;
  access: DataAccessPort;
  config: () => StudioConfig['data'];
  logger: Logger;
  streamExists(name: string): boolean;
  /** Protobuf schemas: what an application/x-protobuf body is decoded with. */
  schemas: Pick<SchemasPort, 'has' | 'decode'>;
}

/** The route's own bound; the configured `maxMessageKilobytes` (at most 1024) is checked below it. */
const BODY_LIMIT = 1024 * 1024 + 1;

type Params = { name: string; channel: string };
type Query = Record<string, string | string[] | undefined>;

export interface Grant {
  publisher: 'api' | 'key' | null;
  policy: BackpressurePolicy | undefined;
}

const grants = new WeakMap<FastifyRequest, Grant>();
export const grantOf = (req: FastifyRequest): Grant => grants.get(req) ?? { publisher: null, policy: undefined };

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Cookies count only from our own pages: a cross-site page must not ride a studio session (WebSocket has no CORS). */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function credentials(req: FastifyRequest): { authorization?: string; cookie?: string; key?: string } {
  const key = first((req.query as Query).key);
  return {
    ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
    ...(req.headers.cookie !== undefined && sameOrigin(req) ? { cookie: req.headers.cookie } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}

export function dataPlugin(options: DataPluginOptions): HttpPlugin {
  return async (app) => {
    await app.register(async (scope) => dataScope(scope, options));
  };
}

async function dataScope(scope: FastifyInstance, options: DataPluginOptions): Promise<void> {
  const { hub, access, logger } = options;
  // Bodies as bytes whatever their type: the publish gate has checked the type (and the caller) already.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  scope.setErrorHandler((error: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (error instanceof StudioError) return sendError(reply, error.toJSON());
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, { code: 'PAYLOAD_TOO_LARGE', message: `a message is at most ${options.config().maxMessageKilobytes} KiB` });
    }
    if (error.statusCode && error.statusCode < 500) return sendError(reply, { code: 'BAD_REQUEST', message: error.message });
    logger.error({ err: error, url: req.url }, 'data request failed');
    return sendError(reply, { code: 'INTERNAL', message: 'internal error; see the host log' });
  });

  const checkTarget = (params: Params, wildcard: boolean): void => {
    if (!STREAM_NAME_PATTERN.test(params.name)) throw new StudioError('NOT_FOUND', `no stream named "${params.name}"`);
    if (!(CHANNEL_NAME_PATTERN.test(params.channel) || (wildcard && params.channel === '*'))) {
      throw new StudioError('VALIDATION_FAILED', `"${params.channel}" is not a channel name (1 to 64 of a-z 0-9 - _)`);
    }
  };

  /** Publish: caller, stream, channel, type, size, media time; all before the body is read. */
  const publishGate = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    try {
      const params = req.params as Params;
      checkTarget(params, false);
      const publisher = access.publisher(params.name, credentials(req));
      if (!publisher) throw new StudioError('UNAUTHORIZED', `send Authorization: Bearer <api-token or the stream key of "${params.name}">`);
      if (!options.streamExists(params.name)) throw new StudioError('NOT_FOUND', `no stream named "${params.name}"`);
      if ((RESERVED_CHANNELS as readonly string[]).includes(params.channel)) {
        throw new StudioError('CHANNEL_RESERVED', `channel "${params.channel}" is written by the studio itself`);
      }
      const type = publishContentType(req.headers['content-type']);
      if (!type) throw new StudioError('UNSUPPORTED_MEDIA_TYPE', 'send the message as application/json, application/msgpack or (to a channel with a Protobuf schema) application/x-protobuf');
      if (type === 'application/x-protobuf' && !options.schemas.has(params.name, params.channel)) {
        throw new StudioError('UNSUPPORTED_MEDIA_TYPE', `channel "${params.channel}" has no Protobuf schema (PUT /api/v1/streams/${params.name}/data/schemas); send JSON or MessagePack`);
      }
      const max = options.config().maxMessageKilobytes * 1024;
      if (Number(req.headers['content-length'] ?? 0) > max) throw new StudioError('PAYLOAD_TOO_LARGE', `a message is at most ${max / 1024} KiB`);
      parseMediaTime(first((req.query as Query).mediaTime) ?? req.headers['x-media-time']);
      grants.set(req, { publisher, policy: undefined });
      return undefined;
    } catch (error) {
      return sendError(reply.header('Cache-Control', 'no-store'), StudioError.from(error).toJSON());
    }
  };

  /** Subscribe (WebSocket or SSE): the stream must be readable by the caller; publishers noted for the socket. */
  const readGate = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    try {
      const params = req.params as Params;
      checkTarget(params, true);
      const query = req.query as Query;
      const creds = credentials(req);
      const exists = options.streamExists(params.name);
      if (!exists || !access.reader(params.name, { ...creds, query, ip: req.ip })) {
        const anyCredential = creds.authorization !== undefined || creds.key !== undefined || query.sig !== undefined;
        if (!anyCredential && exists) throw new StudioError('UNAUTHORIZED', `stream "${params.name}" is private: use its signed player URL's exp and sig, or a token`);
        throw new StudioError(exists ? 'FORBIDDEN' : 'NOT_FOUND', exists ? 'these credentials do not open this stream' : `no stream named "${params.name}"`);
      }
      const policyText = first(query.policy);
      const policy = policyText === undefined ? undefined : backpressurePolicySchema.safeParse(policyText);
      if (policy && !policy.success) throw new StudioError('VALIDATION_FAILED', 'policy is drop-oldest, queue or disconnect');
      grants.set(req, { publisher: access.publisher(params.name, creds), policy: policy?.data });
      return undefined;
    } catch (error) {
      return sendError(reply.header('Cache-Control', 'no-store'), StudioError.from(error).toJSON());
    }
  };

  const base = `${API_PREFIX}/streams/:name/data/:channel`;
  scope.post(base, { config: { public: true }, bodyLimit: BODY_LIMIT, onRequest: publishGate }, async (req, reply) => {
    const params = req.params as Params;
    const type = publishContentType(req.headers['content-type'])!;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const max = options.config().maxMessageKilobytes * 1024;
    if (body.length > max) throw new StudioError('PAYLOAD_TOO_LARGE', `a message is at most ${max / 1024} KiB`);
    const data = type === 'application/x-protobuf' ? options.schemas.decode(params.name, params.channel, body) : decodeBody(type, body);
    const mediaTime = parseMediaTime(first((req.query as Query).mediaTime) ?? req.headers['x-media-time']);
    const message = hub.publish({
      stream: params.name,
      channel: params.channel,
      contentType: type,
      data,
      ...(type === 'application/msgpack' ? { raw: body } : {}),
      ...(mediaTime !== undefined ? { mediaTime } : {}),
      source: { kind: grantOf(req).publisher ?? 'api', transport: 'http', remoteAddress: req.ip },
    });
    return reply
      .code(202)
      .header('Cache-Control', 'no-store')
      .send({ id: message.id, seq: message.seq, mediaTime: message.mediaTime, programDateTime: message.programDateTime });
  });

  // ?compress=deflate: permessage-deflate is negotiated with a client that offers it (the host's onRequest hook strips it elsewhere).
  scope.get(`${base}/ws`, { websocket: true, config: { public: true, deflate: true }, onRequest: [keepDeflateIfAsked, readGate] }, (socket, req) => {
    const params = req.params as Params;
    const query = req.query as Query;
    serveSocket(socket, req, {
      hub,
      logger,
      config: options.config,
      stream: params.name,
      channel: params.channel,
      grant: grantOf(req),
      binary: first(query.format) === 'msgpack',
      afterSeq: parseSeq(query.afterSeq),
    });
  });

  scope.get(`${base}/events`, { config: { public: true }, onRequest: readGate }, (req, reply) => {
    const params = req.params as Params;
    const query = req.query as Query;
    serveEvents(req, reply, {
      hub,
      config: options.config,
      stream: params.name,
      channel: params.channel,
      policy: grantOf(req).policy,
      afterSeq: parseSeq(req.headers['last-event-id'] ?? query.lastEventId) ?? parseSeq(query.afterSeq),
    });
  });
}

/** A data socket negotiates permessage-deflate only when asked: `?compress=deflate` (else the offer is dropped). */
async function keepDeflateIfAsked(req: FastifyRequest): Promise<void> {
  if (first((req.query as Query).compress) !== 'deflate') delete req.raw.headers['sec-websocket-extensions'];
}
