import {
  sceneCollectionSchema,
  type Scene,
  type SceneCollection,
  type SceneItem,
  type StudioSettings,
  type StudioState,
} from '../../src-shared/contract/scenes.js';
import { StudioError } from '../core/errors.js';

/** The show a new home starts with: one empty scene on program, 720p30, a 300 ms fade. */
export function defaultState(sceneId: string, now: number): StudioState {
  const scene: Scene = { id: sceneId, name: 'Scene 1', layout: 'free', items: [], createdAt: now, updatedAt: now };
  const studio: StudioSettings = {
    width: 1280,
    height: 720,
    fps: 30,
    videoBitrateKbps: 4500,
    audioBitrateKbps: 160,
    stream: null,
    transition: { kind: 'fade', durationMs: 300, stinger: null },
    studioMode: false,
    previewSceneId: scene.id,
    programSceneId: scene.id,
    live: false,
  };
  return { revision: 1, studio, sources: [], scenes: [scene] };
}

/** Items must name sources that exist, and each item id once (pure). */
export function checkItems(items: readonly Pick<SceneItem, 'id' | 'sourceId'>[], sourceIds: ReadonlySet<string>, where = 'items'): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (!sourceIds.has(item.sourceId)) {
      throw new StudioError('VALIDATION_FAILED', `${where}.${i}.sourceId: no source ${item.sourceId}`, { fields: [{ path: `${where}.${i}.sourceId`, message: `no source ${item.sourceId}` }] });
    }
    if (seen.has(item.id)) throw new StudioError('VALIDATION_FAILED', `${where}.${i}.id: ${item.id} is there twice`, { fields: [{ path: `${where}.${i}.id`, message: 'duplicate item id' }] });
    seen.add(item.id);
  });
}

/** Preview and program name scenes that exist, else the first scene (or null when there is none). */
export function settleSceneRefs(studio: StudioSettings, scenes: readonly Scene[]): StudioSettings {
  const ids = new Set(scenes.map((s) => s.id));
  const first = scenes[0]?.id ?? null;
  return {
    ...studio,
    previewSceneId: studio.previewSceneId && ids.has(studio.previewSceneId) ? studio.previewSceneId : first,
    programSceneId: studio.programSceneId && ids.has(studio.programSceneId) ? studio.programSceneId : first,
  };
}

const invalid = (message: string, path: string) => new StudioError('SCENE_FILE_INVALID', `${message}: nothing was changed`, { fields: [{ path, message }] });

/**
 * A scene file read back (pure): its shape (SCENE_FILE_INVALID with the zod issues as fields), then
 * what the shape cannot say: unique ids, items naming sources of the file, preview and program
 * naming scenes of the file.
 */
export function readCollection(raw: unknown): SceneCollection {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('a scene file is a JSON object', '');
  const parsed = sceneCollectionSchema.safeParse(raw);
  if (!parsed.success) {
    const shaped = StudioError.validation(parsed.error, 'scene file');
    throw new StudioError('SCENE_FILE_INVALID', `${shaped.message}: nothing was changed`, shaped.details);
  }
  const c = parsed.data;
  const dup = (ids: string[]) => ids.find((id, i) => ids.indexOf(id) !== i);
  const sourceDup = dup(c.sources.map((s) => s.id));
  if (sourceDup) throw invalid(`source ${sourceDup} is there twice`, 'sources');
  const sceneDup = dup(c.scenes.map((s) => s.id));
  if (sceneDup) throw invalid(`scene ${sceneDup} is there twice`, 'scenes');
  const sourceIds = new Set(c.sources.map((s) => s.id));
  c.scenes.forEach((scene, i) => {
    try {
      checkItems(scene.items, sourceIds, `scenes.${i}.items`);
    } catch (error) {
      const e = error as StudioError;
      throw new StudioError('SCENE_FILE_INVALID', `${e.message}: nothing was changed`, e.details);
    }
  });
  const sceneIds = new Set(c.scenes.map((s) => s.id));
  for (const key of ['previewSceneId', 'programSceneId'] as const) {
    const id = c.studio[key];
    if (id !== null && !sceneIds.has(id)) throw invalid(`studio.${key} names no scene of the file`, `studio.${key}`);
  }
  return c;
}

