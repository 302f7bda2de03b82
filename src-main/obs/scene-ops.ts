import type { z } from 'zod';
import type { obsSceneItemSchema, obsScenesSchema, obsTransformPatchSchema, obsTransformSchema } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { BatchRequest, ObsLink } from './obs-link.js';

type Scenes = z.infer<typeof obsScenesSchema>;
type SceneItem = z.infer<typeof obsSceneItemSchema>;
type Transform = z.infer<typeof obsTransformSchema>;
type TransformPatch = z.infer<typeof obsTransformPatchSchema>;

type RawScene = {
  sceneName: string;
  sceneIndex: number;
};

/** Scenes as OBS lists them (highest index first, as in its dock), program/preview marked. */
export async function listScenes(link: ObsLink, screenshots = false): Promise<Scenes> {
  const [list, studio] = await link.batch([{ requestType: 'GetSceneList' }, { requestType: 'GetStudioModeEnabled' }]);
  const data = list?.ok ? list.data : undefined;
  const raw = [...((data?.scenes ?? []) as RawScene[])].sort((a, b) => b.sceneIndex - a.sceneIndex);
  const shots = screenshots && raw.length > 0
    ? await link.batch(
        raw.map((s) => ({ requestType: 'GetSourceScreenshot' as const, requestData: { sourceName: s.sceneName, imageFormat: 'jpg', imageWidth: 320, imageCompressionQuality: 70 } })),
        true,
      )
    : [];
  return {
    scenes: raw.map((s, i) => {
      const shot = shots[i];
      return {
        name: s.sceneName,
        index: s.sceneIndex,
        current: s.sceneName === data?.currentProgramSceneName,
        preview: s.sceneName === data?.currentPreviewSceneName,
        screenshot: shot?.ok ? String(shot.data.imageData) : null,
      };
    }),
    programScene: data?.currentProgramSceneName ?? null,
    previewScene: data?.currentPreviewSceneName ?? null,
    studioMode: studio?.ok ? Boolean(studio.data.studioModeEnabled) : false,
  };
}

export function toTransform(t: Record<string, unknown>): Transform {
  const n = (k: string): number => (typeof t[k] === 'number' ? (t[k] as number) : 0);
  return {
    positionX: n('positionX'),
    positionY: n('positionY'),
    scaleX: n('scaleX'),
    scaleY: n('scaleY'),
    rotation: n('rotation'),
    cropLeft: n('cropLeft'),
    cropRight: n('cropRight'),
    cropTop: n('cropTop'),
    cropBottom: n('cropBottom'),
    width: n('width'),
    height: n('height'),
    sourceWidth: n('sourceWidth'),
    sourceHeight: n('sourceHeight'),
  };
}

export async function listSceneItems(link: ObsLink, scene: string): Promise<SceneItem[]> {
  const { sceneItems } = await link.call('GetSceneItemList', { sceneName: scene });
  return (sceneItems as Record<string, unknown>[])
    .map((i) => ({
      id: Number(i.sceneItemId),
      sourceName: String(i.sourceName),
      inputKind: typeof i.inputKind === 'string' ? i.inputKind : null,
      enabled: Boolean(i.sceneItemEnabled),
      index: Number(i.sceneItemIndex),
      transform: toTransform((i.sceneItemTransform ?? {}) as Record<string, unknown>),
    }))
    .sort((a, b) => b.index - a.index);
}

export async function sceneItem(link: ObsLink, scene: string, id: number): Promise<SceneItem> {
  const item = (await listSceneItems(link, scene)).find((i) => i.id === id);
  if (!item) throw new StudioError('NOT_FOUND', `scene "${scene}" has no item ${id}`);
  return item;
}

export async function createScene(link: ObsLink, name: string): Promise<Scenes> {
  await link.call('CreateScene', { sceneName: name });
  return listScenes(link);
}

export async function renameScene(link: ObsLink, scene: string, newName: string): Promise<Scenes> {
  await link.call('SetSceneName', { sceneName: scene, newSceneName: newName });
  return listScenes(link);
}

export async function removeScene(link: ObsLink, scene: string): Promise<Scenes> {
  await link.call('RemoveScene', { sceneName: scene });
  return listScenes(link);
}

/** Switches the program scene (what is streamed and recorded). */
export async function setProgramScene(link: ObsLink, name: string): Promise<{ programScene: string }> {
  await link.call('SetCurrentProgramScene', { sceneName: name });
  return { programScene: name };
}

/** Sets the preview scene (OBS refuses it when studio mode is off). */
export async function setPreviewScene(link: ObsLink, name: string): Promise<{ previewScene: string }> {
  await link.call('SetCurrentPreviewScene', { sceneName: name });
  return { previewScene: name };
}

export async function setStudioMode(link: ObsLink, enabled: boolean): Promise<{ studioMode: boolean }> {
  await link.call('SetStudioModeEnabled', { studioModeEnabled: enabled });
  return { studioMode: enabled };
}

/** Shows or hides a scene item and/or changes its transform in one batch; checks the item first, so a wrong id changes nothing. */
export async function updateSceneItem(
  link: ObsLink,
  scene: string,
  id: number,
  patch: { enabled?: boolean | undefined; transform?: TransformPatch | undefined },
): Promise<SceneItem> {
  await sceneItem(link, scene, id);
  const requests: BatchRequest<'SetSceneItemEnabled' | 'SetSceneItemTransform'>[] = [];
  if (patch.enabled !== undefined) requests.push({ requestType: 'SetSceneItemEnabled', requestData: { sceneName: scene, sceneItemId: id, sceneItemEnabled: patch.enabled } });
  if (patch.transform) requests.push({ requestType: 'SetSceneItemTransform', requestData: { sceneName: scene, sceneItemId: id, sceneItemTransform: patch.transform } });
  if (requests.length > 0) await link.batch(requests);
  return sceneItem(link, scene, id);
}
