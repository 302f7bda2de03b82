import { create } from 'zustand';
import type { MethodInput, Scene, SceneItem, Source, StudioSettings, StudioState } from '../../../src-shared/contract/index.js';
import type { OverlayPart } from '../../../src-shared/overlay-state.js';
import { call, onEvent } from '../../api/client.js';
import { OVERLAY_BOX } from '../../studio/sources/overlay-layout.js';
import { toastError } from '../../ui/toast-store.js';

interface StudioStore {
  state: StudioState | null;
  /** The scene the editor shows: the preview scene in studio mode, else the program scene. */
  selectedItemId: string | null;
  load(): Promise<void>;
  apply(state: StudioState): void;
  select(itemId: string | null): void;
  createScene(name: string): Promise<Scene | null>;
  updateScene(input: MethodInput<'scenes.update'>): Promise<void>;
  deleteScene(id: string): Promise<void>;
  addSource(input: MethodInput<'scenes.addSource'>, placeIn?: string): Promise<Source | null>;
  updateSource(input: MethodInput<'scenes.updateSource'>): Promise<void>;
  removeSource(id: string): Promise<void>;
  updateStudio(patch: Partial<StudioSettings>): Promise<void>;
}

/** A change through the API; the host answers with `scenes.changed`, which brings the new state. */
async function change<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    toastError(err);
    return null;
  }
}

/** Where a new source goes in a scene: full picture for cameras, screens and colours, an overlay where its page puts it, centred for the rest. */
export function defaultPlacement(source: Source, program: { width: number; height: number }): Omit<SceneItem, 'id'> {
  const s = source.settings;
  const full = ['camera', 'screen', 'color', 'stream', 'guest', 'video', 'slideshow'].includes(s.kind);
  const w = full ? program.width : Math.round(program.width / 3);
  const h = full ? program.height : Math.round(program.height / 4);
  const box = s.kind === 'overlay' ? overlayPlacement(s.part, program) : { x: Math.round((program.width - w) / 2), y: full ? 0 : Math.round(program.height - h - program.height / 12), width: w, height: h };
  return {
    sourceId: source.id,
    visible: true,
    locked: false,
    ...box,
    rotationDeg: 0,
    opacity: 1,
    crop: { left: 0, top: 0, right: 0, bottom: 0 },
    chromaKey: null,
    color: null,
  };
}

/** An overlay at its picture's aspect, scaled as on a 1080p program, where the overlay page puts it. */
export function overlayPlacement(part: OverlayPart, program: { width: number; height: number }): { x: number; y: number; width: number; height: number } {
  const k = program.height / 1080;
  const width = Math.round(OVERLAY_BOX[part].width * k);
  const height = Math.round(OVERLAY_BOX[part].height * k);
  const x = part === 'poll' ? 0 : part === 'score' ? Math.round((program.width - width) / 2) : program.width - width;
  const y = part === 'poll' || part === 'chat' ? program.height - height : 0;
  return { x, y, width, height };
}

type Get = () => StudioStore;
type Set = (partial: Partial<StudioStore>) => void;

/**
 * A change shown before the host confirms it (the host's `scenes.changed` brings the settled state);
 * refused, and nothing newer came meanwhile, the state goes back to what it was.
 */
function optimistic(get: Get, set: Set, apply: (state: StudioState) => StudioState, send: () => Promise<unknown>): Promise<void> {
  const before = get().state;
  if (before) set({ state: apply(before) });
  return send().then((done) => {
    const now = get().state;
    if (done === null && before && now && now.revision === before.revision) set({ state: before });
  });
}

export const useStudio = create<StudioStore>()((set, get) => ({
  state: null,
  selectedItemId: null,

  async load() {
    const state = await change(() => call('scenes.list', {}));
    if (state) get().apply(state);
  },
  apply(state) {
    const current = get().state;
    if (current && current.revision > state.revision) return;
    set({ state });
  },
  select: (selectedItemId) => set({ selectedItemId }),
  createScene: (name) => change(() => call('scenes.create', { name })),
  updateScene: async (input) => {
    // Shown at once, so a second change made before the host answers builds on this one.
    const { id, ...patch } = input;
    await optimistic(get, set, (st) => ({ ...st, scenes: st.scenes.map((sc) => (sc.id === id ? ({ ...sc, ...patch } as Scene) : sc)) }), () => change(() => call('scenes.update', input)));
  },
  deleteScene: async (id) => {
    await change(() => call('scenes.delete', { id }));
  },
  addSource: async (input, placeIn) => {
    const source = await change(() => call('scenes.addSource', input));
    const state = get().state;
    const scene = state?.scenes.find((s) => s.id === placeIn);
    if (source && scene && state) {
      await change(() => call('scenes.update', { id: scene.id, items: [...scene.items, defaultPlacement(source, state.studio)] }));
    }
    return source;
  },
  updateSource: async (input) => {
    // The host merges `audio` key by key and replaces `settings`: the same here, at once.
    await optimistic(
      get,
      set,
      (st) => ({
        ...st,
        sources: st.sources.map((so) =>
          so.id === input.id ? ({ ...so, ...(input.name !== undefined ? { name: input.name } : {}), ...(input.settings ? { settings: input.settings } : {}), audio: { ...so.audio, ...input.audio } } as Source) : so,
        ),
      }),
      () => change(() => call('scenes.updateSource', input)),
    );
  },
  removeSource: async (id) => {
    await change(() => call('scenes.removeSource', { id }));
  },
  updateStudio: async (patch) => {
    // A checkbox or a select follows the click; the host's answer (scenes.changed) settles it.
    await optimistic(get, set, (st) => ({ ...st, studio: { ...st.studio, ...patch } }), () => change(() => call('scenes.updateStudio', patch)));
  },
}));

/** Follows every window's changes. */
export function connectStudio(): void {
  onEvent('scenes.changed', (e) => useStudio.getState().apply(e.state));
}

/** The scene being edited: the preview scene in studio mode, else the program scene. */
export function editedScene(state: StudioState | null): Scene | null {
  if (!state) return null;
  const id = state.studio.studioMode ? state.studio.previewSceneId : state.studio.programSceneId;
  return state.scenes.find((s) => s.id === id) ?? state.scenes[0] ?? null;
}
