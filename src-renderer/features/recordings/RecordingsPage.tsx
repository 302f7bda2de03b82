import { useEffect, useMemo, useState } from 'react';
import type { Recording } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { sortRecordings } from './format.js';
import { RecordingPlayer } from './RecordingPlayer.js';
import { RecordingRow } from './RecordingRow.js';
import { useRecordings } from './store.js';

/** The library: every recording, newest first, optionally of one stream. */
export function RecordingsPage() {
  const recordings = useRecordings((s) => s.recordings);
  const loaded = useRecordings((s) => s.loaded);
  const { load, remove } = useRecordings.getState();
  const [stream, setStream] = useState<string | null>(null);
  const [playingId, setPlayingId] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Recording | null>(null);
  const [busy, setBusy] = useState(false);
  const sorted = useMemo(() => sortRecordings(recordings, stream), [recordings, stream]);
  const streams = useMemo(() => [...new Set(Object.values(recordings).map((r) => r.stream))].sort(), [recordings]);

  useEffect(() => {
    void load();
  }, [load]);

  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(true);
    await remove(deleting.id);
    setBusy(false);
    setDeleting(null);
  };
  // The player follows the recording's updates (a VOD that becomes ready), and closes if it is deleted.
  const playing = playingId ? recordings[playingId] : undefined;

  const filter = (
    <select className="input input-compact" aria-label="Stream" data-testid="recordings-filter" value={stream ?? ''} onChange={(e) => setStream(e.target.value || null)}>
      <option value="">All streams</option>
      {streams.map((name) => (
        <option key={name} value={name}>{name}</option>
      ))}
    </select>
  );

  return (
    <div className="recordings">
      <Card title={<>Recordings <span className="muted">{sorted.length || ''}</span></>} actions={streams.length > 1 ? filter : undefined} testId="recordings-library">
        {!loaded ? (
          <p className="muted">Loading…</p>
        ) : sorted.length === 0 ? (
          <p className="muted" data-testid="recordings-empty">
            No recordings yet. Press Record now on a live stream, or turn on Auto-record to record every publish.
          </p>
        ) : (
          <ul className="recording-list">
            {sorted.map((r) => (
              <RecordingRow key={r.id} recording={r} onPlay={() => setPlayingId(r.id)} onDelete={() => setDeleting(r)} />
            ))}
          </ul>
        )}
      </Card>
      {playing && <RecordingPlayer recording={playing} onClose={() => setPlayingId(null)} />}
      {deleting && (
        <ConfirmDialog
          title="Delete this recording?"
          confirmLabel="Delete recording"
          danger
          busy={busy}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        >
          <p>
            The file of “{deleting.stream}” from {new Date(deleting.startedAt).toLocaleString()}
            {deleting.vod.state !== 'none' ? ', its thumbnail and its VOD' : ' and its thumbnail'} are removed. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
