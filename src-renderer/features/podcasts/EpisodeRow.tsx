import { useState } from 'react';
import type { Episode, Show } from '../../../src-shared/contract/index.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { Icon } from '../../ui/Icon.js';
import { formatBytes } from '../dashboard/format.js';
import { absoluteUrl } from '../recordings/format.js';
import { EpisodeDialog } from './EpisodeDialog.js';
import { AUDIO_BADGE, audioLine, episodeStatus, formatLength, numberLabel, relativeTime, STATUS_BADGE } from './podcasts-model.js';
import { usePodcasts } from './store.js';

const here = (path: string): string => absoluteUrl(path, window.location.href);

function StatusCell({ ep, now }: { ep: Episode; now: number }) {
  const status = episodeStatus(ep, now);
  // publishedAt: the date asked for, else when it was published (the API's; null for a draft).
  const at = ep.publishAt ?? ep.publishedAt;
  const when = at !== null ? new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : null;
  const waiting = status === 'published' && ep.state !== 'ready';
  return (
    <td data-field="status">
      <span className={`badge ${STATUS_BADGE[status]}`} data-testid={`episode-status-${ep.id}`} data-status={status}>{status}</span>
      {status === 'scheduled' && when && <div className="muted small" title={when}>{when} · {relativeTime(at!, now)}</div>}
      {status === 'published' && when && !waiting && <div className="muted small">{when}</div>}
      {waiting && <div className="muted small">in the feed once its audio is ready</div>}
    </td>
  );
}

const loudnessOf = (ep: Episode): string | undefined =>
  ep.loudness ? `Normalised to ${ep.loudness.targetLufs} LUFS (the source measured ${ep.loudness.measuredLufs.toFixed(1)})` : undefined;

function AudioCell({ ep }: { ep: Episode }) {
  return (
    <td data-field="audio" className="episode-audio">
      <span className={`badge ${AUDIO_BADGE[ep.state]}`} data-testid={`episode-state-${ep.id}`} data-state={ep.state} title={loudnessOf(ep)}>
        {ep.state === 'processing' ? 'encoding' : ep.state}
      </span>
      {ep.state === 'processing' && (
        <>
          <div className="muted small" data-testid={`episode-progress-${ep.id}`}>{audioLine(ep)}</div>
          <div className="meter"><div className="meter-fill" style={{ width: `${Math.max(2, (ep.job?.progress ?? 0) * 100)}%` }} /></div>
        </>
      )}
      {ep.state === 'queued' && <div className="muted small">{audioLine(ep)}</div>}
      {ep.state === 'failed' && <div className="episode-error small" data-testid={`episode-error-${ep.id}`}>{ep.error?.message ?? 'Encoding failed'}</div>}
      {ep.state === 'ready' && ep.audio && (
        <div className="episode-files small">
          <a href={here(ep.audio.mp3.path)} target="_blank" rel="noreferrer" data-testid={`episode-mp3-${ep.id}`} title={`MP3 with chapters and artwork, ${formatBytes(ep.audio.mp3.bytes)}`}>MP3</a>
          <a href={here(ep.audio.m4a.path)} target="_blank" rel="noreferrer" data-testid={`episode-m4a-${ep.id}`} title={`M4A (AAC), ${formatBytes(ep.audio.m4a.bytes)}`}>M4A</a>
        </div>
      )}
    </td>
  );
}

/** One episode of the table, with its actions; a ready one opens a player in the row under it. */
export function EpisodeRow({ show, ep, now }: { show: Show; ep: Episode; now: number }) {
  const [listening, setListening] = useState(false);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  const status = episodeStatus(ep, now);
  const store = usePodcasts.getState();
  const number = numberLabel(ep);
  const playable = ep.state === 'ready' && ep.audio !== null;

  const setPublished = async (on: boolean) => {
    setBusy(true);
    await store.updateEpisode(show.id, ep.id, on ? { status: 'published', publishAt: null } : { status: 'draft' });
    setBusy(false);
  };

  return (
    <>
      <tr data-testid={`episode-row-${ep.id}`} data-state={ep.state} data-status={status} className={listening ? 'is-open' : ''}>
        <td className="episode-title-cell">
          <div className="episode-title" title={ep.title}>{ep.title}</div>
          <div className="muted small episode-sub">
            {number && <span>{number}</span>}
            {ep.episodeType !== 'full' && <span className="badge badge-accent">{ep.episodeType}</span>}
            {ep.explicit && <span className="badge badge-idle">E</span>}
            {ep.chapters.length > 0 && <span>{ep.chapters.length} chapters</span>}
          </div>
        </td>
        <StatusCell ep={ep} now={now} />
        <AudioCell ep={ep} />
        <td className="num" data-field="duration">{formatLength(ep.durationSec)}</td>
        <td className="num" data-field="downloads" data-testid={`episode-downloads-${ep.id}`}>{ep.downloads.toLocaleString('en-US')}</td>
        <td>
          <div className="episode-actions">
            {playable && (
              <button className="button small-button" data-testid={`episode-listen-${ep.id}`} aria-expanded={listening} title="Listen to the M4A here" onClick={() => setListening((l) => !l)}>
                <Icon name={listening ? 'close' : 'play'} size={12} /> {listening ? 'Close' : 'Listen'}
              </button>
            )}
            {status === 'draft' ? (
              <button className="button small-button" data-testid={`episode-publish-${ep.id}`} disabled={busy} onClick={() => void setPublished(true)}>Publish</button>
            ) : (
              <button className="button small-button" data-testid={`episode-unpublish-${ep.id}`} disabled={busy} onClick={() => void setPublished(false)}>Unpublish</button>
            )}
            <button className="icon-button" aria-label="Edit" title="Edit" data-testid={`episode-edit-${ep.id}`} onClick={() => setEditing(true)}>
              <Icon name="edit" size={16} />
            </button>
            <button className="icon-button danger-icon" aria-label="Delete" title="Delete" data-testid={`episode-delete-${ep.id}`} onClick={() => setDeleting(true)}>
              <Icon name="trash" size={16} />
            </button>
          </div>
        </td>
      </tr>
      {listening && playable && (
        <tr className="episode-player-row">
          <td colSpan={6}>
            <audio className="episode-player" controls autoPlay preload="metadata" src={here(ep.audio!.m4a.path)} data-testid={`episode-player-${ep.id}`} />
          </td>
        </tr>
      )}
      {editing && <EpisodeDialog show={show} episode={ep} onClose={() => setEditing(false)} />}
      {deleting && (
        <ConfirmDialog
          title="Delete this episode?"
          confirmLabel="Delete episode"
          danger
          busy={busy}
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setBusy(true);
            void store.deleteEpisode(show.id, ep.id).then(() => {
              setBusy(false);
              setDeleting(false);
            });
          }}
        >
          <p>“{ep.title}” and its MP3 and M4A are removed, and it leaves the feed: listeners who downloaded it keep their copy. The library video stays.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
