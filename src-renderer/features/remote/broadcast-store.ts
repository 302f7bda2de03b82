import { create } from 'zustand';
import type { Broadcast, DisplayWindow, MethodInput } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';

interface BroadcastsState {
  broadcasts: Broadcast[];
  /** Names of the streams a display can be broadcast into. */
  streams: string[];
  /** Windows of each display, as last listed. */
  windows: Record<string, DisplayWindow[]>;
  load(): Promise<void>;
  loadWindows(displayId: string): Promise<void>;
  /** Resolves to true when the broadcast started. */
  start(input: MethodInput<'broadcasts.create'>): Promise<boolean>;
  stop(id: string): Promise<void>;
  /** A broadcast.changed event: the broadcast, or null when it stopped. */
  apply(id: string, broadcast: Broadcast | null): void;
}

export const useBroadcasts = create<BroadcastsState>()((set) => ({
  broadcasts: [],
  streams: [],
  windows: {},

  async load() {
    try {
      const [broadcasts, streams] = await Promise.all([call('broadcasts.list', {}), call('streams.list')]);
      set({ broadcasts, streams: streams.map((s) => s.name) });
    } catch (err) {
      toastError(err);
    }
  },

  async loadWindows(displayId) {
    try {
      const windows = await call('displays.windows', { id: displayId });
      set((s) => ({ windows: { ...s.windows, [displayId]: windows } }));
    } catch (err) {
      toastError(err);
    }
  },

  async start(input) {
    try {
      const broadcast = await call('broadcasts.create', input);
      useBroadcasts.getState().apply(broadcast.id, broadcast);
      toastSuccess('Broadcast started', `into stream ${broadcast.stream}`);
      return true;
    } catch (err) {
      toastError(err);
      return false;
    }
  },

  async stop(id) {
    try {
      await call('broadcasts.delete', { id });
      useBroadcasts.getState().apply(id, null);
    } catch (err) {
      toastError(err);
    }
  },

  apply: (id, broadcast) =>
    set((s) => {
      const others = s.broadcasts.filter((b) => b.id !== id);
      return { broadcasts: broadcast ? [...others, broadcast].sort((a, b) => a.startedAt - b.startedAt) : others };
    }),
}));
