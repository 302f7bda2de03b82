import { create } from 'zustand';
import type { MethodInput, MethodOutput, ObsConnection, ObsOutputName, ObsStats } from '../../../src-shared/contract/index.js';
import { call, onConnection, onEvent, toClientError } from '../../api/client.js';
import { attempt, toastError, toastSuccess } from '../../ui/toast-store.js';
import { appendObsSample, EMPTY_OBS_SERIES, pickConnection, type ObsSeries } from './obs-model.js';

type Scenes = MethodOutput<'obs.scenes.list'>;
type Items = MethodOutput<'obs.sceneItems.list'>;
type Inputs = MethodOutput<'obs.inputs.list'>;
type Outputs = MethodOutput<'obs.outputs.get'>;
type Templates = MethodOutput<'obs.templates.list'>;
type Transitions = MethodOutput<'obs.transitions.get'>;
type Filters = MethodOutput<'obs.filters.list'>;

interface ObsState {
  connections: Record<string, ObsConnection>;
  selected: string | null;
  scenes: Scenes | null;
  /** The scene whose sources are shown (defaults to the program scene). */
  focusScene: string | null;
  items: Items;
  inputs: Inputs;
  outputs: Outputs | null;
  templates: Templates;
  series: ObsSeries;
  lastStats: ObsStats | null;
  /** Peak dBFS per input, from obs.meters. */
  meters: Record<string, number>;
  transitions: Transitions | null;
  /** The source whose filters are shown, and its filters. */
  filterSource: string | null;
  filters: Filters;
}

export const useObs = create<ObsState>()(() => ({
  connections: {},
  selected: null,
  scenes: null,
  focusScene: null,
  items: [],
  inputs: [],
  outputs: null,
  templates: [],
  series: EMPTY_OBS_SERIES,
  lastStats: null,
  meters: {},
  transitions: null,
  filterSource: null,
  filters: [],
}));

const selectedId = (): string | null => useObs.getState().selected;
const isConnected = (): boolean => {
  const id = selectedId();
  return id !== null && useObs.getState().connections[id]?.state === 'connected';
};


export async function loadConnections(): Promise<void> {
  const list = await attempt(() => call('obs.connections.list'));
  if (!list) return;
  const connections = Object.fromEntries(list.map((c) => [c.id, c]));
  useObs.setState((s) => ({ connections, selected: pickConnection(connections, s.selected) }));
  await refreshAll();
  if (useObs.getState().templates.length === 0) {
    const templates = await attempt(() => call('obs.templates.list'));
    if (templates) useObs.setState({ templates });
  }
}

/** Everything shown for the selected connection, read again (after a (re)connection or a switch). */
export async function refreshAll(): Promise<void> {
  if (!isConnected()) {
    useObs.setState({ scenes: null, items: [], inputs: [], outputs: null });
    return;
  }
  await Promise.all([refreshScenes(true), refreshInputs(), refreshOutputs(), refreshTransitions()]);
}

export async function showFilters(source: string | null): Promise<void> {
  useObs.setState({ filterSource: source, filters: [] });
  await refreshFilters();
}

export async function refreshFilters(): Promise<void> {
  const id = selectedId();
  const source = useObs.getState().filterSource;
  if (!id || !source || !isConnected()) return;
  const filters = await call('obs.filters.list', { id, source }).catch(() => null);
  if (filters && useObs.getState().filterSource === source) useObs.setState({ filters });
}

/** Runs a change to the shown source's filters, then reads them again (a failure is a toast). */
async function changeFilters(run: (target: { id: string; source: string }) => Promise<unknown>): Promise<void> {
  const id = selectedId();
  const source = useObs.getState().filterSource;
  if (id && source && (await attempt(() => run({ id, source })))) await refreshFilters();
}

export function addFilter(kind: MethodInput<'obs.filters.create'>['kind'], name: string): Promise<void> {
  return changeFilters((t) => call('obs.filters.create', { ...t, name, kind }));
}

export function setFilterEnabled(filter: string, enabled: boolean): Promise<void> {
  return changeFilters((t) => call('obs.filters.update', { ...t, filter, enabled }));
}

export function removeFilter(filter: string): Promise<void> {
  return changeFilters((t) => call('obs.filters.delete', { ...t, filter }));
}

export async function refreshTransitions(): Promise<void> {
  const id = selectedId();
  if (!id || !isConnected()) return;
  const transitions = await call('obs.transitions.get', { id }).catch(() => null);
  if (transitions) useObs.setState({ transitions });
}

export async function setStudioMode(enabled: boolean): Promise<void> {
  const id = selectedId();
  if (id && (await attempt(() => call('obs.studioMode.set', { id, enabled })))) await refreshScenes(false);
}

