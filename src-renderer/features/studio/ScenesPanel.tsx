import { useState } from 'react';
import { sceneLayouts, type Scene, type SceneLayout, type StudioState } from '../../../src-shared/contract/index.js';
import type { StudioEngine } from '../../studio/engine.js';
import { reorder } from './editor-model.js';
import { Icon } from '../../ui/Icon.js';
import { useStudio } from './store.js';

/** The scene list: click to edit (studio mode: to preview; else: to program with the transition). */
export function ScenesPanel({ state, engine, onPick }: { state: StudioState; engine: StudioEngine | null; onPick(scene: Scene): void }) {
  const createScene = useStudio((s) => s.createScene);
  const deleteScene = useStudio((s) => s.deleteScene);
  const s = state.studio;
  const active = s.studioMode ? s.previewSceneId : s.programSceneId;
  return (
    <section className="studio-panel" data-testid="scenes-panel">
      <header className="panel-head">
        <h3>Scenes</h3>
        <button className="button small-button" data-testid="scene-add" onClick={() => void createScene(`Scene ${state.scenes.length + 1}`)}>+ Scene</button>
      </header>
      <ul className="scene-list">
        {state.scenes.map((scene, i) => (
          <li key={scene.id} className={`scene-row ${scene.id === active ? 'active' : ''} ${scene.id === engine?.programScene ? 'on-program' : ''}`} data-testid={`scene-${scene.name}`}>
            <button className="scene-name" onClick={() => onPick(scene)} title={`Hotkey ${i + 1}`}>
              <span className="muted small">{i + 1}</span> {scene.name}
            </button>
            {state.scenes.length > 1 && <button className="icon-button small" title="Delete the scene" aria-label={`Delete ${scene.name}`} onClick={() => void deleteScene(scene.id)}><Icon name="trash" size={14} /></button>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The edited scene's sources, top of the picture first, with their status and controls. */
export function SourcesPanel({ scene, state, engine, onAdd }: { scene: Scene; state: StudioState; engine: StudioEngine | null; onAdd(): void }) {
  const updateScene = useStudio((st) => st.updateScene);
  const removeSource = useStudio((st) => st.removeSource);
  const selected = useStudio((st) => st.selectedItemId);
  const select = useStudio((st) => st.select);
  const [, redraw] = useState(0);
  const setItems = (items: Scene['items']) => void updateScene({ id: scene.id, items });
  return (
    <section className="studio-panel" data-testid="sources-panel">
      <header className="panel-head">
        <h3>Sources</h3>
        <select className="input tiny" aria-label="Layout" data-testid="scene-layout" value={scene.layout} onChange={(e) => void updateScene({ id: scene.id, layout: e.target.value as SceneLayout })}>
          {sceneLayouts.map((l) => <option key={l} value={l}>{l === 'free' ? 'Free layout' : l}</option>)}
        </select>
        <button className="button small-button primary" data-testid="source-add" onClick={onAdd}>+ Source</button>
      </header>
      {scene.items.length === 0 && <p className="muted small">Nothing in this scene yet.</p>}
      <ul className="source-list">
        {[...scene.items].reverse().map((item) => {
          const source = state.sources.find((x) => x.id === item.sourceId);
          const live = engine?.sourcesById.get(item.sourceId);
          if (!source) return null;
          const status = live?.status ?? 'starting';
          return (
            <li key={item.id} className={`source-row ${item.id === selected ? 'selected' : ''}`} data-testid={`source-${source.name}`} data-status={status} onClick={() => { select(item.id); if (engine) engine.selectedItemId = item.id; redraw((n) => n + 1); }}>
              <span className={`status-dot ${status}`} title={live?.reason ?? status} />
              <span className="source-name">{source.name}<span className="muted small"> {source.settings.kind}</span></span>
              {live?.reason && <span className="source-reason small" data-testid={`source-reason-${source.name}`}>{live.reason}</span>}
              <div className="source-actions">
                {(source.settings.kind === 'screen' || status === 'error') && (
                  <button className="button small-button" data-testid={`capture-${source.name}`} onClick={(e) => { e.stopPropagation(); void engine?.capture(source.id); }}>{source.settings.kind === 'screen' ? 'Capture' : 'Retry'}</button>
                )}
                <span className="spacer" />
                <button className="icon-button small" title={item.visible ? 'Hide' : 'Show'} aria-label={item.visible ? 'Hide' : 'Show'} data-testid={`visible-${source.name}`} onClick={(e) => { e.stopPropagation(); setItems(scene.items.map((i) => (i.id === item.id ? { ...i, visible: !i.visible } : i))); }}><Icon name={item.visible ? 'eye' : 'eyeOff'} size={14} /></button>
                <button className="icon-button small" title={item.locked ? 'Unlock' : 'Lock'} aria-label={item.locked ? 'Unlock' : 'Lock'} onClick={(e) => { e.stopPropagation(); setItems(scene.items.map((i) => (i.id === item.id ? { ...i, locked: !i.locked } : i))); }}><Icon name={item.locked ? 'lock' : 'unlock'} size={14} /></button>
                <button className="icon-button small" title="Bring forward" aria-label="Bring forward" onClick={(e) => { e.stopPropagation(); setItems(reorder(scene.items, item.id, 'up')); }}><Icon name="up" size={14} /></button>
                <button className="icon-button small" title="Send backward" aria-label="Send backward" onClick={(e) => { e.stopPropagation(); setItems(reorder(scene.items, item.id, 'down')); }}><Icon name="down" size={14} /></button>
                <button className="icon-button small" title="Remove from this scene" aria-label="Remove from this scene" onClick={(e) => { e.stopPropagation(); setItems(scene.items.filter((i) => i.id !== item.id)); }}><Icon name="close" size={14} /></button>
                {!state.scenes.some((sc) => sc.id !== scene.id && sc.items.some((i) => i.sourceId === source.id)) && (
                  <button className="icon-button small" title="Delete the source" aria-label="Delete the source" onClick={(e) => { e.stopPropagation(); void removeSource(source.id); }}><Icon name="trash" size={14} /></button>
                )}
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
