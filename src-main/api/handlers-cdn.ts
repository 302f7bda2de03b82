import type { z } from 'zod';
import type { decommissionInputSchema, EdgeInfo, provisionInputSchema, ProvisionJob, PurgeRequest, PurgeResult } from '../../src-shared/contract/cdn.js';
import { orderEdges } from '../cdn/edge-order.js';
import { StudioError } from '../core/errors.js';
import { signatureQueryOf, type QueryLike, type VerifyResult } from '../protocols/signing.js';
import type { CallContext, Handlers } from './dispatch.js';
import type { EdgeFunctions } from '../cdn/edge-functions.js';
import { EDGE_FUNCTION_TEMPLATES } from '../../src-shared/edge-functions.js';

/** What the CDN methods need from the edge registry and the stream service. */
export interface CdnHandlerDeps {
  edges(): EdgeInfo[];
  removeEdge(id: string): void;
  setDraining(id: string, draining: boolean): EdgeInfo;
  purge(request: PurgeRequest): Promise<PurgeResult>;
  /** Playback paths of a stream and whether it is private (throws NOT_FOUND for an unknown one). */
  playbackPaths(name: string): { hls: string; dash: string; private: boolean };
  /** Checks a viewer's signature for stream `name`, as the playback routes do. */
  verifySignature(name: string, query: QueryLike, remoteIp: string): VerifyResult;
  /** The signed download path of complete recording `id` (throws NOT_FOUND, or CONFLICT while it is not complete). */
  recordingDownloadPath(id: string, expiresInSec: number): string;
  /** The signed playback path of recording `id`'s VOD (throws NOT_FOUND, or CONFLICT while it has no VOD). */
  recordingPlaybackPaths(id: string, expiresInSec: number): { hls: string; dash: string };
  /** A fresh signature query (`exp=..&sig=..`) for stream `name`, for an operator's own player. */
  signQuery(name: string, expiresInSec: number): string;
  provision(input: z.output<typeof provisionInputSchema> & { origin: string }): ProvisionJob;
  decommission(input: z.output<typeof decommissionInputSchema>): ProvisionJob;
  job(id: string): ProvisionJob;
  functions: Pick<EdgeFunctions, 'list' | 'get' | 'create' | 'update' | 'remove' | 'rollback' | 'promote'>;
}

type CdnMethod =
  | 'cdn.edges'
  | 'cdn.removeEdge'
  | 'cdn.drainEdge'
  | 'cdn.purge'
  | 'cdn.playback'
  | 'cdn.provision'
  | 'cdn.decommission'
  | 'cdn.job'
  | 'cdn.functions'
  | 'cdn.function'
  | 'cdn.createFunction'
  | 'cdn.updateFunction'
  | 'cdn.deleteFunction'
  | 'cdn.rollbackFunction'
  | 'cdn.promoteFunction'
  | 'cdn.functionTemplates'
  | 'recordings.download'
  | 'recordings.playback';

/** Who changed a function, for the audit log. */
const actorOf = (ctx: CallContext): string => ctx.principal?.userName ?? 'system';

/** How long the edge URLs handed to an operator's player for a private stream stay valid. */
const OPERATOR_SIGNATURE_SEC = 3600;

