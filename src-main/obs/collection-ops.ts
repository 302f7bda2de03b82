import type { MethodOutput } from '../../src-shared/contract/index.js';
import type { ObsLink } from './obs-link.js';

type Collections = MethodOutput<'obs.collections.list'>;

/** The scene collections of OBS and the current one. */
export async function collectionsOf(link: ObsLink): Promise<Collections> {
  const r = await link.call('GetSceneCollectionList');
  return { current: r.currentSceneCollectionName, collections: r.sceneCollections };
}

/** Switches to a scene collection (`create`: makes a new one, which OBS switches to), then lists them. */
export async function setCollection(link: ObsLink, name: string, create: boolean): Promise<Collections> {
  await link.call(create ? 'CreateSceneCollection' : 'SetCurrentSceneCollection', { sceneCollectionName: name });
  return collectionsOf(link);
}
