import crypto from 'node:crypto';
import {
  SCENE_FILE_FORMAT,
  audioSettingsSchema,
  type AudioSettings,
  type MethodInput,
  type Scene,
  type SceneCollection,
  type SceneItem,
  type Source,
  type StudioSettings,
  type StudioState,
} from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import { StudioError } from '../core/errors.js';
import type { SceneStore } from '../store/scenes.js';
import { checkItems, defaultState, readCollection, settleSceneRefs } from './scene-rules.js';

export const MAX_SOURCES = 500;
export const MAX_SCENES = 200;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newId(prefix: 'scn' | 'src' | 'itm'): string {
  const bytes = crypto.randomBytes(10);
  return `${prefix}_${[...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
}

type What = 'scene' | 'source' | 'studio' | 'collection';
type ItemInput = Omit<SceneItem, 'id'> & { id?: string | undefined };

/**
 * The studio's show, kept by the host: every change is checked (items name existing sources; a
 * source keeps its kind), written in one transaction, raises the revision and goes out to every
 * client as `scenes.changed` with the whole new state.
 */
export class SceneService {
  private state: StudioState;

  constructor(
    private readonly deps: { store: SceneStore; bus: EventBus; now?: () => number },
  ) {
    const loaded = deps.store.load();
    this.state = loaded ?? defaultState(newId('scn'), this.now());
    if (!loaded) deps.store.save(this.state);
  }

  list(): StudioState {
    return this.state;
  }

  createScene(input: MethodInput<'scenes.create'>): Scene {
    if (this.state.scenes.length >= MAX_SCENES) throw new StudioError('CONFLICT', `at most ${MAX_SCENES} scenes`);
    const now = this.now();
    const scene: Scene = { id: newId('scn'), name: input.name, layout: input.layout ?? 'free', items: this.items(input.items as ItemInput[] | undefined ?? []), createdAt: now, updatedAt: now };
    this.commit('scene', scene.id, { ...this.state, scenes: [...this.state.scenes, scene] });
    return scene;
  }

  updateScene(input: MethodInput<'scenes.update'>): Scene {
    const current = this.scene(input.id);
    const scene: Scene = {
      ...current,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.layout !== undefined ? { layout: input.layout } : {}),
      ...(input.items !== undefined ? { items: this.items(input.items as ItemInput[]) } : {}),
      updatedAt: this.now(),
    };
    let scenes = this.state.scenes.map((s) => (s.id === scene.id ? scene : s));
    if (input.position !== undefined) {
      scenes = scenes.filter((s) => s.id !== scene.id);
      scenes.splice(Math.min(input.position, scenes.length), 0, scene);
    }
    this.commit('scene', scene.id, { ...this.state, scenes });
    return scene;
  }

  deleteScene(id: string): void {
    this.scene(id);
    if (this.state.scenes.length === 1) throw new StudioError('CONFLICT', 'the last scene stays: add another scene first');
    const scenes = this.state.scenes.filter((s) => s.id !== id);
    this.commit('scene', id, { ...this.state, scenes, studio: settleSceneRefs(this.state.studio, scenes) });
  }

  addSource(input: MethodInput<'scenes.addSource'>): Source {
    if (this.state.sources.length >= MAX_SOURCES) throw new StudioError('CONFLICT', `at most ${MAX_SOURCES} sources`);
    const now = this.now();
    const source: Source = { id: newId('src'), name: input.name, settings: input.settings as Source['settings'], audio: audioSettingsSchema.parse(input.audio ?? {}), createdAt: now, updatedAt: now };
    this.commit('source', source.id, { ...this.state, sources: [...this.state.sources, source] });
    return source;
  }

  updateSource(input: MethodInput<'scenes.updateSource'>): Source {
    const current = this.state.sources.find((s) => s.id === input.id);
    if (!current) throw new StudioError('NOT_FOUND', `no source ${input.id}`);
    const settings = input.settings as Source['settings'] | undefined;
    if (settings && settings.kind !== current.settings.kind) {
      throw new StudioError('VALIDATION_FAILED', `settings.kind: a ${current.settings.kind} source stays a ${current.settings.kind} (add a new source instead)`, { fields: [{ path: 'settings.kind', message: `must stay ${current.settings.kind}` }] });
    }
    const audio: AudioSettings = input.audio ? audioSettingsSchema.parse({ ...current.audio, ...input.audio }) : current.audio;
    const source: Source = { ...current, ...(input.name !== undefined ? { name: input.name } : {}), ...(settings ? { settings } : {}), audio, updatedAt: this.now() };
    this.commit('source', source.id, { ...this.state, sources: this.state.sources.map((s) => (s.id === source.id ? source : s)) });
    return source;
  }

  removeSource(id: string): void {
    if (!this.state.sources.some((s) => s.id === id)) throw new StudioError('NOT_FOUND', `no source ${id}`);
    const now = this.now();
    const scenes = this.state.scenes.map((s) => (s.items.some((i) => i.sourceId === id) ? { ...s, items: s.items.filter((i) => i.sourceId !== id), updatedAt: now } : s));
    this.commit('source', id, { ...this.state, sources: this.state.sources.filter((s) => s.id !== id), scenes });
  }

  /**
   * A guest muted or hidden by the producer (guests.update): every source of that guest is muted in the
   * mixer, every item of it hidden in every scene (or back). Nothing to do when the show has none.
   */
  applyGuest(guestId: string, change: { muted?: boolean | undefined; hidden?: boolean | undefined }): void {
    const ids = new Set(this.state.sources.filter((s) => s.settings.kind === 'guest' && s.settings.guestId === guestId).map((s) => s.id));
    if (ids.size === 0 || (change.muted === undefined && change.hidden === undefined)) return;
    const now = this.now();
    const sources = change.muted === undefined ? this.state.sources : this.state.sources.map((s) => (ids.has(s.id) ? { ...s, audio: { ...s.audio, muted: change.muted! }, updatedAt: now } : s));
    const visible = change.hidden === undefined ? undefined : !change.hidden;
    const scenes =
      visible === undefined
        ? this.state.scenes
        : this.state.scenes.map((scene) => (scene.items.some((i) => ids.has(i.sourceId)) ? { ...scene, items: scene.items.map((i) => (ids.has(i.sourceId) ? { ...i, visible } : i)), updatedAt: now } : scene));
    this.commit('source', [...ids][0]!, { ...this.state, sources, scenes });
  }

  updateStudio(patch: Partial<StudioSettings>): StudioSettings {
    const ids = new Set(this.state.scenes.map((s) => s.id));
    for (const key of ['previewSceneId', 'programSceneId'] as const) {
      const id = patch[key];
      if (id && !ids.has(id)) throw new StudioError('NOT_FOUND', `${key}: no scene ${id}`, { fields: [{ path: key, message: `no scene ${id}` }] });
    }
    const studio = { ...this.state.studio, ...patch };
    this.commit('studio', null, { ...this.state, studio });
    return studio;
  }

  exportCollection(): SceneCollection {
    const { live: _live, ...studio } = this.state.studio;
    return { format: SCENE_FILE_FORMAT, version: 1, studio, sources: this.state.sources, scenes: this.state.scenes };
  }

  /** Replaces the whole show with a file's (SCENE_FILE_INVALID, nothing changed, when it is not one). */
  importCollection(raw: unknown): StudioState {
    const c = readCollection(raw);
    const studio = settleSceneRefs({ ...c.studio, live: this.state.studio.live }, c.scenes);
    const next = { revision: this.state.revision, studio, sources: c.sources, scenes: c.scenes.length > 0 ? c.scenes : defaultState(newId('scn'), this.now()).scenes };
    this.commit('collection', null, { ...next, studio: settleSceneRefs(studio, next.scenes) });
    return this.state;
  }

  private scene(id: string): Scene {
    const scene = this.state.scenes.find((s) => s.id === id);
    if (!scene) throw new StudioError('NOT_FOUND', `no scene ${id}`);
    return scene;
  }

  /** New ids where none were given; every item must name an existing source. */
  private items(input: readonly ItemInput[]): SceneItem[] {
    const items = input.map((i) => ({ ...i, id: i.id ?? newId('itm') }) as SceneItem);
    checkItems(items, new Set(this.state.sources.map((s) => s.id)));
    return items;
  }

  private commit(what: What, id: string | null, next: StudioState): void {
    const state = { ...next, revision: this.state.revision + 1 };
    this.deps.store.save(state);
    this.state = state;
    this.deps.bus.emit('scenes.changed', { what, id, state });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
