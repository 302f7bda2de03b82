import { startTransition, useOptimistic } from 'react';
import type { Stream } from '../../../src-shared/contract/index.js';
import { useStreams } from '../streams/store.js';

/** Auto-record: every publish of the stream is recorded; the switch moves at once, the host's answer settles it. */
export function AutoRecordToggle({ stream }: { stream: Stream }) {
  const update = useStreams((s) => s.update);
  const [record, setRecord] = useOptimistic(stream.record);
  const toggle = (next: boolean) =>
    startTransition(async () => {
      setRecord(next);
      await update({ name: stream.name, record: next });
    });
  return (
    <label className="switch" title="Record every publish of this stream, from its start to its end">
      <input type="checkbox" data-testid="stream-record-toggle" checked={record} onChange={(e) => toggle(e.target.checked)} />
      <span className="switch-track" aria-hidden="true" />
      <span className="switch-text">Auto-record</span>
    </label>
  );
}
