import { useEffect, useState, type FormEvent } from 'react';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { createScene, focusScene, previewScene, refreshScenes, removeScene, switchScene, useObs } from './store.js';
import { TransitionBar } from './TransitionBar.js';

const THUMBNAIL_REFRESH_MS = 5000;

/** Scenes as thumbnails (refreshed every few seconds): click to put one on program. */
export function SceneGrid() {
  const scenes = useObs((s) => s.scenes);
  const focused = useObs((s) => s.focusScene);
  const [name, setName] = useState('');

  useEffect(() => {
    const timer = setInterval(() => void refreshScenes(true), THUMBNAIL_REFRESH_MS);
    return () => clearInterval(timer);
  }, []);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (name.trim() && (await createScene(name.trim()))) setName('');
  };

  return (
    <Card
      title={<>Scenes <span className="muted">{scenes?.scenes.length ?? ''}</span></>}
      testId="obs-scenes"
      actions={
        <form className="obs-inline-form" onSubmit={(e) => void add(e)}>
          <input className="input input-compact" aria-label="New scene name" data-testid="obs-new-scene" placeholder="New scene" value={name} onChange={(e) => setName(e.target.value)} />
          <button className="button small-button" type="submit" data-testid="obs-new-scene-submit" disabled={!name.trim()}>
            <Icon name="plus" size={14} /> Add
          </button>
        </form>
      }
    >
      <TransitionBar />
      {!scenes ? (
        <p className="muted">Loading…</p>
      ) : (
        <div className="obs-scene-grid" data-testid="obs-scene-grid">
          {scenes.scenes.map((s) => (
            <div key={s.name} className={`obs-scene${s.current ? ' is-program' : ''}${s.preview ? ' is-preview' : ''}${s.name === focused ? ' is-focused' : ''}`} data-testid={`obs-scene-${s.name}`}>
              <button
                type="button"
                className="obs-scene-thumb"
                title={scenes.studioMode ? `Preview ${s.name}` : `Switch to ${s.name}`}
                onClick={() => void (scenes.studioMode ? previewScene(s.name) : switchScene(s.name))}
              >
                {s.screenshot ? <img src={s.screenshot} alt="" /> : <span className="obs-scene-blank" />}
                {s.current && <span className="badge badge-live obs-scene-badge">PROGRAM</span>}
                {s.preview && !s.current && <span className="badge badge-ok obs-scene-badge">PREVIEW</span>}
              </button>
              <div className="obs-scene-footer">
                <button type="button" className="obs-scene-name" onClick={() => focusScene(s.name)} data-testid="obs-scene-sources">{s.name}</button>
                <button type="button" className="button ghost small-button" aria-label={`Remove scene ${s.name}`} disabled={s.current} onClick={() => void removeScene(s.name)}>
                  <Icon name="trash" size={13} />
                </button>
              </div>
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}
