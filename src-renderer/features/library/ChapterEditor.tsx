import { useEffect, useMemo, useState } from 'react';
import type { Video } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { toastSuccess } from '../../ui/toast-store.js';
import { addDraft, checkDrafts, draftsChanged, draftsOf, parseClock, type ChapterDraft } from './chapters-model.js';
import { useLibrary } from './store.js';

interface ChapterEditorProps {
  video: Video;
  /** Where the player is: a new chapter starts there. */
  playhead: number;
  onJump(sec: number): void;
}

/** The chapters (found by scene detection, or written here): times and titles edited, saved with videos.update. */
export function ChapterEditor({ video: v, playhead, onJump }: ChapterEditorProps) {
  const [drafts, setDrafts] = useState<ChapterDraft[]>(() => draftsOf(v.chapters));
  const [busy, setBusy] = useState(false);
  const check = useMemo(() => checkDrafts(drafts, v.durationSec), [drafts, v.durationSec]);
  const dirty = useMemo(() => draftsChanged(drafts, v.chapters), [drafts, v.chapters]);

  // Saved elsewhere (or detected by a new processing run): show it unless edits are pending here.
  useEffect(() => {
    if (!dirty) setDrafts(draftsOf(v.chapters));
  }, [v.chapters]);

  const edit = (key: number, change: Partial<ChapterDraft>) => setDrafts((ds) => ds.map((d) => (d.key === key ? { ...d, ...change } : d)));
  const save = async () => {
    if (!check.chapters) return;
    setBusy(true);
    const done = await useLibrary.getState().update(v.id, { chapters: check.chapters });
    setBusy(false);
    if (done) {
      setDrafts(draftsOf(done.chapters));
      toastSuccess('Chapters saved', 'Players read them from chapters.vtt');
    }
  };

  const actions = (
    <>
      <button className="button small-button" data-testid="chapter-add" onClick={() => setDrafts((ds) => addDraft(ds, playhead))} title="A new chapter at the playhead">
        <Icon name="plus" size={14} /> Add at playhead
      </button>
      <button className="button small-button primary" data-testid="chapters-save" disabled={!dirty || !check.chapters || busy} onClick={() => void save()}>
        {busy ? 'Saving…' : 'Save chapters'}
      </button>
    </>
  );

  return (
    <Card title={<>Chapters <span className="muted">{drafts.length || ''}</span></>} actions={actions} testId="video-chapters">
      {drafts.length === 0 ? (
        <p className="muted small">
          {v.state === 'ready' ? 'No chapters: scene detection found no clear cuts. Add some at the playhead.' : 'Chapters are suggested from scene changes once the video is processed.'}
        </p>
      ) : (
        <ol className="chapter-list">
          {drafts.map((d, i) => (
            <li key={d.key} className="chapter-row" data-testid={`chapter-row-${i}`}>
              <button className="chapter-jump mono" title="Play from here" onClick={() => {
                  const sec = parseClock(d.start);
                  if (sec !== null) onJump(sec);
                }}>
                {i + 1}
              </button>
              <input className="input input-compact chapter-time mono" aria-label="Start" value={d.start} aria-invalid={check.errors[d.key] && /time|end|same/i.test(check.errors[d.key]!) ? true : undefined} onChange={(e) => edit(d.key, { start: e.target.value })} />
              <input className="input input-compact chapter-title" aria-label="Title" value={d.title} maxLength={200} onChange={(e) => edit(d.key, { title: e.target.value })} />
              <button className="icon-button" aria-label="Remove chapter" title="Remove" onClick={() => setDrafts((ds) => ds.filter((x) => x.key !== d.key))}>
                <Icon name="trash" size={15} />
              </button>
              {check.errors[d.key] && <span className="field-error chapter-error">{check.errors[d.key]}</span>}
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
