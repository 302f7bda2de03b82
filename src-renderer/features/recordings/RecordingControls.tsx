import { useEffect, useState } from 'react';
import type { Stream } from '../../../src-shared/contract/index.js';
import { Icon } from '../../ui/Icon.js';
import { useStreams } from '../streams/store.js';
import { activeRecording, formatClock, recordedSeconds } from './format.js';
import { useRecordings } from './store.js';
import { useNow } from './use-now.js';

/** Record now / Stop recording for one stream, with a running REC clock while the file is written. */
export function RecordingControls({ stream }: { stream: Stream }) {
  const active = useRecordings((s) => activeRecording(s.recordings, stream.name, stream.recording));
  const { start, stop, fetch } = useRecordings.getState();
  const [busy, setBusy] = useState(false);
  // The recording's own state wins: its event may arrive before the stream's.
  const recording = active ? active.state === 'recording' : stream.recording !== null;
  const now = useNow(recording);
  const live = stream.state === 'live';

  useEffect(() => {
    if (stream.recording && !active) void fetch(stream.recording);
  }, [stream.recording, active, fetch]);

  const toggle = async () => {
    setBusy(true);
    await (recording ? stop(stream.name) : start(stream.name));
    // stream.recording comes with the stream: read it now rather than wait for its event.
    await useStreams.getState().refresh(stream.name);
    setBusy(false);
  };

  return (
    <div className="recording-controls">
      {recording && (
        <span className="rec-indicator" data-testid="recording-indicator" title={active ? `Recording to ${active.file}` : 'Recording'}>
          <span className="rec-dot" aria-hidden="true" />
          REC {formatClock(active ? recordedSeconds(active, now) : 0)}
        </span>
      )}
      {recording ? (
        <button className="button danger-outline" data-testid="recording-stop" disabled={busy} onClick={() => void toggle()}>
          <Icon name="stop" size={16} /> {busy ? 'Stopping…' : 'Stop recording'}
        </button>
      ) : (
        <button
          className="button"
          data-testid="recording-start"
          disabled={busy || !live}
          title={live ? 'Write what the publisher sends to a file, from now on' : 'Recording starts once a publisher is live'}
          onClick={() => void toggle()}
        >
          <Icon name="record" size={16} /> {busy ? 'Starting…' : 'Record now'}
        </button>
      )}
    </div>
  );
}
