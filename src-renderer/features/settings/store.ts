import { create } from 'zustand';
import type { ConfigView } from '../../../src-shared/contract/index.js';
import { call, onEvent, toClientError } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { changedValues, errorsByPath, toNestedPatch, validateEdits, type FieldErrors, type RawValue } from './form-model.js';

interface SettingsState {
  view: ConfigView | null;
  /** Only the fields the user touched; the others show the effective config. */
  edits: Record<string, RawValue>;
  /** From the host's last VALIDATION_FAILED answer; cleared field by field as they are edited. */
  serverErrors: FieldErrors;
  saving: boolean;
  load(): Promise<void>;
  edit(path: string, raw: RawValue): void;
  reset(): void;
  save(): Promise<void>;
}

export const useSettings = create<SettingsState>()((set, get) => ({
  view: null,
  edits: {},
  serverErrors: {},
  saving: false,

  async load() {
    try {
      set({ view: await call('config.get') });
    } catch (err) {
      toastError(err);
    }
  },

  edit(path, raw) {
    set((s) => {
      const { [path]: _cleared, ...serverErrors } = s.serverErrors;
      return { edits: { ...s.edits, [path]: raw }, serverErrors };
    });
  },

  reset() {
    set({ edits: {}, serverErrors: {} });
  },

  async save() {
    const { view, edits } = get();
    if (!view) return;
    const clientErrors = validateEdits(view.fields, view.config, edits);
    if (Object.keys(clientErrors).length > 0) {
      toastError({ code: 'VALIDATION_FAILED', message: `Check ${Object.keys(clientErrors).join(', ')}.` });
      return;
    }
    const changes = changedValues(view.fields, view.config, edits);
    const keys = Object.keys(changes);
    if (keys.length === 0) return;
    set({ saving: true });
    try {
      const next = await call('config.update', toNestedPatch(changes));
      set({ view: next, edits: {}, serverErrors: {} });
      const restart = keys.filter((k) => next.restartPending.includes(k));
      toastSuccess('Settings saved', restart.length > 0 ? `Restart the host to apply ${restart.join(', ')}.` : `${keys.join(', ')} changed.`);
    } catch (err) {
      const error = toClientError(err);
      if (error.code === 'VALIDATION_FAILED') set({ serverErrors: errorsByPath(error.fields, view.fields) });
      toastError(error);
    } finally {
      set({ saving: false });
    }
  },
}));

export function connectSettings(): void {
  // Another client (or this one) saved: show the new effective values; unsaved edits stay.
  onEvent('config.changed', ({ view }) => useSettings.setState({ view }));
}
