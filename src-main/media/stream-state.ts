import type { StreamState } from '../../src-shared/contract/index.js';

export type StreamEvent = 'publish' | 'unpublish' | 'fail' | 'reset';

/**
 * The stream state machine: idle -> live -> ended | error, and back to live when a publisher
 * returns. Pure: returns the next state, or null when the event does not apply in that state.
 */
export function nextState(current: StreamState, event: StreamEvent): StreamState | null {
  switch (event) {
    case 'publish':
      return current === 'live' ? null : 'live';
    case 'unpublish':
      // An error stays an error: the packager's failure is what the creator needs to see.
      return current === 'live' ? 'ended' : null;
    case 'fail':
      return current === 'live' ? 'error' : null;
    case 'reset':
      return current === 'idle' ? null : 'idle';
  }
}
