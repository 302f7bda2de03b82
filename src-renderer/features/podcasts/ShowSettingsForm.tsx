import { useEffect, useState, type FormEvent } from 'react';
import type { Show } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { FieldError } from '../../ui/FieldError.js';
import { toastSuccess } from '../../ui/toast-store.js';
import { CategorySelect, Field, Switch } from './Field.js';
import { showDraftOf, showPatch, type ShowDraft } from './forms-model.js';
import { withoutFields } from './podcasts-model.js';
import { usePodcasts } from './store.js';

const E = 'show-error';

/** The host's stream names for the live-stream select; none when this session may not list streams. */
function useStreamNames(): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let gone = false;
    call('streams.list').then(
      (list) => !gone && setNames(list.map((s) => s.name).sort((a, b) => a.localeCompare(b))),
      () => undefined,
    );
    return () => {
      gone = true;
    };
  }, []);
  return names;
}

/** Every editable setting of a show (not its feed name, which podcast apps keep), saved together. */
export function ShowSettingsForm({ show }: { show: Show }) {
  const [draft, setDraft] = useState<ShowDraft>(() => showDraftOf(show));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const streams = useStreamNames();
  const patch = showPatch(show, draft);
  const dirty = Object.keys(patch).length > 0;

  // An edit saved elsewhere (the artwork, another window) arrives with the show: take it unless this form holds changes.
  useEffect(() => {
    if (!dirty) setDraft(showDraftOf(show));
  }, [show.updatedAt]);

  const set = (change: Partial<ShowDraft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((old) => withoutFields(old, change));
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const saved = await usePodcasts.getState().updateShow(show.id, patch);
    setBusy(false);
    if (!saved.ok) return setErrors(saved.errors);
    setDraft(showDraftOf(saved.value));
    setErrors({});
    toastSuccess('Settings saved');
  };

  const text = (key: keyof ShowDraft, label: string, extra: { hint?: string; placeholder?: string; type?: string; mono?: boolean } = {}) => (
    <Field label={label} field={key} errors={errors} errorPrefix={E} hint={extra.hint}>
      <input
        className={`input ${extra.mono ? 'mono' : ''}`}
        type={extra.type ?? 'text'}
        data-testid={`show-${key}`}
        placeholder={extra.placeholder}
        spellCheck={extra.mono ? false : undefined}
        value={draft[key] as string}
        aria-invalid={errors[key] ? true : undefined}
        onChange={(e) => set({ [key]: e.target.value })}
      />
    </Field>
  );

  return (
    <form className="form podcast-form" data-testid="show-settings-form" onSubmit={(e) => void save(e)} noValidate autoComplete="off">
      <div className="settings-columns">
        <div className="settings-column">
          {text('title', 'Title')}
          {text('author', 'Author')}
          <div className="podcast-form-pair podcast-form-pair-owner">
            {text('ownerName', 'Owner name', { placeholder: 'optional' })}
            {text('ownerEmail', 'Owner e-mail', { type: 'email' })}
          </div>
          <div className="podcast-form-pair">
            <Field label="Category" field="category" errors={errors} errorPrefix={E}>
              <CategorySelect value={draft.category} testId="show-category" invalid={!!errors.category} onChange={(category) => set({ category })} />
            </Field>
            {text('language', 'Language', { placeholder: 'en', mono: true })}
          </div>
          {text('copyright', 'Copyright', { placeholder: `© ${new Date().getFullYear()} ${show.author}` })}
        </div>
        <div className="settings-column">
          {text('link', 'Website', { placeholder: "https://… (default: the feed's host)", type: 'url' })}
          <Field label="Live stream" field="liveStream" errors={errors} errorPrefix={E} hint="While it is live, the feed announces it (podcast:liveItem)">
            <select className="input" data-testid="show-liveStream" value={draft.liveStream} onChange={(e) => set({ liveStream: e.target.value })}>
              <option value="">None</option>
              {[...new Set([...streams, ...(draft.liveStream ? [draft.liveStream] : [])])].map((name) => (
                <option key={name} value={name}>{name}</option>
              ))}
            </select>
          </Field>
          {text('prefixUrl', 'Analytics prefix', { placeholder: 'https://op3.dev/e/', type: 'url', mono: true, hint: 'Podtrac, Chartable, OP3…: enclosure URLs go through it' })}
          <div className="podcast-switches">
            <Switch testId="show-explicit" checked={draft.explicit} onChange={(explicit) => set({ explicit })}>Explicit content</Switch>
            <Switch testId="show-private" checked={draft.private} onChange={(on) => set({ private: on })}>Private: only subscribers' feed URLs</Switch>
            <Switch testId="show-locked" checked={draft.locked} onChange={(locked) => set({ locked })}>Locked: other platforms must not import the feed</Switch>
          </div>
        </div>
      </div>
      <Field label="Description" field="description" errors={errors} errorPrefix={E} hint="Podcast apps show it on the show's page">
        <textarea className="input textarea" rows={4} maxLength={4000} data-testid="show-description" value={draft.description} onChange={(e) => set({ description: e.target.value })} />
      </Field>
      <FieldError field="form" errors={errors} testIdPrefix={E} />
      <div className="form-actions">
        <span className="field-hint grow">Feed name <code>{show.slug}</code>: fixed, so that podcast apps keep finding the show.</span>
        <button type="button" className="button ghost" disabled={!dirty || busy} onClick={() => (setDraft(showDraftOf(show)), setErrors({}))}>
          Revert
        </button>
        <button type="submit" className="button primary" data-testid="show-save" disabled={!dirty || busy}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}
