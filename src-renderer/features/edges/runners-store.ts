import { create } from 'zustand';
import type { RunnerInfo, ScalingStatus } from '../../../src-shared/contract/index.js';
import { call, onConnection, onEvent } from '../../api/client.js';
import { attempt, toastSuccess } from '../../ui/toast-store.js';
import { rememberNames, type RunnerNames } from './runners-model.js';

interface RunnersState {
  loaded: boolean;
  runners: RunnerInfo[];
  /** Id -> name of every runner seen in this session (the library names a job's runner with it). */
  names: RunnerNames;
  /** The autoscaler's status (policy, members, decisions, load against capacity); null until loaded. */
  scaling: ScalingStatus | null;
  load(): Promise<void>;
  loadScaling(): Promise<void>;
  /** Disconnects a runner: its jobs go back to the queue (its process, if it still runs, connects again). */
  remove(id: string): Promise<boolean>;
}

const take = (runners: RunnerInfo[]): void => useRunners.setState((s) => ({ loaded: true, runners, names: rememberNames(s.names, runners) }));

export const useRunners = create<RunnersState>()((_set, get) => ({
  loaded: false,
  runners: [],
  names: {},
  scaling: null,

  async loadScaling() {
    const scaling = await attempt(() => call('scaling.status', {}));
    if (scaling) useRunners.setState({ scaling });
  },

  async load() {
    const runners = await attempt(() => call('runners.list', {}));
    if (runners) take(runners);
  },

  async remove(id) {
    const name = get().runners.find((r) => r.id === id)?.name ?? id;
    const result = await attempt(() => call('runners.remove', { id }));
    if (!result) return false;
    // The runners.changed event brings the list without it; this only spares the wait.
    if (result.removed) take(get().runners.filter((r) => r.id !== id));
    toastSuccess('Runner removed', result.removed ? `${name} was disconnected; its jobs went back to the queue` : `${name} had already left`);
    return true;
  },
}));

export function connectRunners(): void {
  // The socket replays the latest list on (re)connection; a list loaded once is refreshed all the same.
  onConnection((state) => {
    if (state === 'live' && useRunners.getState().loaded) void useRunners.getState().load();
  });
  onEvent('runners.changed', (runners) => take(runners));
  // Events leave the samples out: the ones read last stay until the next read.
  onEvent('scaling.changed', (scaling) => useRunners.setState((s) => ({ scaling: { ...scaling, samples: s.scaling?.samples ?? [] } })));
}
