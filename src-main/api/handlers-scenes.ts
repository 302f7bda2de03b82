import type { SceneService } from '../studio/scene-service.js';
import type { Handlers } from './dispatch.js';

type SceneMethod = 'scenes.list' | 'scenes.create' | 'scenes.update' | 'scenes.delete' | 'scenes.addSource' | 'scenes.updateSource' | 'scenes.removeSource' | 'scenes.updateStudio' | 'scenes.export' | 'scenes.import';

/** Handlers of the studio's scenes, sources and settings. */
export function sceneHandlers(scenes: SceneService): Pick<Handlers, SceneMethod> {
  return {
    'scenes.list': () => scenes.list(),
    'scenes.create': (input) => scenes.createScene(input),
    'scenes.update': (input) => scenes.updateScene(input),
    'scenes.delete': ({ id }) => {
      scenes.deleteScene(id);
      return { deleted: true as const };
    },
    'scenes.addSource': (input) => scenes.addSource(input),
    'scenes.updateSource': (input) => scenes.updateSource(input),
    'scenes.removeSource': ({ id }) => {
      scenes.removeSource(id);
      return { deleted: true as const };
    },
    'scenes.updateStudio': (patch) => scenes.updateStudio(patch),
    'scenes.export': () => scenes.exportCollection(),
    'scenes.import': ({ collection }) => scenes.importCollection(collection),
  };
}
