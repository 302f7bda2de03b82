import { z } from 'zod';
import { event, method } from './define.js';

/** Edge nodes: a cache fleet in front of the origin's `/live/...` paths, purged and watched from here. */

/** The edge's own probe through its nginx: a small origin object fetched along the viewers' path. */
export const dataPlaneProbeSchema = z.object({
  ok: z.boolean().describe('nginx answered 200 with the probe object'),
  status: z.number().int().nullable().describe('The HTTP status nginx answered; null when it gave no answer'),
  error: z.string().nullable().describe('Why the probe failed, in words; null when it passed'),
  at: z.number().describe('Unix ms of the probe'),
  ms: z.number().nullable().describe('How long the answer took'),
});
export type DataPlaneProbe = z.infer<typeof dataPlaneProbeSchema>;

/** Where an edge's nginx fetches its probe object from the origin (public, tiny, cacheable for 1 s). */
export const EDGE_PROBE_ORIGIN_PATH = '/cdn/edge-probe';
/** The same object through the edge's own nginx (the path the agent asks its data plane for). */
export const EDGE_PROBE_PATH = '/edge/probe';
export const EDGE_PROBE_BODY = 'streams-edge-probe\n';

export const edgeStatsSchema = z.object({
  hitRatio: z.number().min(0).max(1).describe('Cache hits / requests that went through the cache, last minute'),
  requests: z.number().int().describe('Requests in the last minute'),
  bytes: z.number().describe('Bytes sent in the last minute'),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
  cacheBytes: z.number().describe('Size of the cache folder'),
  nginxUp: z.boolean(),
  cores: z.number().int().min(1).optional().describe('CPU cores of the edge (its load is weighed per core); absent from older agents: 1'),
  functions: z
    .array(
      z.object({
        name: z.string().max(64),
        version: z.number().int(),
        calls: z.number().int().min(0),
        errors: z.number().int().min(0),
        totalMs: z.number().min(0),
        recent: z.array(z.object({ at: z.number(), uri: z.string().max(2048), message: z.string().max(500) })).max(10),
      }),
    )
    .max(200)
    .optional()
    .describe('Edge functions run since the agent started: calls, errors (cumulative) and the last errors; absent from older agents'),
  // null: not probed yet; absent: an agent from before the probe existed (kept out of rotation).
  dataPlane: dataPlaneProbeSchema.nullable().optional().describe('The last probe through the edge\'s nginx'),
});
export type EdgeStats = z.infer<typeof edgeStatsSchema>;

export const edgeSchema = z.object({
  id: z.string(),
  url: z.string().describe('Public base URL of the edge'),
  region: z.string(),
  version: z.string(),
  healthy: z
    .boolean()
    .describe('In rotation: connected, heartbeating (3 missed heartbeats take it out) and its data plane answered the last probe'),
  unhealthyReason: z.string().nullable().describe('Why the edge is out of rotation, in words (e.g. "data plane: nginx answered 500 for /edge/probe"); null when healthy'),
  connected: z.boolean(),
  draining: z
    .enum(['operator', 'decommission', 'upgrade', 'autoscaler'])
    .nullable()
    .describe('Why the edge gets no new viewers (it keeps serving those it has and stays purged); null when it takes new viewers'),
  hitRatio: z.number(),
  lastSeen: z.number().nullable().describe('Unix ms of the last heartbeat'),
  lastSeq: z.number().int().describe('The last purge the edge applied'),
  stats: edgeStatsSchema.nullable(),
  registeredAt: z.number(),
});
export type EdgeInfo = z.infer<typeof edgeSchema>;

/** What edges cache: live playback (`/live/`), VOD and signed recording downloads (`/vod/`). */
const urlPath = z.string().min(1).max(2048).regex(/^\/(?:live|vod)\//, 'must start with /live/ or /vod/');

/** What a purge removes; at least one selector. `soft` refreshes from the origin instead of deleting. */
export const purgeRequestSchema = z
  .object({
    urls: z.array(urlPath).max(1000).optional(),
    prefix: urlPath.optional(),
    pattern: z
      .string()
      .min(1)
      .max(512)
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    tags: z.array(z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:/-]+$/, 'letters, digits and _ . : / -')).max(100).optional(),
    soft: z.boolean().optional(),
  })
  .strict()
  .refine((p) => Boolean(p.urls?.length || p.prefix || p.pattern || p.tags?.length), 'give urls, prefix, pattern or tags');
export type PurgeRequest = z.infer<typeof purgeRequestSchema>;

/** The Surrogate-Key tag the origin puts on every object of a live stream (playlists, parts, segments, init files): a purge by it reaches them all. */
export const streamTag = (name: string): string => `stream/${name}`;

