import { useState, type FormEvent } from 'react';
import { Card } from '../../ui/Card.js';
import { FieldError } from '../../ui/FieldError.js';
import { Icon } from '../../ui/Icon.js';
import { CategorySelect, Field, Switch } from './Field.js';
import { EMPTY_NEW_SHOW, newShowInput, type NewShowDraft } from './forms-model.js';
import { withoutFields } from './podcasts-model.js';
import { openShow } from './route.js';
import { usePodcasts } from './store.js';

const E = 'new-show-error';

/** A new show: what directories need (title, author, owner e-mail, category), the rest editable later. */
export function NewShowForm() {
  const [draft, setDraft] = useState<NewShowDraft>(EMPTY_NEW_SHOW);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const set = (patch: Partial<NewShowDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((old) => withoutFields(old, patch));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    // The host checks the fields (the same schema for every client): its answer names each bad one.
    const saved = await usePodcasts.getState().createShow(newShowInput(draft));
    setBusy(false);
    if (!saved.ok) {
      setErrors(saved.errors);
      return;
    }
    setDraft(EMPTY_NEW_SHOW);
    setErrors({});
    openShow(saved.value.id);
  };

  return (
    <Card title="New show" testId="new-show" className="new-show-card">
      <form className="form podcast-form" onSubmit={(e) => void submit(e)} noValidate autoComplete="off">
        <Field label="Title" field="title" errors={errors} errorPrefix={E}>
          <input className="input" data-testid="new-show-title" maxLength={200} placeholder="The Studio Hour" value={draft.title} aria-invalid={errors.title ? true : undefined} onChange={(e) => set({ title: e.target.value })} />
        </Field>
        <Field label="Author" field="author" errors={errors} errorPrefix={E} hint="As podcast apps show it under the title">
          <input className="input" data-testid="new-show-author" maxLength={200} value={draft.author} aria-invalid={errors.author ? true : undefined} onChange={(e) => set({ author: e.target.value })} />
        </Field>
        <Field label="Owner e-mail" field="ownerEmail" errors={errors} errorPrefix={E} hint="Directories write to it to verify the show">
          <input className="input" type="email" data-testid="new-show-email" maxLength={200} placeholder="you@example.com" value={draft.ownerEmail} aria-invalid={errors.ownerEmail ? true : undefined} onChange={(e) => set({ ownerEmail: e.target.value })} />
        </Field>
        <div className="podcast-form-pair">
          <Field label="Category" field="category" errors={errors} errorPrefix={E}>
            <CategorySelect value={draft.category} testId="new-show-category" invalid={!!errors.category} onChange={(category) => set({ category })} />
          </Field>
          <Field label="Language" field="language" errors={errors} errorPrefix={E}>
            <input className="input" data-testid="new-show-language" placeholder="en" spellCheck={false} value={draft.language} aria-invalid={errors.language ? true : undefined} onChange={(e) => set({ language: e.target.value })} />
          </Field>
        </div>
        <Field label="Description" field="description" errors={errors} errorPrefix={E}>
          <textarea className="input textarea" rows={3} maxLength={4000} data-testid="new-show-description" value={draft.description} onChange={(e) => set({ description: e.target.value })} />
        </Field>
        <Switch testId="new-show-explicit" checked={draft.explicit} onChange={(explicit) => set({ explicit })}>Explicit content</Switch>
        <Switch testId="new-show-private" checked={draft.private} onChange={(on) => set({ private: on })}>Private: only subscribers' own feed URLs</Switch>
        <details className="podcast-more" open={!!errors.slug}>
          <summary>Feed address</summary>
          <Field label="Feed name" field="slug" errors={errors} errorPrefix={E} hint={<>/podcasts/<b>{draft.slug.trim() || 'from-the-title'}</b>/feed.xml: fixed once created</>}>
            <input className="input mono" data-testid="new-show-slug" spellCheck={false} placeholder="from the title" value={draft.slug} aria-invalid={errors.slug ? true : undefined} onChange={(e) => set({ slug: e.target.value })} />
          </Field>
        </details>
        <FieldError field="form" errors={errors} testIdPrefix={E} />
        <button className="button primary" type="submit" data-testid="new-show-submit" disabled={busy}>
          <Icon name="plus" size={16} /> {busy ? 'Creating…' : 'Create show'}
        </button>
      </form>
    </Card>
  );
}