export async function previewScene(name: string): Promise<void> {
  const id = selectedId();
  if (id) await attempt(() => call('obs.previewScene.set', { id, name }));
}

export async function setTransition(change: { name?: string; durationMs?: number; trigger?: boolean }): Promise<void> {
  const id = selectedId();
  if (!id) return;
  const r = await attempt(() => call('obs.transitions.set', { id, ...change }));
  if (r) useObs.setState((s) => ({ transitions: s.transitions ? { ...s.transitions, current: r.current, durationMs: r.durationMs } : s.transitions }));
}

export async function refreshScenes(screenshots: boolean): Promise<void> {
  const id = selectedId();
  if (!id || !isConnected()) return;
  try {
    const scenes = await call('obs.scenes.list', { id, screenshots });
    if (selectedId() !== id) return;
    useObs.setState((s) => ({
      // Without screenshots, keep the thumbnails already shown until the next refresh.
      scenes: screenshots ? scenes : { ...scenes, scenes: scenes.scenes.map((sc) => ({ ...sc, screenshot: s.scenes?.scenes.find((o) => o.name === sc.name)?.screenshot ?? null })) },
      focusScene: s.focusScene && scenes.scenes.some((sc) => sc.name === s.focusScene) ? s.focusScene : scenes.programScene,
    }));
    await refreshItems();
  } catch (err) {
    if (toClientError(err).code !== 'OBS_NOT_CONNECTED') toastError(err);
  }
}

export async function refreshItems(): Promise<void> {
  const id = selectedId();
  const scene = useObs.getState().focusScene;
  if (!id || !scene || !isConnected()) return;
  try {
    const items = await call('obs.sceneItems.list', { id, scene });
    useObs.setState({ items });
  } catch (err) {
    if (toClientError(err).code !== 'OBS_NOT_CONNECTED') toastError(err);
  }
}

export async function refreshInputs(): Promise<void> {
  const id = selectedId();
  if (!id || !isConnected()) return;
  const inputs = await call('obs.inputs.list', { id }).catch(() => null);
  if (inputs) useObs.setState({ inputs });
}

export async function refreshOutputs(): Promise<void> {
  const id = selectedId();
  if (!id || !isConnected()) return;
  const outputs = await call('obs.outputs.get', { id }).catch(() => null);
  if (outputs) useObs.setState({ outputs });
}

export function selectConnection(id: string): void {
  useObs.setState({ selected: id, scenes: null, items: [], inputs: [], outputs: null, series: EMPTY_OBS_SERIES, lastStats: null, focusScene: null, meters: {}, filterSource: null, filters: [] });
  void refreshAll();
}

export function focusScene(name: string): void {
  useObs.setState({ focusScene: name });
  void refreshItems();
}

/** Adds a connection; resolves with the error message to show at the form, or null. */
export async function addConnection(input: MethodInput<'obs.connections.create'>): Promise<string | null> {
  try {
    const c = await call('obs.connections.create', input);
    useObs.setState((s) => ({ connections: { ...s.connections, [c.id]: c } }));
    selectConnection(c.id);
    toastSuccess(c.state === 'connected' ? 'OBS connected' : 'OBS added', c.state === 'connected' ? c.label : 'It connects as soon as OBS is running.');
    return null;
  } catch (err) {
    return toClientError(err).message;
  }
}

export async function removeConnection(id: string): Promise<void> {
  if (await attempt(() => call('obs.connections.delete', { id }))) {
    useObs.setState((s) => {
      const { [id]: _gone, ...rest } = s.connections;
      return { connections: rest, selected: pickConnection(rest, s.selected === id ? null : s.selected) };
    });
    void refreshAll();
  }
}

export async function switchScene(name: string): Promise<void> {
  const id = selectedId();
  if (id) await attempt(() => call('obs.programScene.set', { id, name }));
}

export async function createScene(name: string): Promise<boolean> {
  const id = selectedId();
  return Boolean(id && (await attempt(() => call('obs.scenes.create', { id, name }))));
}

export async function removeScene(scene: string): Promise<void> {
  const id = selectedId();
  if (id) await attempt(() => call('obs.scenes.delete', { id, scene }));
}

export async function setItemEnabled(item: number, enabled: boolean): Promise<void> {
  const id = selectedId();
  const scene = useObs.getState().focusScene;
  if (!id || !scene) return;
  const updated = await attempt(() => call('obs.sceneItems.update', { id, scene, item, enabled }));
  if (updated) useObs.setState((s) => ({ items: s.items.map((i) => (i.id === item ? updated : i)) }));
}

