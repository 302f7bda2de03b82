import type { OBSWebSocket } from 'obs-websocket-js';
import type { ObsOutputName } from '../../src-shared/contract/index.js';
import type { EventBus } from '../core/bus.js';
import type { Logger } from '../core/logger.js';
import { MeterWindow, metersOf } from './meters.js';
import type { ObsLink } from './obs-link.js';

const METERS_EVERY_MS = 200;

/**
 * OBS events -> contract events, for one connection. On every (re)connection the current program
 * and preview scenes are read and pushed at once, so that no client keeps stale state.
 */
export function bindObsEvents(socket: OBSWebSocket, id: string, link: ObsLink, bus: EventBus, logger: Logger): () => void {
  let program: string | null = null;
  let preview: string | null = null;
  const scene = (listChanged: boolean): void => bus.emit('obs.scene', { connectionId: id, programScene: program, previewScene: preview, listChanged });
  const input = (change: 'created' | 'removed' | 'renamed' | 'mute' | 'volume' | 'settings' | 'filters' | 'items', name: string): void =>
    bus.emit('obs.input', { connectionId: id, change, name });
  const output = (name: ObsOutputName) => (d: { outputActive: boolean; outputState: string }) =>
    bus.emit('obs.output', { connectionId: id, output: name, state: d.outputState.replace(/^OBS_WEBSOCKET_OUTPUT_/, '').toLowerCase(), active: d.outputActive });

  socket.on('CurrentProgramSceneChanged', (d) => {
    program = d.sceneName;
    scene(false);
  });
  socket.on('CurrentPreviewSceneChanged', (d) => {
    preview = d.sceneName;
    scene(false);
  });
  socket.on('StudioModeStateChanged', (d) => {
    if (!d.studioModeEnabled) preview = null;
    scene(false);
  });
  for (const e of ['SceneCreated', 'SceneRemoved', 'SceneNameChanged', 'SceneListChanged', 'CurrentSceneCollectionChanged'] as const) {
    socket.on(e, () => scene(true));
  }
  socket.on('StreamStateChanged', output('stream'));
  socket.on('RecordStateChanged', output('record'));
  socket.on('ReplayBufferStateChanged', output('replay'));
  socket.on('VirtualcamStateChanged', output('virtualcam'));
  socket.on('InputCreated', (d) => input('created', d.inputName));
  socket.on('InputRemoved', (d) => input('removed', d.inputName));
  socket.on('InputNameChanged', (d) => input('renamed', d.inputName));
  socket.on('InputMuteStateChanged', (d) => input('mute', d.inputName));
  socket.on('InputVolumeChanged', (d) => input('volume', d.inputName));
  for (const e of ['SourceFilterCreated', 'SourceFilterRemoved', 'SourceFilterEnableStateChanged', 'SourceFilterNameChanged'] as const) {
    socket.on(e, (d: { sourceName: string }) => input('filters', d.sourceName));
  }
  for (const e of ['SceneItemCreated', 'SceneItemRemoved', 'SceneItemEnableStateChanged', 'SceneItemListReindexed'] as const) {
    socket.on(e, (d: { sceneName: string }) => input('items', d.sceneName));
  }
  const transition = async (): Promise<void> => {
    try {
      const t = await link.call('GetCurrentSceneTransition');
      bus.emit('obs.transition', { connectionId: id, name: (t.transitionName as string) ?? null, durationMs: typeof t.transitionDuration === 'number' ? t.transitionDuration : null });
    } catch (error) {
      logger.debug({ err: error }, 'reading the OBS transition failed');
    }
  };
  socket.on('CurrentSceneTransitionChanged', () => void transition());
  socket.on('CurrentSceneTransitionDurationChanged', () => void transition());

  // OBS sends meters 20 times a second: pushed 5 times a second, with each window's peak.
  const meters = new MeterWindow();
  socket.on('InputVolumeMeters', (d) => meters.add(metersOf(d.inputs as Record<string, unknown>[])));
  const meterTimer = setInterval(() => {
    const inputs = meters.take();
    if (inputs) bus.emit('obs.meters', { connectionId: id, inputs });
  }, METERS_EVERY_MS);
  meterTimer.unref();

  // Fresh state after every (re)connection; runs once the link reports `connected`.
  setImmediate(() => {
    void (async () => {
      try {
        const list = await link.call('GetSceneList');
        program = (list.currentProgramSceneName as string | null) ?? null;
        preview = (list.currentPreviewSceneName as string | null) ?? null;
        scene(true);
      } catch (error) {
        logger.debug({ err: error }, 'reading the OBS scenes after connecting failed');
      }
    })();
  });
  return () => clearInterval(meterTimer);
}
