import type { Stream } from '../../../src-shared/contract/index.js';
import { STATE_WORDS } from './format.js';

const BADGE: Record<Stream['state'], string> = { idle: 'badge-idle', live: 'badge-live', ended: 'badge-idle', error: 'badge-bad' };

/** The state in one word; the reason of the last change (who published, why it ended) as tooltip. */
export function StateBadge({ stream, testId }: { stream: Pick<Stream, 'name' | 'state' | 'stateReason' | 'stateAt'>; testId?: string }) {
  const since = new Date(stream.stateAt).toLocaleString();
  const title = `${STATE_WORDS[stream.state]} since ${since}${stream.stateReason ? ` — ${stream.stateReason}` : ''}`;
  return (
    <span className={`badge ${BADGE[stream.state]}`} title={title} data-testid={testId ?? `stream-state-${stream.name}`} data-state={stream.state}>
      {stream.state}
    </span>
  );
}
