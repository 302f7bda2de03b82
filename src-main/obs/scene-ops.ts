import type { z } from 'zod';
import type { obsSceneItemSchema, obsScenesSchema, obsTransformSchema } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { ObsLink } from './obs-link.js';

type Scenes = z.infer<typeof obsScenesSchema>;
type SceneItem = z.infer<typeof obsSceneItemSchema>;
type Transform = z.infer<typeof obsTransformSchema>;

interface RawScene {
  sceneName: string;
  sceneIndex: number;
}

/** Scenes as OBS lists them (highest index first, as in its dock), program/preview marked. */
export async function listScenes(link: ObsLink, screenshots = false): Promise<Scenes> {
  const [list, studio] = await link.batch([{ requestType: 'GetSceneList' }, { requestType: 'GetStudioModeEnabled' }]);
  const data = list?.ok ? (list.data as { scenes: RawScene[]; currentProgramSceneName: string | null; currentPreviewSceneName: string | null }) : undefined;
  const raw = [...(data?.scenes ?? [])].sort((a, b) => b.sceneIndex - a.sceneIndex);
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
        screenshot: shot?.ok ? String((shot.data as { imageData: string }).imageData) : null,
      };
    }),
    programScene: data?.currentProgramSceneName ?? null,
    previewScene: data?.currentPreviewSceneName ?? null,
    studioMode: studio?.ok ? Boolean((studio.data as { studioModeEnabled: boolean }).studioModeEnabled) : false,
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
