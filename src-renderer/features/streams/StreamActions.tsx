import { useState } from 'react';
import { ladderPresets, type LadderPreset, type Stream } from '../../../src-shared/contract/index.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { Icon } from '../../ui/Icon.js';
import { AutoRecordToggle } from '../recordings/AutoRecordToggle.js';
import { RecordingControls } from '../recordings/RecordingControls.js';
import { LADDER_WORDS } from './format.js';
import { selectStream } from './route.js';
import { useStreams } from './store.js';

type Pending = 'rotate' | 'delete' | null;

/** Recording, auto-record, privacy and ladder (applied from the next publish), key rotation and deletion, both confirmed. */
export function StreamActions({ stream }: { stream: Stream }) {
  const { update, rotateKey, remove } = useStreams.getState();
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const live = stream.state === 'live';

  const confirm = async () => {
    setBusy(true);
    if (pending === 'rotate') await rotateKey(stream.name);
    if (pending === 'delete' && (await remove(stream.name))) selectStream(null);
    setBusy(false);
    setPending(null);
  };

  return (
    <div className="stream-actions">
      <RecordingControls stream={stream} />
      <AutoRecordToggle stream={stream} />
      <label className="switch" title="Private streams play only from signed URLs">
        <input type="checkbox" data-testid="stream-private" checked={stream.private} onChange={(e) => void update({ name: stream.name, private: e.target.checked })} />
        <span className="switch-track" aria-hidden="true" />
        <span className="switch-text">Private</span>
      </label>
      <select
        className="input input-compact"
        aria-label="Quality ladder"
        title={`${LADDER_WORDS[stream.ladder].explain}${live ? ' A change applies from the next publish.' : ''}`}
        data-testid="stream-ladder"
        value={stream.ladder}
        onChange={(e) => void update({ name: stream.name, ladder: e.target.value as LadderPreset })}
      >
        {ladderPresets.map((p) => (
          <option key={p} value={p}>{LADDER_WORDS[p].label} ladder</option>
        ))}
      </select>
      <button className="button" data-testid="stream-rotate-key" onClick={() => setPending('rotate')}>
        <Icon name="key" size={16} /> Rotate key
      </button>
      <button className="button danger-outline" data-testid="stream-delete" onClick={() => setPending('delete')}>
        <Icon name="trash" size={16} /> Delete
      </button>
      {pending === 'rotate' && (
        <ConfirmDialog title={`Rotate the key of “${stream.name}”?`} confirmLabel="Rotate key" busy={busy} onConfirm={() => void confirm()} onCancel={() => setPending(null)}>
          <p>A new key is made and shown once. The old key stops working now{live ? ', and the encoder publishing with it is disconnected' : ''}.</p>
        </ConfirmDialog>
      )}
      {pending === 'delete' && (
        <ConfirmDialog title={`Delete “${stream.name}”?`} confirmLabel="Delete stream" danger busy={busy} onConfirm={() => void confirm()} onCancel={() => setPending(null)}>
          <p>Its key stops working{live ? ', the publisher is disconnected and viewers lose the stream' : ''}. This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