export function createCdnHandlers(deps: CdnHandlerDeps): Pick<Handlers, CdnMethod> {
  /**
   * The query a stream's playback URLs need: none for a public stream; for a private one, a viewer's
   * own signature (checked here: the method is public) or, for an operator, a fresh one.
   */
  const signatureFor = (name: string, isPrivate: boolean, given: QueryLike, ctx: CallContext): string => {
    if (!isPrivate) return '';
    if (!ctx.anonymous) return `?${deps.signQuery(name, OPERATOR_SIGNATURE_SEC)}`;
    const verdict = deps.verifySignature(name, given, ctx.remoteAddress ?? '');
    if (!verdict.ok) throw new StudioError('FORBIDDEN', `stream "${name}" is private: give the signature of its player URL (${verdict.reason.replace('_', ' ')})`);
    return `?${signatureQueryOf(given)}`;
  };

  /** A signed recording path at every edge, in rotation (the `region`'s edges first). */
  const atEdges = (pathAndQuery: string, region: string | undefined, ctx: CallContext) =>
    orderEdges(deps.edges(), { region: region ?? null, key: ctx.remoteAddress ?? '' }).map(({ edge }) => ({ id: edge.id, region: edge.region, url: edge.url + pathAndQuery }));

  return {
    'cdn.edges': () => deps.edges(),
    'cdn.removeEdge': ({ id }) => {
      deps.removeEdge(id);
      return { id, deleted: true as const };
    },
    'cdn.drainEdge': ({ id, draining }) => deps.setDraining(id, draining),
    'cdn.purge': (request) => deps.purge(request),
    'cdn.provision': (input, ctx) => {
      const origin = input.origin ?? ctx.baseUrl;
      if (!origin) throw new StudioError('VALIDATION_FAILED', 'origin: give the URL the edge reaches this host at', { fields: [{ path: 'origin', message: 'required' }] });
      return deps.provision({ ...input, origin });
    },
    'cdn.decommission': (input) => deps.decommission(input),
    'cdn.job': ({ id }) => deps.job(id),
    'cdn.functions': () => deps.functions.list(),
    'cdn.function': ({ name }) => deps.functions.get(name),
    'cdn.createFunction': (input, ctx) => deps.functions.create(input, actorOf(ctx)),
    'cdn.updateFunction': ({ name, ...edits }, ctx) => deps.functions.update(name, edits, actorOf(ctx)),
    'cdn.deleteFunction': ({ name }, ctx) => deps.functions.remove(name, actorOf(ctx)),
    'cdn.rollbackFunction': ({ name, version }, ctx) => deps.functions.rollback(name, version, actorOf(ctx)),
    'cdn.promoteFunction': ({ name }, ctx) => deps.functions.promote(name, actorOf(ctx)),
    'cdn.functionTemplates': () => EDGE_FUNCTION_TEMPLATES.map((t) => ({ ...t })),
    'recordings.download': ({ id, expiresInSec, region }, ctx) => {
      const pathAndQuery = deps.recordingDownloadPath(id, expiresInSec);
      return { url: (ctx.baseUrl ?? '') + pathAndQuery, expiresAt: Date.now() + expiresInSec * 1000, edges: atEdges(pathAndQuery, region, ctx) };
    },
    'recordings.playback': ({ id, expiresInSec, region }, ctx) => {
      const paths = deps.recordingPlaybackPaths(id, expiresInSec);
      const dash = atEdges(paths.dash, region, ctx);
      return {
        hls: (ctx.baseUrl ?? '') + paths.hls,
        dash: (ctx.baseUrl ?? '') + paths.dash,
        expiresAt: Date.now() + expiresInSec * 1000,
        edges: atEdges(paths.hls, region, ctx).map(({ url, ...edge }, i) => ({ ...edge, hls: url, dash: dash[i]!.url })),
      };
    },
    'cdn.playback': ({ name, region, exp, sig, ip }, ctx) => {
      const paths = deps.playbackPaths(name);
      const query = signatureFor(name, paths.private, { exp, sig, ip }, ctx);
      const base = ctx.baseUrl ?? '';
      const match = ['region', 'area', 'none'] as const;
      return {
        origin: { hls: base + paths.hls + query, dash: base + paths.dash + query },
        edges: orderEdges(deps.edges(), { region: region ?? null, key: ctx.remoteAddress ?? '' }).map(({ edge, regionRank, load }) => ({
          id: edge.id,
          region: edge.region,
          hls: edge.url + paths.hls + query,
          dash: edge.url + paths.dash + query,
          regionMatch: match[regionRank],
          load: load === null ? null : Math.round(load),
        })),
      };
    },
  };
}
