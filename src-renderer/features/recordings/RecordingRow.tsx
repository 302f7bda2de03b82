import { useState } from 'react';
import type { Recording } from '../../../src-shared/contract/index.js';
import { Icon } from '../../ui/Icon.js';
import { formatBytes, formatDuration } from '../dashboard/format.js';
import { streamHref } from '../streams/route.js';
import { describeTracks, RECORDING_BADGE, RECORDING_STATE_WORDS, recordedSeconds } from './format.js';
import { useNow } from './use-now.js';
import { VodControls } from './VodControls.js';
import { AddToLibrary } from './AddToLibrary.js';

/** A thumbnail, or a placeholder while there is none yet (or it failed to load). */
function Thumbnail({ url }: { url: string | null }) {
  const [broken, setBroken] = useState(false);
  if (!url || broken) {
    return (
      <div className="recording-thumb recording-thumb-empty" aria-hidden="true">
        <Icon name="film" size={22} />
      </div>
    );
  }
  return <img className="recording-thumb" src={url} alt="" loading="lazy" onError={() => setBroken(true)} />;
}

interface RecordingRowProps {
  recording: Recording;
  onPlay(): void;
  onDelete(): void;
}

export function RecordingRow({ recording: r, onPlay, onDelete }: RecordingRowProps) {
  const writing = r.state === 'recording';
  const now = useNow(writing);
  return (
    <li className="recording-row" data-testid={`recording-row-${r.id}`}>
      <Thumbnail url={r.thumbnailUrl} />
      <div className="recording-info">
        <div className="recording-title">
          <a href={streamHref(r.stream)} className="stream-name">{r.stream}</a>
          <span
            className={`badge ${RECORDING_BADGE[r.state]}`}
            title={r.error ?? RECORDING_STATE_WORDS[r.state]}
            data-testid={`recording-state-${r.id}`}
            data-state={r.state}
          >
            {r.state}
          </span>
        </div>
        <div className="muted small recording-meta">
          <span>{new Date(r.startedAt).toLocaleString()}</span>
          <span data-testid={`recording-duration-${r.id}`}>{formatDuration(recordedSeconds(r, now))}</span>
          <span>{formatBytes(r.sizeBytes)}</span>
          <span>{describeTracks(r)}</span>
          <span className="mono">{r.container}</span>
        </div>
        {r.error && r.state !== 'recording' && <div className="field-error">{r.error}</div>}
        <VodControls recording={r} />
      </div>
      <div className="recording-actions">
        <button
          className="button"
          data-testid={`recording-play-${r.id}`}
          disabled={writing}
          title={writing ? 'Plays once the recording has stopped' : undefined}
          onClick={onPlay}
        >
          <Icon name="play" size={16} /> Play
        </button>
        {writing ? (
          <button className="button" data-testid={`recording-download-${r.id}`} disabled title="Downloads once the recording has stopped">
            <Icon name="download" size={16} /> Download
          </button>
        ) : (
          <a className="button" href={r.fileUrl} download={r.file} data-testid={`recording-download-${r.id}`}>
            <Icon name="download" size={16} /> Download
          </a>
        )}
        <AddToLibrary recording={r} />
        <button className="button danger-outline" data-testid={`recording-delete-${r.id}`} onClick={onDelete}>
          <Icon name="trash" size={16} /> Delete
        </button>
      </div>
    </li>
  );
}