export const purgeResultSchema = z.object({
  id: z.string(),
  seq: z.number().int(),
  edges: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['done', 'failed', 'pending']),
      ms: z.number().nullable(),
      objects: z.number().int().nullable(),
      inRotation: z.boolean().describe('Counted in propagatedMs; an edge out of rotation is sent the purge too but not waited for'),
    }),
  ),
  propagatedMs: z.number().nullable().describe('Until the last edge in rotation confirmed; null when none is in rotation or one did not confirm'),
});
export type PurgeResult = z.infer<typeof purgeResultSchema>;

/** Messages on the edge's persistent connection (`EDGE_SOCKET_PATH`). */
export const edgeHelloSchema = z.object({
  type: z.literal('hello'),
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  url: z.string().url(),
  region: z.string().max(64),
  version: z.string().max(64),
  heartbeatMs: z.number().int().min(100).max(60_000),
  /** The last purge applied; null for a new edge (an empty cache needs no history). */
  lastSeq: z.number().int().nullable(),
});
/** An edge's log line of a podcast episode file request (the origin counts downloads from them, podcasts/delivery.ts). */
export const edgeDownloadRecordSchema = z.object({
  at: z.number(),
  ip: z.string().max(64),
  userAgent: z.string().max(512),
  method: z.string().max(16),
  uri: z.string().max(1024),
  status: z.number().int(),
  bytes: z.number().int().min(0),
  /** `Content-Range` of a 206 (`bytes 0-99/1234`), else null. */
  contentRange: z.string().max(128).nullable(),
});
export type EdgeDownloadRecord = z.infer<typeof edgeDownloadRecordSchema>;
/** Records per `downloads` message. */
export const EDGE_DOWNLOADS_BATCH = 2000;

export const edgeClientMessageSchema = z.discriminatedUnion('type', [
  edgeHelloSchema,
  z.object({ type: z.literal('heartbeat'), stats: edgeStatsSchema }),
  z.object({ type: z.literal('ack'), seq: z.number().int(), ok: z.boolean(), objects: z.number().int(), error: z.string().optional() }),
  z.object({ type: z.literal('downloads'), records: z.array(edgeDownloadRecordSchema).max(EDGE_DOWNLOADS_BATCH) }),
  z.object({ type: z.literal('functionsAck'), rev: z.number().int(), ok: z.boolean(), error: z.string().max(4000).optional() }),
]);
export type EdgeClientMessage = z.infer<typeof edgeClientMessageSchema>;

/** URL-signing keys, and the host's JWT keys (HS256 by kid) for edges that verify read JWTs themselves. */
export type SigningKeys = { current: string; previous: string | null; jwt?: { kid: string; secret: string }[] };
export type EdgeServerMessage =
  | { type: 'welcome'; seq: number; keys: SigningKeys }
  | { type: 'keys'; keys: SigningKeys }
  | { type: 'purge'; seq: number; id: string; request: PurgeRequest }
  /** The whole set of edge functions this edge runs (it replaces the last one); answered by a functionsAck with the same rev. */
  | { type: 'functions'; rev: number; functions: EdgeFunctionSpec[] };

/** One edge function as an edge runs it (one version of it). */
export interface EdgeFunctionSpec {
  name: string;
  version: number;
  route: string;
  phase: 'request' | 'response';
  code: string;
}

export const provisionStepSchema = z.object({
  id: z.string().describe('connect, detect-os, packages, upload, configure, service, health, register (decommission: stop, remove-files)'),
  title: z.string(),
  status: z.enum(['running', 'done', 'skipped', 'failed']),
  message: z.string(),
  log: z.string(),
  at: z.number(),
});
export type ProvisionStep = z.infer<typeof provisionStepSchema>;

export const provisionJobSchema = z.object({
  id: z.string(),
  kind: z.enum(['provision', 'decommission']),
  target: z.string().describe('user@host:port'),
  state: z.enum(['running', 'done', 'failed']),
  steps: z.array(provisionStepSchema),
  edgeId: z.string().nullable(),
  failedStep: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
});
export type ProvisionJob = z.infer<typeof provisionJobSchema>;

/** Where to provision over SSH (an edge, a runner): the key is used for the job only, never stored. */
export const sshTargetInput = {
  host: z.string().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, 'a host name or address'),
  sshPort: z.number().int().min(1).max(65535).default(22),
  user: z.string().min(1).max(32).regex(/^[a-z_][a-z0-9_-]*$/, 'a user name'),
  privateKey: z.string().min(1).max(16_384).describe('PEM/OpenSSH private key text; used for this job only, never stored'),
  /** Install under this folder instead of / (for tests on a shared machine). */
  root: z.string().max(256).regex(/^(\/[A-Za-z0-9._-]+)*$/, 'an absolute path').default(''),
};

