import type { z } from 'zod';
import type { decommissionInputSchema, EdgeInfo, provisionInputSchema, ProvisionJob, PurgeRequest, PurgeResult } from '../../src-shared/contract/cdn.js';
import { StudioError } from '../core/errors.js';
import type { Handlers } from './dispatch.js';

/** What the CDN methods need from the edge registry and the stream service. */
export interface CdnHandlerDeps {
  edges(): EdgeInfo[];
  healthyEdges(): EdgeInfo[];
  removeEdge(id: string): void;
  purge(request: PurgeRequest): Promise<PurgeResult>;
  /** Playback paths of a stream (throws NOT_FOUND for an unknown one). */
  playbackPaths(name: string): { hls: string; dash: string };
  provision(input: z.output<typeof provisionInputSchema> & { origin: string }): ProvisionJob;
  decommission(input: z.output<typeof decommissionInputSchema>): ProvisionJob;
  job(id: string): ProvisionJob;
}

type CdnMethod = 'cdn.edges' | 'cdn.removeEdge' | 'cdn.purge' | 'cdn.playback' | 'cdn.provision' | 'cdn.decommission' | 'cdn.job';

export function createCdnHandlers(deps: CdnHandlerDeps): Pick<Handlers, CdnMethod> {
  return {
    'cdn.edges': () => deps.edges(),
    'cdn.removeEdge': ({ id }) => {
      deps.removeEdge(id);
      return { id, deleted: true as const };
    },
    'cdn.purge': (request) => deps.purge(request),
    'cdn.provision': (input, ctx) => {
      const origin = input.origin ?? ctx.baseUrl;
      if (!origin) throw new StudioError('VALIDATION_FAILED', 'origin: give the URL the edge reaches this host at', { fields: [{ path: 'origin', message: 'required' }] });
      return deps.provision({ ...input, origin });
    },
    'cdn.decommission': (input) => deps.decommission(input),
    'cdn.job': ({ id }) => deps.job(id),
    'cdn.playback': ({ name }, ctx) => {
      const paths = deps.playbackPaths(name);
      const base = ctx.baseUrl ?? '';
      return {
        origin: { hls: base + paths.hls, dash: base + paths.dash },
        edges: deps.healthyEdges().map((e) => ({ id: e.id, region: e.region, hls: e.url + paths.hls, dash: e.url + paths.dash })),
      };
    },
  };
}
