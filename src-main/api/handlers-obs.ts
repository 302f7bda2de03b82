import type { MethodName } from '../../src-shared/contract/index.js';
import { collectionsOf, setCollection } from '../obs/collection-ops.js';
import type { ObsService } from '../obs/obs-service.js';
import {
  createScene, listSceneItems, listScenes, removeScene, renameScene, setPreviewScene, setProgramScene, setStudioMode, updateSceneItem,
} from '../obs/scene-ops.js';
import {
  createFilter, createInput, inputSettingsOf, listFilters, listInputs, removeFilter, removeInput, updateFilter, updateInput,
} from '../obs/source-ops.js';
import { applyTemplate } from '../obs/template-apply.js';
import { TEMPLATES } from '../obs/templates.js';
import { setTransition, transitionsOf } from '../obs/transition-ops.js';
import type { Handlers } from './dispatch.js';

type ObsMethod = Extract<MethodName, `obs.${string}`>;

/** Handlers of the `obs.*` methods (spread into createHandlers): each maps its input onto obs/. */
export function createObsHandlers(obs: ObsService): Pick<Handlers, ObsMethod> {
  const link = (id: string) => obs.link(id);
  return {
    'obs.connections.list': () => obs.list(),
    'obs.connections.create': (input) => obs.create(input),
    'obs.connections.update': ({ id, ...patch }) => obs.update(id, patch),
    'obs.connections.delete': async ({ id }) => {
      await obs.delete(id);
      return { id, deleted: true as const };
    },
    'obs.scenes.list': ({ id, screenshots }) => listScenes(link(id), screenshots === true),
    'obs.scenes.create': ({ id, name }) => createScene(link(id), name),
    'obs.scenes.rename': ({ id, scene, newName }) => renameScene(link(id), scene, newName),
    'obs.scenes.delete': ({ id, scene }) => removeScene(link(id), scene),
    'obs.programScene.set': ({ id, name }) => setProgramScene(link(id), name),
    'obs.previewScene.set': ({ id, name }) => setPreviewScene(link(id), name),
    'obs.studioMode.set': ({ id, enabled }) => setStudioMode(link(id), enabled),
    'obs.transitions.get': ({ id }) => transitionsOf(link(id)),
    'obs.transitions.set': ({ id, name, durationMs, trigger }) => setTransition(link(id), { name, durationMs, trigger }),
    'obs.collections.list': ({ id }) => collectionsOf(link(id)),
    'obs.collections.set': ({ id, name, create }) => setCollection(link(id), name, create === true),
    'obs.inputs.list': ({ id }) => listInputs(link(id)),
    'obs.inputs.create': ({ id, scene, name, kind, settings }) => createInput(link(id), { scene, name, kind, settings }, obs.platform),
    'obs.inputs.delete': async ({ id, input }) => {
      await removeInput(link(id), input);
      return { name: input, deleted: true as const };
    },
    'obs.inputs.get': ({ id, input }) => inputSettingsOf(link(id), input),
    'obs.inputs.update': ({ id, input, settings, muted, volumeDb }) => updateInput(link(id), input, { settings, muted, volumeDb }),
    'obs.sceneItems.list': ({ id, scene }) => listSceneItems(link(id), scene),
    'obs.sceneItems.update': ({ id, scene, item, enabled, transform }) => updateSceneItem(link(id), scene, item, { enabled, transform }),
    'obs.filters.list': ({ id, source }) => listFilters(link(id), source),
    'obs.filters.create': ({ id, source, name, kind, settings }) => createFilter(link(id), source, { name, kind, settings }),
    'obs.filters.update': ({ id, source, filter, enabled, settings }) => updateFilter(link(id), source, filter, { enabled, settings }),
    'obs.filters.delete': async ({ id, source, filter }) => {
      await removeFilter(link(id), source, filter);
      return { name: filter, deleted: true as const };
    },
    'obs.outputs.get': ({ id }) => obs.outputs(id),
    'obs.outputs.start': ({ id, output }) => obs.setOutput(id, output, true),
    'obs.outputs.stop': ({ id, output }) => obs.setOutput(id, output, false),
    'obs.streamToStudio': ({ id, stream, start }, ctx) => obs.streamToStudio(id, stream, start ?? false, ctx.baseUrl),
    'obs.templates.list': () => TEMPLATES,
    'obs.templates.apply': ({ id, template, ...params }) => applyTemplate(link(id), template, params, obs.platform),
  };
}
