import type { MethodName } from '../../src-shared/contract/index.js';
import { TEMPLATES } from '../obs/templates.js';
import type { ObsService } from '../obs/obs-service.js';
import { settle } from '../obs/settle.js';
import { listScenes, listSceneItems, sceneItem } from '../obs/scene-ops.js';
import { createFilter, createInput, filterOf, listFilters, listInputs, removeInput, updateFilter, updateInput } from '../obs/source-ops.js';
import { applyTemplate } from '../obs/template-apply.js';
import type { Handlers } from './dispatch.js';

type ObsMethod = Extract<MethodName, `obs.${string}`>;

/** Handlers of the `obs.*` methods (spread into createHandlers). */
export function createObsHandlers(obs: ObsService): Pick<Handlers, ObsMethod> {
  const link = (id: string) => obs.link(id);
  const collections = async (id: string) => {
    const r = await link(id).call('GetSceneCollectionList');
    return { current: r.currentSceneCollectionName, collections: r.sceneCollections };
  };
  return {
    'obs.connections.list': () => obs.list(),
    'obs.connections.create': (input) => obs.create(input),
    'obs.connections.update': ({ id, ...patch }) => obs.update(id, patch),
    'obs.connections.delete': async ({ id }) => {
      await obs.delete(id);
      return { id, deleted: true as const };
    },
    'obs.scenes.list': ({ id, screenshots }) => listScenes(link(id), screenshots === true),
    'obs.scenes.create': async ({ id, name }) => {
      await link(id).call('CreateScene', { sceneName: name });
      return listScenes(link(id));
    },
    'obs.scenes.rename': async ({ id, scene, newName }) => {
      await link(id).call('SetSceneName', { sceneName: scene, newSceneName: newName });
      return listScenes(link(id));
    },
    'obs.scenes.delete': async ({ id, scene }) => {
      await link(id).call('RemoveScene', { sceneName: scene });
      return listScenes(link(id));
    },
    'obs.programScene.set': async ({ id, name }) => {
      await link(id).call('SetCurrentProgramScene', { sceneName: name });
      return { programScene: name };
    },
    'obs.previewScene.set': async ({ id, name }) => {
      await link(id).call('SetCurrentPreviewScene', { sceneName: name });
      return { previewScene: name };
    },
    'obs.studioMode.set': async ({ id, enabled }) => {
      await link(id).call('SetStudioModeEnabled', { studioModeEnabled: enabled });
      return { studioMode: enabled };
    },
    'obs.transitions.get': async ({ id }) => {
      const [list, current] = await link(id).batch([{ requestType: 'GetSceneTransitionList' }, { requestType: 'GetCurrentSceneTransition' }]);
      const l = list?.ok ? (list.data as { currentSceneTransitionName: string | null; transitions: { transitionName: string; transitionKind: string; transitionFixed: boolean }[] }) : undefined;
      const c = current?.ok ? (current.data as { transitionDuration: number | null }) : undefined;
      return {
        transitions: (l?.transitions ?? []).map((t) => ({ name: t.transitionName, kind: t.transitionKind, fixed: t.transitionFixed })),
        current: l?.currentSceneTransitionName ?? null,
        durationMs: c?.transitionDuration ?? null,
      };
    },
    'obs.transitions.set': async ({ id, name, durationMs, trigger }) => {
      const requests: { requestType: 'SetCurrentSceneTransition' | 'SetCurrentSceneTransitionDuration' | 'TriggerStudioModeTransition'; requestData?: object }[] = [];
      if (name !== undefined) requests.push({ requestType: 'SetCurrentSceneTransition', requestData: { transitionName: name } });
      if (durationMs !== undefined) requests.push({ requestType: 'SetCurrentSceneTransitionDuration', requestData: { transitionDuration: durationMs } });
      if (trigger) requests.push({ requestType: 'TriggerStudioModeTransition' });
      if (requests.length > 0) await link(id).batch(requests);
      const t = await settle(
        () => link(id).call('GetCurrentSceneTransition'),
        (r) => (name === undefined || r.transitionName === name) && (durationMs === undefined || r.transitionDuration === durationMs || r.transitionFixed === true),
      );
      return { current: (t.transitionName as string) ?? null, durationMs: typeof t.transitionDuration === 'number' ? t.transitionDuration : null };
    },
    'obs.collections.list': ({ id }) => collections(id),
    'obs.collections.set': async ({ id, name, create }) => {
      await link(id).call(create ? 'CreateSceneCollection' : 'SetCurrentSceneCollection', { sceneCollectionName: name });
      return collections(id);
    },
    'obs.inputs.list': ({ id }) => listInputs(link(id)),
    'obs.inputs.create': ({ id, scene, name, kind, settings }) => createInput(link(id), { scene, name, kind, settings }, obs.platform),
    'obs.inputs.delete': async ({ id, input }) => {
      await removeInput(link(id), input);
      return { name: input, deleted: true as const };
    },
    'obs.inputs.get': async ({ id, input }) => {
      const r = await link(id).call('GetInputSettings', { inputName: input });
      return { name: input, kind: r.inputKind, settings: r.inputSettings as Record<string, unknown> };
    },
    'obs.inputs.update': ({ id, input, settings, muted, volumeDb }) => updateInput(link(id), input, { settings, muted, volumeDb }),
    'obs.sceneItems.list': ({ id, scene }) => listSceneItems(link(id), scene),
    'obs.sceneItems.update': async ({ id, scene, item, enabled, transform }) => {
      await sceneItem(link(id), scene, item);
      const requests: { requestType: 'SetSceneItemEnabled' | 'SetSceneItemTransform'; requestData: object }[] = [];
      if (enabled !== undefined) requests.push({ requestType: 'SetSceneItemEnabled', requestData: { sceneName: scene, sceneItemId: item, sceneItemEnabled: enabled } });
      if (transform) requests.push({ requestType: 'SetSceneItemTransform', requestData: { sceneName: scene, sceneItemId: item, sceneItemTransform: transform } });
      if (requests.length > 0) await link(id).batch(requests);
      return sceneItem(link(id), scene, item);
    },
    'obs.filters.list': ({ id, source }) => listFilters(link(id), source),
    'obs.filters.create': ({ id, source, name, kind, settings }) => createFilter(link(id), source, { name, kind, settings }),
    'obs.filters.update': ({ id, source, filter, enabled, settings }) => updateFilter(link(id), source, filter, { enabled, settings }),
    'obs.filters.delete': async ({ id, source, filter }) => {
      await filterOf(link(id), source, filter);
      await link(id).call('RemoveSourceFilter', { sourceName: source, filterName: filter });
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
