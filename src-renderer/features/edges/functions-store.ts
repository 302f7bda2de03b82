import { create } from 'zustand';
import type { EdgeFunction } from '../../../src-shared/contract/index.js';
import type { EdgeFunctionTemplate } from '../../../src-shared/edge-functions.js';
import { call, onEvent } from '../../api/client.js';
import { attempt, toastSuccess } from '../../ui/toast-store.js';

interface FunctionsState {
  loaded: boolean;
  functions: EdgeFunction[];
  templates: EdgeFunctionTemplate[];
  load(): Promise<void>;
  /** Keeps a function the host answered with (its events follow). */
  keep(fn: EdgeFunction): void;
  rollback(name: string): Promise<void>;
  promote(name: string): Promise<void>;
  setEnabled(name: string, enabled: boolean): Promise<void>;
  remove(name: string): Promise<void>;
}

export const useFunctions = create<FunctionsState>()((set, get) => ({
  loaded: false,
  functions: [],
  templates: [],

  async load() {
    const [functions, templates] = await Promise.all([attempt(() => call('cdn.functions', {})), get().templates.length > 0 ? get().templates : attempt(() => call('cdn.functionTemplates', {}))]);
    if (functions) set({ loaded: true, functions });
    if (templates) set({ templates });
  },

  keep(fn) {
    set((s) => ({ functions: s.functions.some((f) => f.name === fn.name) ? s.functions.map((f) => (f.name === fn.name ? fn : f)) : [...s.functions, fn] }));
  },

  async rollback(name) {
    const fn = await attempt(() => call('cdn.rollbackFunction', { name }));
    if (fn) {
      get().keep(fn);
      toastSuccess('Rolled back', fn.version === null ? `${name} runs on no edge now` : `${name} runs version ${fn.version} on every edge`);
    }
  },

  async promote(name) {
    const fn = await attempt(() => call('cdn.promoteFunction', { name }));
    if (fn) get().keep(fn);
  },

  async setEnabled(name, enabled) {
    const fn = await attempt(() => call('cdn.updateFunction', { name, enabled }));
    if (fn) get().keep(fn);
  },

  async remove(name) {
    const done = await attempt(() => call('cdn.deleteFunction', { name }));
    if (done) set((s) => ({ functions: s.functions.filter((f) => f.name !== name) }));
  },
}));

export function connectFunctions(): void {
  onEvent('cdn.functions', (functions) => useFunctions.setState({ loaded: true, functions }));
}
