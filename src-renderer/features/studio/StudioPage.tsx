import { useEffect, useRef, useState } from 'react';
import { transitionKinds, type Scene, type Transition } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { StudioEngine } from '../../studio/engine.js';
import { EditorCanvas } from './EditorCanvas.js';
import { GuestsPanel } from './GuestsPanel.js';
import { ItemProperties } from './ItemProperties.js';
import { MixerPanel } from './MixerPanel.js';
import { ScenesPanel, SourcesPanel } from './ScenesPanel.js';
import { SourcePicker } from './SourcePicker.js';
import { StatusBar } from './StatusBar.js';
import { editedScene, useStudio } from './store.js';
import './studio.css';

function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/**
 * Goes live again after a reload: the previous page's publish may still be ending on the host (409),
 * so it tries for a few seconds before it says why it could not.
 */
async function resumeLive(engine: StudioEngine, whipUrl: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await engine.goLive(whipUrl);
    } catch (err) {
      if (attempt >= 8 || !String((err as Error).message).startsWith('CONFLICT')) return toastError(err);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The studio: scenes and sources, the editor on the preview, the program, the mixer and Go live. */
export function StudioPage() {
  const state = useStudio((s) => s.state);
  const load = useStudio((s) => s.load);
  const updateStudio = useStudio((s) => s.updateStudio);
  const addSource = useStudio((s) => s.addSource);
  const [engine, setEngine] = useState<StudioEngine | null>(null);
  /** Why this browser cannot compose the show (no WebGL2, no Web Audio): shown in place of a toast that goes away. */
  const [engineError, setEngineError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const [streams, setStreams] = useState<string[]>([]);
  const [, redraw] = useState(0);
  const previewRef = useRef<HTMLCanvasElement>(null);
  const programRef = useRef<HTMLCanvasElement>(null);
  const importRef = useRef<HTMLInputElement>(null);
  const resumed = useRef(false);

  useEffect(() => void load(), [load]);
  useEffect(() => void call('streams.list', {}).then((l) => setStreams(l.map((s) => s.name)), toastError), []);

  // One engine for the page's life, once the canvases exist and the show has loaded.
  const loaded = state !== null;
  useEffect(() => {
    if (!loaded || !previewRef.current || !programRef.current) return;
    let made: StudioEngine | null = null;
    try {
      made = new StudioEngine({ preview: previewRef.current, program: programRef.current, audio: new AudioContext({ latencyHint: 'interactive', sampleRate: 48_000 }) });
      made.onChange = () => redraw((n) => n + 1);
      (window as unknown as { __studio?: StudioEngine }).__studio = made;
      setEngine(made);
      setEngineError(null);
    } catch (err) {
      setEngineError(err instanceof Error ? err.message : String(err));
    }
    return () => made?.dispose();
  }, [loaded]);

  useEffect(() => {
    if (engine && state) engine.setState(state);
  }, [engine, state]);

  // The page was reloaded while live: the show goes on, on the same stream (no new key).
  useEffect(() => {
    if (!engine || !state || resumed.current) return;
    resumed.current = true;
    if (state.studio.live && state.studio.stream) void resumeLive(engine, `/live/${encodeURIComponent(state.studio.stream)}/whip`);
  }, [engine, state]);

  const pick = (scene: Scene) => {
    if (!state) return;
    if (state.studio.studioMode) void updateStudio({ previewSceneId: scene.id });
    else {
      engine?.switchProgram(scene.id);
      void updateStudio({ programSceneId: scene.id });
    }
  };
  const take = () => {
    if (!state?.studio.previewSceneId) return;
    const { previewSceneId, programSceneId } = state.studio;
    engine?.switchProgram(previewSceneId);
    // Studio mode swaps: what was on program comes back to preview.
    void updateStudio({ programSceneId: previewSceneId, previewSceneId: programSceneId ?? previewSceneId });
  };

  // Hotkeys: 1-9 pick a scene, T (or Enter in studio mode) takes preview to program.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!state || (e.target as HTMLElement).closest('input, textarea, select')) return;
      const n = Number(e.key);
      if (n >= 1 && n <= 9 && state.scenes[n - 1]) pick(state.scenes[n - 1]!);
      if (e.key === 't' || e.key === 'T' || (e.key === 'Enter' && state.studio.studioMode)) take();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const goLive = async () => {
    const stream = state?.studio.stream;
    if (!engine || !stream) return;
    try {
      await engine.goLive(`/live/${encodeURIComponent(stream)}/whip`);
      await updateStudio({ live: true });
    } catch (err) {
      toastError(err);
    }
  };
  const stopLive = async () => {
    engine?.stopLive();
    await updateStudio({ live: false });
  };
  const importFile = async (file: File | undefined) => {
    if (!file) return;
    let collection: unknown;
    try {
      collection = JSON.parse(await file.text());
    } catch {
      return toastError({ code: 'SCENE_FILE_INVALID', message: `${file.name} is not JSON: nothing was changed` });
    }
    try {
      await call('scenes.import', { collection });
      toastSuccess('Scenes imported', file.name);
    } catch (err) {
      toastError(err);
    }
  };

  const scene = editedScene(state);
  const s = state?.studio;
  const live = engine?.output?.state === 'live' || engine?.output?.state === 'connecting';
  const setTransition = (patch: Partial<Transition>) => s && void updateStudio({ transition: { ...s.transition, ...patch } });
  return (
    <div className="studio-page">
      <div className="studio-toolbar">
        <label className="checkbox"><input type="checkbox" data-testid="studio-mode" checked={s?.studioMode ?? false} onChange={(e) => void updateStudio({ studioMode: e.target.checked, previewSceneId: s?.programSceneId ?? null })} /> Studio mode</label>
        <select className="input tiny" aria-label="Transition" data-testid="transition-kind" value={s?.transition.kind ?? 'fade'} onChange={(e) => setTransition({ kind: e.target.value as Transition['kind'] })}>
          {transitionKinds.filter((k) => k !== 'stinger' || s?.transition.stinger).map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
        <input className="input tiny" type="number" aria-label="Transition ms" data-testid="transition-ms" min={0} max={10000} step={50} value={s?.transition.durationMs ?? 300} onChange={(e) => setTransition({ durationMs: Number(e.target.value) })} />
        {s?.studioMode && <button className="button primary" data-testid="studio-take" onClick={take}>Take ▶</button>}
        <span className="spacer" />
        <button className="button small-button" data-testid="scenes-export" onClick={() => void call('scenes.export', {}).then((c) => download('scenes.json', JSON.stringify(c, null, 2)), toastError)}>Export</button>
        <button className="button small-button" data-testid="scenes-import" onClick={() => importRef.current?.click()}>Import</button>
        <input ref={importRef} type="file" accept="application/json,.json" hidden data-testid="scenes-import-file" onChange={(e) => { void importFile(e.target.files?.[0]); e.target.value = ''; }} />
        <select className="input tiny" aria-label="Stream" data-testid="studio-stream" value={s?.stream ?? ''} disabled={live} onChange={(e) => void updateStudio({ stream: e.target.value || null })}>
          <option value="">Choose a stream</option>
          {streams.map((n) => <option key={n} value={n}>{n}</option>)}
        </select>
        {live
          ? <button className="button danger" data-testid="studio-stop" onClick={() => void stopLive()}>Stop</button>
          : <button className="button primary" data-testid="studio-go-live" disabled={!s?.stream || !engine} onClick={() => void goLive()}>Go live</button>}
      </div>
      {engineError && (
        <div className="notice notice-bad" role="alert" data-testid="studio-engine-error">
          This browser cannot compose the show: {engineError}. Turn on hardware acceleration (or WebGL) in the browser's settings, or open the studio in another browser.
        </div>
      )}
      <div className="studio-main">
        <aside className="studio-side">
          {state && <ScenesPanel state={state} engine={engine} onPick={pick} />}
          {state && scene && <SourcesPanel scene={scene} state={state} engine={engine} onAdd={() => setPicking(true)} />}
          {state && scene && <ItemProperties scene={scene} state={state} />}
          {state && <GuestsPanel state={state} engine={engine} />}
        </aside>
        <div className="studio-views">
          <figure className="studio-view">
            <figcaption>{s?.studioMode ? 'Preview' : 'Editor'}{scene ? ` · ${scene.name}` : ''}</figcaption>
            <EditorCanvas engine={engine} scene={scene} canvasRef={previewRef} program={{ width: s?.width ?? 1280, height: s?.height ?? 720 }} />
          </figure>
          <figure className="studio-view">
            <figcaption>Program{live ? ' · LIVE' : ''}</figcaption>
            <canvas ref={programRef} className={`studio-canvas ${live ? 'live' : ''}`} data-testid="studio-program" />
          </figure>
        </div>
      </div>
      {state && <MixerPanel engine={engine} sources={state.sources} />}
      <StatusBar engine={engine} live={live} />
      {picking && scene && (
        <SourcePicker onClose={() => setPicking(false)} onAdd={async (input) => { if (await addSource(input, scene.id)) setPicking(false); }} />
      )}
    </div>
  );
}
