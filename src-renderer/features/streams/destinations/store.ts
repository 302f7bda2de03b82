import { create } from 'zustand';
import type { Destination, MethodInput, MethodOutput } from '../../../../src-shared/contract/index.js';
import { call, onConnection, onEvent, toClientError } from '../../../api/client.js';
import { toastError, toastSuccess } from '../../../ui/toast-store.js';

export type DestinationPreset = MethodOutput<'destinations.presets'>[number];
export type DestinationInput = MethodInput<'destinations.create'>;
type DestinationPatch = Omit<MethodInput<'destinations.update'>, 'name' | 'id'>;

interface DestinationsState {
  presets: DestinationPreset[] | null;
  /** Destinations per stream, by id; a stream is absent until its list was loaded. */
  byStream: Record<string, Record<string, Destination>>;
  loadPresets(): Promise<void>;
  load(name: string): Promise<void>;
  /** Resolves to the host's field errors (`{url: 'must start with rtmp://'}`), or null on success. */
  create(input: DestinationInput): Promise<Record<string, string> | null>;
  update(name: string, id: string, patch: DestinationPatch): Promise<void>;
  remove(name: string, id: string): Promise<void>;
  start(name: string, id: string): Promise<void>;
  stop(name: string, id: string): Promise<void>;
}

function keep(destination: Destination): void {
  useDestinations.setState((s) => ({
    byStream: { ...s.byStream, [destination.stream]: { ...s.byStream[destination.stream], [destination.id]: destination } },
  }));
}

function forget(name: string, id: string): void {
  useDestinations.setState((s) => {
    const { [id]: _gone, ...rest } = s.byStream[name] ?? {};
    return { byStream: { ...s.byStream, [name]: rest } };
  });
}

/** One action on one destination: the answer replaces it, a failure becomes a toast. */
async function keepOrToast(pending: Promise<Destination>): Promise<void> {
  try {
    keep(await pending);
  } catch (err) {
    toastError(err);
  }
}

export const useDestinations = create<DestinationsState>()((set, get) => ({
  presets: null,
  byStream: {},

  async loadPresets() {
    if (get().presets) return;
    try {
      set({ presets: await call('destinations.presets') });
    } catch {
      // Presets only fill the form: without them the URL is typed by hand.
      set({ presets: [] });
    }
  },

  async load(name) {
    try {
      const list = await call('destinations.list', { name });
      set((s) => ({ byStream: { ...s.byStream, [name]: Object.fromEntries(list.map((d) => [d.id, d])) } }));
    } catch (err) {
      toastError(err);
    }
  },

  async create(input) {
    try {
      const destination = await call('destinations.create', input);
      keep(destination);
      toastSuccess('Destination added', destination.label);
      return null;
    } catch (err) {
      const error = toClientError(err);
      // As for a new stream: the toast says what happened, the field says where.
      toastError(error);
      return Object.fromEntries(error.fields.map((f) => [f.path, f.message]));
    }
  },

  update: (name, id, patch) => keepOrToast(call('destinations.update', { ...patch, name, id })),
  start: (name, id) => keepOrToast(call('destinations.start', { name, id })),
  stop: (name, id) => keepOrToast(call('destinations.stop', { name, id })),

  async remove(name, id) {
    try {
      await call('destinations.delete', { name, id });
      forget(name, id);
    } catch (err) {
      toastError(err);
    }
  },
}));

/** Loads one stream's destinations and follows them while its detail is open; returns the unsubscribe. */
export function watchDestinations(name: string): () => void {
  const { load, loadPresets } = useDestinations.getState();
  void load(name);
  void loadPresets();
  const offConnection = onConnection((state) => {
    if (state === 'live') void load(name);
  });
  const offEvent = onEvent('destination.changed', ({ stream, id, destination }) => {
    if (stream !== name) return;
    if (destination) keep(destination);
    else forget(stream, id);
  });
  return () => {
    offConnection();
    offEvent();
  };
}
