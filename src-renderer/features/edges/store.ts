import { create } from 'zustand';
import type { EdgeInfo, ProvisionJob, PurgeRequest, PurgeResult } from '../../../src-shared/contract/index.js';
import { call, onConnection, onEvent } from '../../api/client.js';
import { attempt } from '../../ui/toast-store.js';
import { connectFunctions, useFunctions } from './functions-store.js';
import { appendEdgeSample, EMPTY_EDGE_SERIES, type EdgeSeries } from './model.js';
import { connectRunners } from './runners-store.js';

export interface SshForm {
  host: string;
  sshPort: number;
  user: string;
  privateKey: string;
}

interface EdgesState {
  loaded: boolean;
  edges: EdgeInfo[];
  series: Record<string, EdgeSeries>;
  jobs: Record<string, ProvisionJob>;
  lastPurge: PurgeResult | null;
  load(): Promise<void>;
  purge(request: PurgeRequest): Promise<PurgeResult | null>;
  provision(input: SshForm & { port: number; region: string }): Promise<ProvisionJob | null>;
  decommission(input: SshForm & { edgeId: string }): Promise<ProvisionJob | null>;
  provisionRunner(input: SshForm & { name?: string; slots: number }): Promise<ProvisionJob | null>;
  decommissionRunner(input: SshForm & { runnerId?: string }): Promise<ProvisionJob | null>;
  /** Drain an edge (no new viewers) or put it back. */
  drain(id: string, draining: boolean): Promise<void>;
}

const take = (edges: EdgeInfo[]): void =>
  useEdges.setState((s) => {
    const series = { ...s.series };
    // One timestamp for the whole list, so that the edges share the charts' time axis.
    const at = Date.now();
    for (const edge of edges) series[edge.id] = appendEdgeSample(series[edge.id] ?? EMPTY_EDGE_SERIES, edge, at);
    return { loaded: true, edges, series };
  });

// The call's answer can arrive after the job's later events (a job that fails at once): never go back.
const keepJob = (job: ProvisionJob): void =>
  useEdges.setState((s) => {
    const known = s.jobs[job.id];
    if (known && (known.state !== 'running' || known.steps.length > job.steps.length) && job.state === 'running') return s;
    return { jobs: { ...s.jobs, [job.id]: job } };
  });


/** Starts a provisioning or decommission job and keeps it (its steps then come as events). */
const startJob = (run: () => Promise<ProvisionJob>): Promise<ProvisionJob | null> =>
  attempt(async () => {
    const job = await run();
    keepJob(job);
    return job;
  });

export const useEdges = create<EdgesState>()(() => ({
  loaded: false,
  edges: [],
  series: {},
  jobs: {},
  lastPurge: null,

  async load() {
    const edges = await attempt(() => call('cdn.edges', {}));
    if (edges) take(edges);
  },

  purge: (request) =>
    attempt(async () => {
      const result = await call('cdn.purge', request);
      // The purge form says how it went, where it was asked for (no toast: it covered the player below).
      useEdges.setState({ lastPurge: result });
      return result;
    }),

  provision: (input) => startJob(() => call('cdn.provision', input)),
  decommission: (input) => startJob(() => call('cdn.decommission', input)),
  provisionRunner: (input) => startJob(() => call('runners.provision', input)),
  decommissionRunner: (input) => startJob(() => call('runners.decommission', input)),

  async drain(id, draining) {
    const edge = await attempt(() => call('cdn.drainEdge', { id, draining }));
    if (edge) take(useEdges.getState().edges.map((e) => (e.id === id ? edge : e)));
  },
}));

export function connectEdges(): void {
  onConnection((state) => {
    if (state === 'live') {
      void useEdges.getState().load();
      void useFunctions.getState().load();
    }
  });
  onEvent('cdn.edges', (edges) => take(edges));
  onEvent('cdn.provision', (job) => keepJob(job));
  connectFunctions();
  connectRunners();
}
