import { useEffect, useState, type FormEvent } from 'react';
import { episodeTypes, type Episode, type Recording, type Show, type Video } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { FieldError } from '../../ui/FieldError.js';
import { Modal } from '../../ui/Modal.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { Field } from './Field.js';
import { emptyEpisodeDraft, episodeDraftOf, episodeFieldsOf, episodePatch, sourceInput, sourceOptions, type EpisodeDraft, type PublishChoice, type SourceOption } from './forms-model.js';
import { withoutFields } from './podcasts-model.js';
import { usePodcasts } from './store.js';

const E = 'episode-error';

const PUBLISH_WORDS: Record<PublishChoice, { label: string; explain: string }> = {
  now: { label: 'Publish', explain: 'In the feed as soon as its audio is ready' },
  draft: { label: 'Draft', explain: 'Kept out of the feed until you publish it' },
  schedule: { label: 'Schedule', explain: 'In the feed from a date and time' },
};

const TYPE_WORDS: Record<Episode['episodeType'], string> = { full: 'Full episode', trailer: 'Trailer', bonus: 'Bonus' };

const startOf = (ms: number): string => new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** What an episode can be made from: ready library videos and ended recordings; null while asked. */
function useSources(): ReturnType<typeof sourceOptions> | null {
  const [sources, setSources] = useState<ReturnType<typeof sourceOptions> | null>(null);
  useEffect(() => {
    let gone = false;
    const videos = call('videos.list', { state: 'ready' }).catch((err: unknown) => (toastError(err), [] as Video[]));
    // A session that may not list recordings picks from the library only.
    const recordings = call('recordings.list', {}).catch(() => [] as Recording[]);
    void Promise.all([videos, recordings]).then(([v, r]) => !gone && setSources(sourceOptions(v, r, startOf)));
    return () => {
      gone = true;
    };
  }, []);
  return sources;
}

