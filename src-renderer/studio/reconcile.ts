import type { Scene, Source, StudioState } from '../../src-shared/contract/scenes.js';

/**
 * Which running sources to keep, start and stop when the show changes (pure): a source runs while it
 * exists; one whose capture key changed (other device, file or text) is started again.
 */
export function reconcileSources(running: ReadonlyMap<string, string>, wanted: readonly Source[], keyOf: (s: Source) => string): { start: Source[]; stop: string[] } {
  const wantedIds = new Set(wanted.map((s) => s.id));
  const stop = [...running.keys()].filter((id) => !wantedIds.has(id));
  const start: Source[] = [];
  for (const source of wanted) {
    const key = running.get(source.id);
    if (key === undefined) start.push(source);
    else if (key !== keyOf(source)) {
      stop.push(source.id);
      start.push(source);
    }
  }
  return { start, stop };
}

/** The scene of `id`, else the first scene, else null. */
export function sceneOf(state: Pick<StudioState, 'scenes'>, id: string | null): Scene | null {
  return state.scenes.find((s) => s.id === id) ?? state.scenes[0] ?? null;
}

/**
 * Which sources are heard in the program: microphones always; a source with sound only while a visible
 * item of it is in the program scene (or in the scene it is fading to), like a studio's scene audio.
 */
export function audibleSources(state: Pick<StudioState, 'sources'>, programScenes: readonly (Scene | null)[]): Set<string> {
  const inProgram = new Set<string>();
  for (const scene of programScenes) for (const item of scene?.items ?? []) if (item.visible) inProgram.add(item.sourceId);
  return new Set(state.sources.filter((s) => s.settings.kind === 'microphone' || inProgram.has(s.id)).map((s) => s.id));
}
