import { useState, type FormEvent } from 'react';
import { Card } from '../../ui/Card.js';
import { purgeFromForm, type PurgeMode } from './model.js';
import { useEdges } from './store.js';

const MODES: { id: PurgeMode; label: string; placeholder: string }[] = [
  { id: 'tags', label: 'Tags', placeholder: 'stream/my-show' },
  { id: 'prefix', label: 'Prefix', placeholder: '/live/my-show/' },
  { id: 'pattern', label: 'Regular expression', placeholder: '\\.m3u8$' },
  { id: 'urls', label: 'URLs', placeholder: '/live/my-show/v0.m3u8' },
];

export function PurgeForm() {
  const purge = useEdges((s) => s.purge);
  const last = useEdges((s) => s.lastPurge);
  const [mode, setMode] = useState<PurgeMode>('tags');
  const [text, setText] = useState('');
  const [soft, setSoft] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = purgeFromForm(mode, text, soft);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    setError(null);
    setBusy(true);
    await purge(parsed.request);
    setBusy(false);
  };

  return (
    <Card title="Purge" testId="purge-card">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <label className="field-label" htmlFor="purge-mode">Purge by</label>
        <select id="purge-mode" className="input" data-testid="purge-mode" value={mode} onChange={(e) => setMode(e.target.value as PurgeMode)}>
          {MODES.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
        </select>
        <input
          className="input"
          data-testid="purge-text"
          aria-label="What to purge"
          placeholder={MODES.find((m) => m.id === mode)!.placeholder}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {error && <div className="field-error" role="alert" data-testid="purge-error">{error}</div>}
        <label className="switch">
          <input type="checkbox" data-testid="purge-soft" checked={soft} onChange={(e) => setSoft(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">Soft: fetch again, keep the old copy if the origin is down</span>
        </label>
        <button className="button primary" type="submit" data-testid="purge-submit" disabled={busy}>{busy ? 'Purging…' : 'Purge'}</button>
      </form>
      {last && (
        <p className="muted" data-testid="purge-result">
          Purge #{last.seq}: {last.edges.filter((e) => e.status === 'done').length}/{last.edges.length} edges
          {last.propagatedMs !== null ? `, all confirmed in ${last.propagatedMs} ms` : ''}
          {last.edges.some((e) => e.status !== 'done') ? ' (edges that are away catch up when they return)' : ''}
        </p>
      )}
    </Card>
  );
}
