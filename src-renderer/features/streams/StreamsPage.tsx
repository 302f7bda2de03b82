import { useEffect } from 'react';
import { KeyDialog } from './KeyDialog.js';
import { NewStreamForm } from './NewStreamForm.js';
import { useSelectedStream } from './route.js';
import { StreamDetail } from './StreamDetail.js';
import { StreamList } from './StreamList.js';
import { useStreams } from './store.js';

export function StreamsPage() {
  const selected = useSelectedStream();
  const load = useStreams((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div className="streams">
      <div className="streams-top">
        <StreamList selected={selected} />
        <NewStreamForm />
      </div>
      {selected ? (
        <StreamDetail key={selected} name={selected} />
      ) : (
        <p className="muted streams-hint">Select a stream to watch its preview, charts and viewers.</p>
      )}
      <KeyDialog />
    </div>
  );
}