function SourcePicker({ value, onPick, errors }: { value: string; onPick(option: SourceOption | undefined): void; errors: Record<string, string> }) {
  const sources = useSources();
  if (sources && sources.videos.length === 0 && sources.recordings.length === 0) {
    return (
      <div className="notice notice-warn" role="alert" data-testid="episode-no-sources">
        <span>Nothing to make an episode from yet: upload a video to the <a href="#/library">Library</a> (or record a stream), then add it here.</span>
      </div>
    );
  }
  const all = sources ? [...sources.videos, ...sources.recordings] : [];
  const error = errors.videoId ? 'videoId' : 'recordingId';
  return (
    <Field label="Made from" field={error} errors={errors} errorPrefix={E} hint="Its sound becomes the episode, at podcast loudness (−16 LUFS), with its chapters">
      <select className="input" data-testid="episode-source" value={value} disabled={!sources} aria-invalid={errors[error] ? true : undefined} onChange={(e) => onPick(all.find((o) => o.value === e.target.value))}>
        <option value="">{sources ? 'Choose a video or a recording' : 'Loading…'}</option>
        {sources && sources.videos.length > 0 && (
          <optgroup label="Library videos">
            {sources.videos.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </optgroup>
        )}
        {sources && sources.recordings.length > 0 && (
          <optgroup label="Recordings">
            {sources.recordings.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </optgroup>
        )}
      </select>
    </Field>
  );
}

/** Adding an episode from a ready library video or an ended recording, or editing one (`episode` given): metadata and when it is published. */
export function EpisodeDialog({ show, episode, onClose }: { show: Show; episode?: Episode; onClose(): void }) {
  const [draft, setDraft] = useState<EpisodeDraft>(() => (episode ? episodeDraftOf(episode, Date.now()) : emptyEpisodeDraft(Date.now())));
  const [source, setSource] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const set = (change: Partial<EpisodeDraft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setErrors((old) => withoutFields(old, { ...change, form: true }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const now = Date.now();
    const made = episodeFieldsOf(draft, now);
    const from = sourceInput(source);
    const missing: Record<string, string> = !episode && !from ? { videoId: 'choose the video or recording whose sound becomes the episode' } : {};
    if ('errors' in made || Object.keys(missing).length > 0) return setErrors({ ...('errors' in made ? made.errors : {}), ...missing });
    setBusy(true);
    const store = usePodcasts.getState();
    const saved = episode
      ? await store.updateEpisode(show.id, episode.id, episodePatch(episode, made.fields, draft, now))
      : await store.createEpisode(show.id, { ...from, ...made.fields });
    setBusy(false);
    if (!saved.ok) return setErrors(saved.errors);
    toastSuccess(episode ? 'Episode saved' : 'Episode added', episode ? undefined : 'Its audio is being made: the list follows it.');
    onClose();
  };

  return (
    <Modal
      wide
      title={episode ? 'Edit episode' : 'Add an episode'}
      testId="episode-dialog"
      onClose={onClose}
      footer={
        <>
          <button className="button ghost" onClick={onClose}>Cancel</button>
          <button className="button primary" type="submit" form="episode-form" data-testid="episode-submit" disabled={busy}>
            {busy ? 'Saving…' : episode ? 'Save' : 'Add episode'}
          </button>
        </>
      }
    >
      <form id="episode-form" className="form podcast-form" onSubmit={(e) => void submit(e)} noValidate autoComplete="off">
        {!episode && (
          <SourcePicker
            value={source}
            errors={errors}
            onPick={(option) => {
              setSource(option?.value ?? '');
              setErrors((old) => withoutFields(old, { videoId: true, recordingId: true, form: true }));
              // The source's title as a start, unless one was typed.
              if (option && !draft.title.trim()) set({ title: option.title });
            }}
          />
        )}
        <Field label="Title" field="title" errors={errors} errorPrefix={E}>
          <input className="input" data-testid="episode-title" maxLength={200} value={draft.title} aria-invalid={errors.title ? true : undefined} onChange={(e) => set({ title: e.target.value })} />
        </Field>
        <Field label="Description" field="description" errors={errors} errorPrefix={E} hint="Show notes: podcast apps show them under the episode">
          <textarea className="input textarea" rows={3} maxLength={4000} data-testid="episode-description" value={draft.description} onChange={(e) => set({ description: e.target.value })} />
        </Field>
        <div className="podcast-form-row">
          <Field label="Season" field="season" errors={errors} errorPrefix={E}>
            <input className="input" inputMode="numeric" placeholder="—" data-testid="episode-season" value={draft.season} aria-invalid={errors.season ? true : undefined} onChange={(e) => set({ season: e.target.value })} />
          </Field>
          <Field label="Episode" field="episode" errors={errors} errorPrefix={E}>
            <input className="input" inputMode="numeric" placeholder="—" data-testid="episode-number" value={draft.episode} aria-invalid={errors.episode ? true : undefined} onChange={(e) => set({ episode: e.target.value })} />
          </Field>
          <Field label="Type" field="episodeType" errors={errors} errorPrefix={E}>
            <select className="input" data-testid="episode-type" value={draft.episodeType} onChange={(e) => set({ episodeType: e.target.value as Episode['episodeType'] })}>
              {episodeTypes.map((t) => <option key={t} value={t}>{TYPE_WORDS[t]}</option>)}
            </select>
          </Field>
          <Field label="Explicit" field="explicit" errors={errors} errorPrefix={E}>
            <select className="input" data-testid="episode-explicit" value={draft.explicit} onChange={(e) => set({ explicit: e.target.value as EpisodeDraft['explicit'] })}>
              <option value="show">As the show ({show.explicit ? 'explicit' : 'clean'})</option>
              <option value="yes">Explicit</option>
              <option value="no">Clean</option>
            </select>
          </Field>
        </div>
        <fieldset className="form-field">
          <legend className="field-label">Publishing</legend>
          <div className="publish-options" role="radiogroup">
            {(Object.keys(PUBLISH_WORDS) as PublishChoice[]).map((choice) => (
              <label key={choice} className={`visibility-option ${draft.publish === choice ? 'active' : ''}`} data-testid={`episode-publish-${choice}`}>
                <input type="radio" name="publish" value={choice} checked={draft.publish === choice} onChange={() => set({ publish: choice })} />
                <strong>{PUBLISH_WORDS[choice].label}</strong>
                <span className="muted small">{PUBLISH_WORDS[choice].explain}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {draft.publish === 'schedule' && (
          <Field label="Publish at" field="publishAt" errors={errors} errorPrefix={E} hint={`Your time zone (${Intl.DateTimeFormat().resolvedOptions().timeZone})`}>
            <input className="input input-datetime" type="datetime-local" data-testid="episode-publish-at" value={draft.publishAt} aria-invalid={errors.publishAt ? true : undefined} onChange={(e) => set({ publishAt: e.target.value })} />
          </Field>
        )}
        <FieldError field="form" errors={errors} testIdPrefix={E} />
      </form>
    </Modal>
  );
}
