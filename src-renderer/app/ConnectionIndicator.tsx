import type { ConnectionState } from '../api/client.js';

const WORDS: Record<ConnectionState, string> = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const TITLES: Record<ConnectionState, string> = {
  live: 'Receiving live updates from the studio',
  connecting: 'Opening the live update channel',
  reconnecting: 'The live update channel dropped; retrying',
  offline: 'Not receiving live updates',
};

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  return (
    <span className={`connection connection-${state}`} data-testid="connection-status" data-state={state} title={TITLES[state]}>
      <span className="connection-dot" aria-hidden="true" />
      {WORDS[state]}
    </span>
  );
}
