import type { z } from 'zod';
import type { ObsFilterKind, ObsInputKind, obsFilterSchema, obsInputSchema } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import { defaultInputSettings, OBS_FILTER_KIND, obsInputKindOf } from './kinds.js';
import type { BatchRequest, ObsLink } from './obs-link.js';

type Input = z.infer<typeof obsInputSchema>;
type Filter = z.infer<typeof obsFilterSchema>;

/** Inputs with mute and volume, read in one batch (inputs without audio answer with an error: null). */
export async function listInputs(link: ObsLink): Promise<Input[]> {
  const { inputs } = await link.call('GetInputList');
  const list = inputs as { inputName: string; inputKind: string }[];
  if (list.length === 0) return [];
  const audio = await link.batch(
    list.flatMap((i) => [
      { requestType: 'GetInputMute' as const, requestData: { inputName: i.inputName } },
      { requestType: 'GetInputVolume' as const, requestData: { inputName: i.inputName } },
    ]),
    true,
  );
  return list.map((i, n) => {
    const mute = audio[2 * n];
    const volume = audio[2 * n + 1];
    return {
      name: i.inputName,
      kind: i.inputKind,
      muted: mute?.ok ? Boolean((mute.data as { inputMuted: boolean }).inputMuted) : null,
      volumeDb: volume?.ok ? Math.round(Number((volume.data as { inputVolumeDb: number }).inputVolumeDb) * 10) / 10 : null,
    };
  });
}

export async function inputOf(link: ObsLink, name: string): Promise<Input> {
  const input = (await listInputs(link)).find((i) => i.name === name);
  if (!input) throw new StudioError('NOT_FOUND', `OBS has no input "${name}"`);
  return input;
}

/** An input's kind and settings. */
export async function inputSettingsOf(link: ObsLink, name: string): Promise<{ name: string; kind: string; settings: Record<string, unknown> }> {
  const r = await link.call('GetInputSettings', { inputName: name });
  return { name, kind: r.inputKind, settings: r.inputSettings as Record<string, unknown> };
}

export async function canvasOf(link: ObsLink): Promise<{ width: number; height: number }> {
  const v = await link.call('GetVideoSettings');
  return { width: Number(v.baseWidth), height: Number(v.baseHeight) };
}

export async function createInput(
  link: ObsLink,
  input: { scene: string; name: string; kind: ObsInputKind; settings?: Record<string, unknown> | undefined },
  platform: NodeJS.Platform,
): Promise<{ name: string; kind: string; sceneItemId: number }> {
  const kind = obsInputKindOf(input.kind, platform);
  const { inputKinds } = await link.call('GetInputKindList', { unversioned: false });
  if (!(inputKinds as string[]).includes(kind)) {
    throw new StudioError('BAD_REQUEST', `this OBS has no ${input.kind} source (${kind}); it has: ${(inputKinds as string[]).join(', ')}`, { field: 'kind' });
  }
  const settings = { ...defaultInputSettings(input.kind, platform, await canvasOf(link)), ...(input.settings ?? {}) };
  const { sceneItemId } = await link.call('CreateInput', { sceneName: input.scene, inputName: input.name, inputKind: kind, inputSettings: settings as never, sceneItemEnabled: true });
  return { name: input.name, kind, sceneItemId: Number(sceneItemId) };
}

export async function updateInput(link: ObsLink, name: string, patch: { settings?: Record<string, unknown> | undefined; muted?: boolean | undefined; volumeDb?: number | undefined }): Promise<Input> {
  const requests: BatchRequest<'SetInputSettings' | 'SetInputMute' | 'SetInputVolume'>[] = [];
  if (patch.settings) requests.push({ requestType: 'SetInputSettings', requestData: { inputName: name, inputSettings: patch.settings as never, overlay: true } });
  if (patch.muted !== undefined) requests.push({ requestType: 'SetInputMute', requestData: { inputName: name, inputMuted: patch.muted } });
  if (patch.volumeDb !== undefined) requests.push({ requestType: 'SetInputVolume', requestData: { inputName: name, inputVolumeDb: patch.volumeDb } });
  // Checks the name first, so that a typo changes nothing.
  await link.call('GetInputSettings', { inputName: name });
  if (requests.length > 0) await link.batch(requests);
  return inputOf(link, name);
}

