import { create } from 'zustand';
import type { Display, RemotePermission, RemoteSession } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';

interface RemoteState {
  loaded: boolean;
  displays: Display[];
  sessions: RemoteSession[];
  load(): Promise<void>;
  createDisplay(width: number, height: number): Promise<void>;
  deleteDisplay(id: string): Promise<void>;
  openSession(displayId: string, permission: RemotePermission): Promise<void>;
  endSession(id: string): Promise<void>;
}

export const useRemote = create<RemoteState>()((set, get) => ({
  loaded: false,
  displays: [],
  sessions: [],

  async load() {
    try {
      const [displays, sessions] = await Promise.all([call('displays.list', {}), call('remote.sessions.list', {})]);
      set({ loaded: true, displays, sessions });
    } catch (err) {
      toastError(err);
    }
  },

  async createDisplay(width, height) {
    try {
      const display = await call('displays.create', { width, height });
      toastSuccess('Virtual display created', `${display.name}, ${display.width}×${display.height}`);
      await get().load();
    } catch (err) {
      toastError(err);
    }
  },

  async deleteDisplay(id) {
    try {
      await call('displays.delete', { id });
      await get().load();
    } catch (err) {
      toastError(err);
    }
  },

  async openSession(displayId, permission) {
    try {
      await call('remote.sessions.create', { displayId, permission });
      await get().load();
    } catch (err) {
      toastError(err);
    }
  },

  async endSession(id) {
    try {
      await call('remote.sessions.end', { id });
      await get().load();
    } catch (err) {
      toastError(err);
    }
  },
}));
