import type { z } from 'zod';
import type { ObsTemplateName, obsSceneItemSchema } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import { obsInputKindOf } from './kinds.js';
import type { ObsLink } from './obs-link.js';
import { listSceneItems } from './scene-ops.js';
import { canvasOf } from './source-ops.js';
import { TEMPLATES, boxTransform, templateItems } from './templates.js';

/**
 * Creates a template's scene with real inputs laid out for the canvas. All or nothing: when OBS
 * refuses one step, the scene and the inputs made so far are removed again.
 */
export async function applyTemplate(
  link: ObsLink,
  template: ObsTemplateName,
  params: { sceneName?: string | undefined; screen?: number | undefined; camera?: string | undefined; secondCamera?: string | undefined; title?: string | undefined },
  platform: NodeJS.Platform,
): Promise<{ scene: string; items: z.infer<typeof obsSceneItemSchema>[] }> {
  const sceneName = params.sceneName ?? TEMPLATES.find((t) => t.name === template)!.label;
  const canvas = await canvasOf(link);
  const items = templateItems(template, { ...params, sceneName }, canvas, platform);
  const { inputs } = await link.call('GetInputList');
  const taken = new Set((inputs as { inputName: string }[]).map((i) => i.inputName));
  const clash = items.find((i) => taken.has(i.name));
  if (clash) throw new StudioError('CONFLICT', `OBS already has an input named "${clash.name}": choose another scene name`, { field: 'sceneName' });
  await link.call('CreateScene', { sceneName });
  const created: string[] = [];
  try {
    // Bottom-most first: each CreateInput puts its item on top.
    for (const item of items) {
      const { sceneItemId } = await link.call('CreateInput', {
        sceneName,
        inputName: item.name,
        inputKind: obsInputKindOf(item.kind, platform),
        inputSettings: item.settings as never,
        sceneItemEnabled: true,
      });
      created.push(item.name);
      await link.call('SetSceneItemTransform', { sceneName, sceneItemId, sceneItemTransform: boxTransform(item.box) as never });
    }
  } catch (error) {
    await link.batch([...created.map((name) => ({ requestType: 'RemoveInput' as const, requestData: { inputName: name } })), { requestType: 'RemoveScene', requestData: { sceneName } }], true).catch(() => undefined);
    throw error;
  }
  return { scene: sceneName, items: await listSceneItems(link, sceneName) };
}