export async function setMuted(input: string, muted: boolean): Promise<void> {
  const id = selectedId();
  if (id) await attempt(() => call('obs.inputs.update', { id, input, muted }));
}

export async function setOutput(output: ObsOutputName, on: boolean): Promise<void> {
  const id = selectedId();
  if (!id) return;
  const outputs = await attempt(() => call(on ? 'obs.outputs.start' : 'obs.outputs.stop', { id, output }));
  if (outputs) useObs.setState({ outputs });
}

export async function streamToStudio(stream: string): Promise<string | null> {
  const id = selectedId();
  if (!id) return null;
  try {
    const r = await call('obs.streamToStudio', { id, stream, start: true });
    toastSuccess('OBS is streaming to the studio', `${r.server} · stream “${r.stream}”`);
    await refreshOutputs();
    return null;
  } catch (err) {
    return toClientError(err).message;
  }
}

export async function applyTemplate(input: Omit<MethodInput<'obs.templates.apply'>, 'id'>): Promise<string | null> {
  const id = selectedId();
  if (!id) return null;
  try {
    const r = await call('obs.templates.apply', { id, ...input });
    toastSuccess('Scene created', `${r.scene}: ${r.items.length} sources`);
    focusScene(r.scene);
    return null;
  } catch (err) {
    return toClientError(err).message;
  }
}

let scenesTimer: ReturnType<typeof setTimeout> | undefined;
/** Several scene events in a burst (a template) cause one read. */
function scenesSoon(screenshots: boolean): void {
  if (scenesTimer) clearTimeout(scenesTimer);
  scenesTimer = setTimeout(() => void refreshScenes(screenshots), 150);
}

export function connectObs(): void {
  onConnection((state) => {
    if (state === 'live') void loadConnections();
  });
  onEvent('obs.connection', ({ id, connection }) => {
    const before = useObs.getState().connections[id];
    useObs.setState((s) => {
      if (!connection) {
        const { [id]: _gone, ...rest } = s.connections;
        return { connections: rest, selected: pickConnection(rest, s.selected) };
      }
      const connections = { ...s.connections, [id]: connection };
      return { connections, selected: pickConnection(connections, s.selected) };
    });
    // A (re)connection or a loss: never show what the previous OBS said.
    if (id === selectedId() && before?.state !== connection?.state) void refreshAll();
  });
  onEvent('obs.scene', ({ connectionId, programScene, previewScene, listChanged }) => {
    if (connectionId !== selectedId()) return;
    const before = useObs.getState().scenes;
    // Studio mode switched (in OBS or here): read the flag again.
    const modeChanged = before !== null && (before.previewScene === null) !== (previewScene === null);
    useObs.setState((s) =>
      s.scenes
        ? { scenes: { ...s.scenes, programScene, previewScene, scenes: s.scenes.scenes.map((sc) => ({ ...sc, current: sc.name === programScene, preview: sc.name === previewScene })) } }
        : {},
    );
    if (listChanged) scenesSoon(true);
    else if (modeChanged) scenesSoon(false);
  });
  onEvent('obs.input', ({ connectionId, change }) => {
    if (connectionId !== selectedId()) return;
    if (change === 'filters') void refreshFilters();
    else if (change === 'items') void refreshItems();
    else void refreshInputs();
  });
  onEvent('obs.output', ({ connectionId }) => {
    if (connectionId === selectedId()) void refreshOutputs();
  });
  let inputsReadForMetersAt = 0;
  onEvent('obs.meters', ({ connectionId, inputs }) => {
    if (connectionId !== selectedId()) return;
    useObs.setState({ meters: Object.fromEntries(inputs.map((i) => [i.name, i.peakDb])) });
    // An input can be listed before its audio starts (a media source just created): when one meters but is
    // not shown with audio, read the inputs again, at most every 2 s.
    const withAudio = new Set(useObs.getState().inputs.filter((i) => i.muted !== null).map((i) => i.name));
    if (inputs.some((i) => !withAudio.has(i.name)) && Date.now() - inputsReadForMetersAt > 2000) {
      inputsReadForMetersAt = Date.now();
      void refreshInputs();
    }
  });
  onEvent('obs.transition', ({ connectionId, name, durationMs }) => {
    if (connectionId !== selectedId()) return;
    useObs.setState((s) => ({ transitions: s.transitions ? { ...s.transitions, current: name, durationMs } : s.transitions }));
  });
  onEvent('obs.stats', (sample) => {
    if (sample.connectionId !== selectedId()) return;
    useObs.setState((s) => ({ series: appendObsSample(s.series, sample, s.lastStats), lastStats: sample }));
  });
}
