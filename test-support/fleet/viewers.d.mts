// Types of viewers.mjs for the TypeScript tests.
export class FetchError extends Error {
  kind: string;
}

export interface Phase {
  name: string;
  startedAt: number;
  endedAt?: number;
  requests: number;
  bytes: number;
  errors: number;
  errorsLowLatency: number;
  errorsByKind: Record<string, number>;
  errorsByEdge: Record<string, number>;
  stalls: number;
  stalledMs: number;
  playedMs: number;
  failovers: number;
  stallSwitches: number;
  /** Viewers that left an edge the playback order no longer listed (drained), without a failure. */
  drainMoves: number;
  samples: string[];
  /** Per stream label (ViewerSim.add's `stream`). */
  streams: Record<string, { requests: number; errors: number; stalls: number; stalledMs: number; playedMs: number }>;
}

export interface SimEdge {
  id: string;
  region: string;
  hls: string;
}

export interface Viewer {
  n: number;
  stream: string;
  lowLatency: boolean;
  region: string;
  edge: SimEdge | undefined;
  startupMs: number | null;
  playing: boolean;
  stalledSince: number | null;
  stalls: number;
  stalledMs: number;
  playedMs: number;
  errors: number;
  requests: number;
  bytes: number;
  fatal: string | null;
  latencies: { at: number; edge: string; ms: number }[];
  history: { edge: string; at: number; reason: string; firstMediaAt: number | null; playingAt: number | null }[];
  /** Brings the played and stalled time up to now. */
  tick(): void;
  /** Removed by ViewerSim.remove: no longer watching. */
  gone?: boolean;
}

export class ViewerSim {
  constructor(options: {
    playbackUrl: string;
    token?: string;
    delayMs?: (edgeUrl: string) => number;
    lowLatencyShare?: number;
    maxHeights?: number[];
    regions?: string[];
    maxSocketsPerEdge?: number;
  });
  viewers: Viewer[];
  phase: Phase;
  phases: Phase[];
  markPhase(name: string): Phase;
  add(count: number, options?: { rampMs?: number; playbackUrl?: string; stream?: string; lowLatencyShare?: number }): Promise<void>;
  /** Viewers still watching (not removed). */
  active(): Viewer[];
  /** `count` of the viewers still watching leave, spread evenly over them, over `rampMs`. */
  remove(count: number, options?: { rampMs?: number }): Promise<void>;
  cpu(): { share: number; wallMs: number };
  stop(): Promise<void>;
}

export function recoveryMs(viewer: Viewer, since: number, left: string): number;
