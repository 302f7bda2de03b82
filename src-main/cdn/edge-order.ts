import crypto from 'node:crypto';
import type { EdgeInfo } from '../../src-shared/contract/cdn.js';

/**
 * The order a viewer is given the edges in (`cdn.playback`), as a pure function of the registry's list,
 * the viewer's region hint and a viewer key:
 *
 *   1. only edges in rotation (healthy) and not draining: a draining edge keeps its viewers but gets
 *      no new ones, so it drops out of the list before anything else is weighed;
 *   2. region: the viewer's region first (`eu-west` = `eu-west`), then the same area (`eu-west` ~
 *      `eu-central`, the part before the first `-`), then the rest; no hint: all alike;
 *   3. load: bytes sent per second per core over the last minute (`edgeLoad`), compared in steps of
 *      `LOAD_STEP_BPS` so that two edges a few kB/s apart count as equal rather than flapping;
 *   4. health: the edge's own data-plane probe time, in steps of `PROBE_STEP_MS`;
 *   5. equal on all of that: a hash of (viewer key, edge id) (rendezvous hashing), so that viewers
 *      joining at once spread over equal edges instead of all taking the first, and one viewer gets
 *      the same order on every call.
 */
export interface ViewerHint {
  /** The viewer's region as it names it (`?region=`); empty or absent: no preference. */
  region?: string | null;
  /** Stable per viewer (its address): ties between equal edges break the same way for it every time. */
  key?: string;
}

export interface OrderedEdge {
  edge: EdgeInfo;
  /** 0: the viewer's region, 1: the same area, 2: elsewhere (or no hint). */
  regionRank: 0 | 1 | 2;
  /** Bytes/s per core over the last minute; null when the edge reported no stats yet. */
  load: number | null;
}

/** Loads closer than this (bytes/s per core, 10 Mbit/s) are the same load. */
export const LOAD_STEP_BPS = 1_250_000;
/** Probe times closer than this are the same health. */
export const PROBE_STEP_MS = 50;

/** Bytes/s per core over the last minute, from the edge's heartbeat stats (a missing core count is 1). */
export function edgeLoad(edge: Pick<EdgeInfo, 'stats'>): number | null {
  if (!edge.stats) return null;
  return edge.stats.bytes / 60 / Math.max(1, edge.stats.cores ?? 1);
}

export function regionRank(edgeRegion: string, viewerRegion: string | null | undefined): 0 | 1 | 2 {
  const viewer = (viewerRegion ?? '').trim().toLowerCase();
  const edge = edgeRegion.trim().toLowerCase();
  if (!viewer || !edge) return 2;
  if (viewer === edge) return 0;
  const area = (s: string): string => s.split('-')[0]!;
  return area(viewer) === area(edge) ? 1 : 2;
}

function tieBreak(key: string, id: string): string {
  return crypto.createHash('sha1').update(`${key}\n${id}`).digest('hex');
}

export function orderEdges(edges: readonly EdgeInfo[], viewer: ViewerHint = {}): OrderedEdge[] {
  const key = viewer.key ?? '';
  const ranked = edges
    .filter((edge) => edge.healthy && !edge.draining)
    .map((edge) => {
      const load = edgeLoad(edge);
      return {
        entry: { edge, regionRank: regionRank(edge.region, viewer.region), load },
        loadStep: Math.floor((load ?? 0) / LOAD_STEP_BPS),
        probeStep: Math.floor((edge.stats?.dataPlane?.ms ?? 0) / PROBE_STEP_MS),
        tie: tieBreak(key, edge.id),
      };
    });
  ranked.sort(
    (a, b) =>
      a.entry.regionRank - b.entry.regionRank ||
      a.loadStep - b.loadStep ||
      a.probeStep - b.probeStep ||
      (a.tie < b.tie ? -1 : a.tie > b.tie ? 1 : 0) ||
      a.entry.edge.id.localeCompare(b.entry.edge.id),
  );
  return ranked.map((r) => r.entry);
}
