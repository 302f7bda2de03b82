import { useEffect, useState } from 'react';
import { videoVisibilities, type Video, type VideoEncryption, type VideoVisibility } from '../../../src-shared/contract/index.js';
import { toastSuccess } from '../../ui/toast-store.js';
import { parseTags, VISIBILITY_WORDS } from './format.js';
import { useLibrary } from './store.js';

interface Draft {
  title: string;
  description: string;
  tags: string;
  visibility: VideoVisibility;
  encryption: VideoEncryption;
}

const draftOf = (v: Video): Draft => ({ title: v.title, description: v.description, tags: v.tags.join(', '), visibility: v.visibility, encryption: v.encryption });

const ENCRYPTION_HINT = {
  none: 'Served clear: HLS, DASH and the MP4 download.',
  'aes-128': 'AES-128 HLS (hls.js, Safari, VHS) and Common Encryption DASH (dash.js through EME, ClearKey); its keys go to its viewers only, never to a cache. No MP4 download.',
} as const;

/** Title, description, tags, visibility and encryption; saved together with videos.update. */
export function DetailsForm({ video: v }: { video: Video }) {
  const [draft, setDraft] = useState(() => draftOf(v));
  const [busy, setBusy] = useState(false);
  const saved = draftOf(v);
  const dirty = (Object.keys(saved) as (keyof Draft)[]).some((k) => saved[k] !== draft[k]);
  const titleError = draft.title.trim() ? null : 'A title is required';

  // Another client's edit arrives as video.changed: take it unless this form holds unsaved changes.
  useEffect(() => {
    if (!dirty) setDraft(draftOf(v));
  }, [v.title, v.description, v.tags.join(','), v.visibility, v.encryption]);

  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    if (titleError) return;
    setBusy(true);
    const done = await useLibrary.getState().update(v.id, {
      title: draft.title.trim(),
      description: draft.description,
      tags: parseTags(draft.tags),
      visibility: draft.visibility,
      encryption: draft.encryption,
    });
    setBusy(false);
    if (done) {
      setDraft(draftOf(done));
      toastSuccess('Saved');
    }
  };

  return (
    <form className="form video-form" onSubmit={(e) => void save(e)} data-testid="video-form">
      <label className="form-field">
        <span className="field-label">Title</span>
        <input className="input" data-testid="video-title" maxLength={200} value={draft.title} aria-invalid={titleError ? true : undefined} onChange={(e) => set({ title: e.target.value })} />
        {titleError && <span className="field-error">{titleError}</span>}
      </label>
      <label className="form-field">
        <span className="field-label">Description</span>
        <textarea className="input textarea" rows={4} maxLength={5000} data-testid="video-description" value={draft.description} onChange={(e) => set({ description: e.target.value })} />
      </label>
      <label className="form-field">
        <span className="field-label">Tags</span>
        <input className="input" placeholder="talk, launch, 2025" data-testid="video-tags" value={draft.tags} onChange={(e) => set({ tags: e.target.value })} />
        <span className="field-hint">Separated by commas</span>
      </label>
      <fieldset className="form-field visibility-field">
        <legend className="field-label">Visibility</legend>
        <div className="visibility-options" role="radiogroup">
          {videoVisibilities.map((vis) => (
            <label key={vis} className={`visibility-option ${draft.visibility === vis ? 'active' : ''}`} data-testid={`video-visibility-${vis}`}>
              <input type="radio" name="visibility" value={vis} checked={draft.visibility === vis} onChange={() => set({ visibility: vis })} />
              <strong>{VISIBILITY_WORDS[vis].label}</strong>
              <span className="muted small">{VISIBILITY_WORDS[vis].explain}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <label className="form-field">
        <span className="field-label">Encryption</span>
        <select className="input" data-testid="video-encryption" value={draft.encryption} onChange={(e) => set({ encryption: e.target.value as VideoEncryption })}>
          <option value="none">None</option>
          <option value="aes-128">AES-128</option>
        </select>
        <span className="field-hint" data-testid="video-encryption-explain">
          {draft.encryption !== 'none' && draft.visibility !== 'private'
            ? 'Encrypted, but anyone with the link gets its keys: make it private to give them to signed links only.'
            : ENCRYPTION_HINT[draft.encryption]}
        </span>
      </label>
      <div className="form-actions">
        <button type="button" className="button ghost" disabled={!dirty || busy} onClick={() => setDraft(saved)}>
          Revert
        </button>
        <button type="submit" className="button primary" data-testid="video-save" disabled={!dirty || busy || titleError !== null}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