/** An edge's region name, and an nginx cache size: what provisioning takes (and the autoscaler's config and provider). */
export const EDGE_REGION_PATTERN = /^[A-Za-z0-9 _.-]*$/;
export const CACHE_SIZE_PATTERN = /^\d{1,9}[kmgKMG]?$/;

export const provisionInputSchema = z
  .object({
    ...sshTargetInput,
    port: z.number().int().min(1).max(65535).default(8081).describe('The edge HTTP port'),
    region: z.string().max(64).regex(EDGE_REGION_PATTERN).default(''),
    origin: z.string().url().optional().describe('How the edge reaches this host (default: the URL of this request)'),
    publicUrl: z.string().url().optional(),
    cacheSize: z.string().regex(CACHE_SIZE_PATTERN).default('1g'),
  })
  .strict();
export const decommissionInputSchema = z.object({ ...sshTargetInput, edgeId: z.string().max(64).optional() }).strict();

export const cdnEvents = {
  'cdn.provision': event({ summary: 'A provisioning or decommission job moved on (one step)', payload: provisionJobSchema }),
  'cdn.edges': event({ summary: 'The edge list changed (registration, heartbeat health, removal)', payload: z.array(edgeSchema) }),
};

export const EDGE_SOCKET_PATH = '/api/v1/cdn/edge-socket';

export const cdnMethods = {
  'cdn.edges': method({
    tag: 'cdn',
    scope: 'cdn:read',
    summary: 'Edge nodes with health, hit ratio and last heartbeat',
    input: z.object({}).strict(),
    output: z.array(edgeSchema),
    http: { method: 'GET', path: '/cdn/edges' },
  }),
  'cdn.removeEdge': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Forget an edge (it is disconnected; it registers again if its agent still runs)',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/cdn/edges/:id' },
  }),
  'cdn.purge': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Purge objects from every edge by URL, prefix, regular expression or tag; waits for the connected edges',
    input: purgeRequestSchema,
    output: purgeResultSchema,
    http: { method: 'POST', path: '/cdn/purge' },
  }),
  'cdn.provision': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Provision (or upgrade) an edge over SSH; progress as cdn.provision events',
    input: provisionInputSchema,
    output: provisionJobSchema,
    http: { method: 'POST', path: '/cdn/provision', status: 202 },
  }),
  'cdn.decommission': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Stop an edge and remove what provisioning installed; progress as cdn.provision events',
    input: decommissionInputSchema,
    output: provisionJobSchema,
    http: { method: 'POST', path: '/cdn/decommission', status: 202 },
  }),
  'cdn.job': method({
    tag: 'cdn',
    scope: 'cdn:read',
    summary: 'A provisioning or decommission job with its steps and logs',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: provisionJobSchema,
    http: { method: 'GET', path: '/cdn/jobs/:id' },
  }),
  'cdn.drainEdge': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Drain an edge (no new viewers; those it has keep playing, purges still reach it) or, with draining false, put it back',
    input: z.object({ id: z.string().min(1).max(64), draining: z.boolean().default(true) }).strict(),
    output: edgeSchema,
    http: { method: 'POST', path: '/cdn/edges/:id/drain' },
  }),
  'cdn.playback': method({
    tag: 'cdn',
    scope: 'cdn:read',
    public: true,
    summary:
      'Where a viewer plays a stream: the origin and the edges in the order to try them. Callable without the API token ' +
      '(players call it): a public stream answers anyone; a private one needs the signature its player URL carries ' +
      '(exp, sig, ip) and answers signed edge URLs. Order: edges in rotation and not draining; the viewer\'s region ' +
      '(region=) first, then the same area, then the rest; then the least loaded (bytes/s per core); then the quickest ' +
      'data-plane probe. A player tries the first, moves on after a fatal error or a stall (see src-shared/edge-failover.ts).',
    input: z
      .object({
        name: z.string().min(1).max(64),
        region: z.string().max(64).optional().describe('The viewer\'s region, as the edges name theirs (`--region`)'),
        exp: z.string().max(16).optional().describe('Signature of a private stream\'s player URL'),
        sig: z.string().max(64).optional(),
        ip: z.string().max(2).optional(),
      })
      .strict(),
    output: z.object({
      origin: z.object({ hls: z.string(), dash: z.string() }),
      edges: z.array(
        z.object({
          id: z.string(),
          region: z.string(),
          hls: z.string(),
          dash: z.string(),
          regionMatch: z.enum(['region', 'area', 'none']).describe('How the edge\'s region matches the viewer\'s hint'),
          load: z.number().nullable().describe('Bytes/s per core sent over the last minute; null before its first stats'),
        }),
      ),
    }),
    http: { method: 'GET', path: '/cdn/streams/:name/playback' },
  }),
};
