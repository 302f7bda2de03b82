import type { PurgeRequest, PurgeResult } from '../../src-shared/contract/cdn.js';
import type { EdgeInfo } from '../../src-shared/contract/cdn.js';
import type { Handlers } from './dispatch.js';

/** What the CDN methods need from the edge registry and the stream service. */
export interface CdnHandlerDeps {
  edges(): EdgeInfo[];
  healthyEdges(): EdgeInfo[];
  removeEdge(id: string): void;
  purge(request: PurgeRequest): Promise<PurgeResult>;
  /** Playback paths of a stream (throws NOT_FOUND for an unknown one). */
  playbackPaths(name: string): { hls: string; dash: string };
}

type CdnMethod = 'cdn.edges' | 'cdn.removeEdge' | 'cdn.purge' | 'cdn.playback';

export function createCdnHandlers(deps: CdnHandlerDeps): Pick<Handlers, CdnMethod> {
  return {
    'cdn.edges': () => deps.edges(),
    'cdn.removeEdge': ({ id }) => {
      deps.removeEdge(id);
      return { id, deleted: true as const };
    },
    'cdn.purge': (request) => deps.purge(request),
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
