import { useState } from 'react';
import type { Video } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { subtitleFormatOf } from './format.js';
import { useLibrary } from './store.js';

const LANGUAGE_RE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
const MAX_CHARS = 900_000;

/** The subtitle tracks, and a form to add one from an SRT, WebVTT or ASS file with its language. */
export function SubtitlesCard({ video: v }: { video: Video }) {
  const [file, setFile] = useState<File | null>(null);
  const [language, setLanguage] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const format = file ? subtitleFormatOf(file.name) : null;
  const languageOk = LANGUAGE_RE.test(language.trim());
  const { addSubtitles, deleteSubtitles } = useLibrary.getState();

  const add = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!file || !format || !languageOk) return;
    const content = await file.text();
    if (content.length > MAX_CHARS) return setError('This file is too large for a subtitle track');
    setBusy(true);
    setError(null);
    const ok = await addSubtitles(v.id, { language: language.trim(), format, content, ...(label.trim() ? { label: label.trim() } : {}) });
    setBusy(false);
    if (ok) {
      setFile(null);
      setLanguage('');
      setLabel('');
    }
  };

  return (
    <Card title={<>Subtitles <span className="muted">{v.subtitles.length || ''}</span></>} testId="video-subtitles">
      {v.subtitles.length > 0 ? (
        <ul className="subtitle-list">
          {v.subtitles.map((s) => (
            <li key={s.id} className="subtitle-row" data-testid={`subtitle-${s.language}`}>
              <span className="subtitle-lang mono">{s.language}</span>
              <span className="subtitle-label">{s.label}</span>
              <a className="icon-button" href={s.url} target="_blank" rel="noreferrer" aria-label={`Open ${s.label} WebVTT`} title="The WebVTT file">
                <Icon name="external" size={15} />
              </a>
              <button className="icon-button" aria-label={`Remove ${s.label}`} title="Remove" onClick={() => void deleteSubtitles(v.id, s.id)}>
                <Icon name="trash" size={15} />
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No subtitles yet. Players list each track in their subtitles menu.</p>
      )}
      <form className="subtitle-form" onSubmit={(e) => void add(e)}>
        <label className={`subtitle-file ${file ? 'has-file' : ''}`}>
          <Icon name="captions" size={16} />
          <span>{file ? file.name : 'Choose an SRT, VTT or ASS file'}</span>
          <input type="file" accept=".srt,.vtt,.ass,.ssa" hidden data-testid="subtitle-file" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <div className="subtitle-fields">
          <input className="input input-compact" placeholder="Language: en, pt-BR" aria-label="Language" data-testid="subtitle-language" value={language} aria-invalid={language && !languageOk ? true : undefined} onChange={(e) => setLanguage(e.target.value)} />
          <input className="input input-compact" placeholder="Label (optional)" aria-label="Label" maxLength={64} data-testid="subtitle-label" value={label} onChange={(e) => setLabel(e.target.value)} />
          <button className="button small-button" type="submit" data-testid="subtitle-add" disabled={!file || !format || !languageOk || busy}>
            {busy ? 'Adding…' : 'Add'}
          </button>
        </div>
        {file && !format && <span className="field-error">Subtitles come as .srt, .vtt or .ass files</span>}
        {error && <span className="field-error">{error}</span>}
      </form>
    </Card>
  );
}
