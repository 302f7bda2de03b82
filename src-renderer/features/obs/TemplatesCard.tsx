import { useState, type FormEvent } from 'react';
import type { ObsTemplateName } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { applyTemplate, useObs } from './store.js';

/** Make a scene from a template; asks only for what the chosen template uses (screen, cameras, title). */
export function TemplatesCard() {
  const templates = useObs((s) => s.templates);
  const [template, setTemplate] = useState<ObsTemplateName>('gaming');
  const [sceneName, setSceneName] = useState('');
  const [screen, setScreen] = useState('0');
  const [camera, setCamera] = useState('');
  const [secondCamera, setSecondCamera] = useState('');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const chosen = templates.find((t) => t.name === template);
  const asks = new Set(chosen?.parameters ?? []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(
      await applyTemplate({
        template,
        ...(sceneName.trim() ? { sceneName: sceneName.trim() } : {}),
        ...(asks.has('screen') ? { screen: Number(screen) || 0 } : {}),
        ...(asks.has('camera') && camera.trim() ? { camera: camera.trim() } : {}),
        ...(asks.has('secondCamera') && secondCamera.trim() ? { secondCamera: secondCamera.trim() } : {}),
        ...(asks.has('title') && title.trim() ? { title: title.trim() } : {}),
      }),
    );
  };

  return (
    <Card title="Scene templates" testId="obs-templates">
      <form className="obs-template-form" onSubmit={(e) => void submit(e)}>
        <select className="input" aria-label="Template" data-testid="obs-template" value={template} onChange={(e) => setTemplate(e.target.value as ObsTemplateName)}>
          {templates.map((t) => (
            <option key={t.name} value={t.name}>{t.label}</option>
          ))}
        </select>
        <input className="input" aria-label="Scene name" data-testid="obs-template-scene" placeholder={chosen?.label ?? 'Scene name'} value={sceneName} onChange={(e) => setSceneName(e.target.value)} />
        {asks.has('screen') && <input className="input input-port" aria-label="Screen number" data-testid="obs-template-screen" inputMode="numeric" value={screen} onChange={(e) => setScreen(e.target.value)} />}
        {asks.has('camera') && <input className="input" aria-label="Camera device" placeholder="Camera (e.g. /dev/video0)" value={camera} onChange={(e) => setCamera(e.target.value)} />}
        {asks.has('secondCamera') && <input className="input" aria-label="Second camera device" placeholder="Guest camera" value={secondCamera} onChange={(e) => setSecondCamera(e.target.value)} />}
        {asks.has('title') && <input className="input" aria-label="Title" data-testid="obs-template-title" placeholder="Title text" value={title} onChange={(e) => setTitle(e.target.value)} />}
        <button className="button primary" type="submit" data-testid="obs-template-apply">
          <Icon name="plus" size={16} /> Create scene
        </button>
      </form>
      {chosen && <p className="field-hint">{chosen.description}</p>}
      {error && <div className="form-error" role="alert" data-testid="obs-template-error">{error}</div>}
    </Card>
  );
}