export async function listFilters(link: ObsLink, source: string): Promise<Filter[]> {
  const { filters } = await link.call('GetSourceFilterList', { sourceName: source });
  return (filters as Record<string, unknown>[]).map((f) => ({
    name: String(f.filterName),
    kind: String(f.filterKind),
    enabled: Boolean(f.filterEnabled),
    index: Number(f.filterIndex),
    settings: (f.filterSettings ?? {}) as Record<string, unknown>,
  }));
}

export async function filterOf(link: ObsLink, source: string, name: string): Promise<Filter> {
  const filter = (await listFilters(link, source)).find((f) => f.name === name);
  if (!filter) throw new StudioError('NOT_FOUND', `"${source}" has no filter "${name}"`);
  return filter;
}

export async function createFilter(link: ObsLink, source: string, f: { name: string; kind: ObsFilterKind; settings?: Record<string, unknown> | undefined }): Promise<Filter> {
  await link.call('CreateSourceFilter', { sourceName: source, filterName: f.name, filterKind: OBS_FILTER_KIND[f.kind], filterSettings: (f.settings ?? {}) as never });
  return filterOf(link, source, f.name);
}

export async function updateFilter(link: ObsLink, source: string, name: string, patch: { enabled?: boolean | undefined; settings?: Record<string, unknown> | undefined }): Promise<Filter> {
  await filterOf(link, source, name);
  const requests: BatchRequest<'SetSourceFilterEnabled' | 'SetSourceFilterSettings'>[] = [];
  if (patch.enabled !== undefined) requests.push({ requestType: 'SetSourceFilterEnabled', requestData: { sourceName: source, filterName: name, filterEnabled: patch.enabled } });
  if (patch.settings) requests.push({ requestType: 'SetSourceFilterSettings', requestData: { sourceName: source, filterName: name, filterSettings: patch.settings as never, overlay: true } });
  if (requests.length > 0) await link.batch(requests);
  return filterOf(link, source, name);
}

/** Removes a filter of a source; checks it first, so that a wrong name answers NOT_FOUND. */
export async function removeFilter(link: ObsLink, source: string, name: string): Promise<void> {
  await filterOf(link, source, name);
  await link.call('RemoveSourceFilter', { sourceName: source, filterName: name });
}

/**
 * Removes an input and its items in every scene. OBS 29 drops the items of a removed source only when
 * their scene next renders, so an inactive scene would keep showing it: its items are removed first.
 * The InputRemoved event fires either way.
 */
export async function removeInput(link: ObsLink, name: string): Promise<void> {
  await link.call('GetInputSettings', { inputName: name });
  const { scenes } = await link.call('GetSceneList');
  const names = (scenes as { sceneName: string }[]).map((sc) => sc.sceneName);
  const lists = await link.batch(names.map((sceneName) => ({ requestType: 'GetSceneItemList' as const, requestData: { sceneName } })), true);
  const removals = lists.flatMap((r, i) =>
    r.ok
      ? (r.data.sceneItems as { sceneItemId: number; sourceName: string }[])
          .filter((item) => item.sourceName === name)
          .map((item) => ({ requestType: 'RemoveSceneItem' as const, requestData: { sceneName: names[i], sceneItemId: item.sceneItemId } }))
      : [],
  );
  if (removals.length > 0) await link.batch(removals);
  try {
    await link.call('RemoveInput', { inputName: name });
  } catch (error) {
    // Its last scene item held the only reference: removing the items already destroyed it.
    if (!(removals.length > 0 && error instanceof StudioError && error.code === 'NOT_FOUND')) throw error;
  }
}
