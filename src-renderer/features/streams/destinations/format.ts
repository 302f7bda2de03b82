import type { Destination, DestinationState } from '../../../../src-shared/contract/index.js';

export const DESTINATION_BADGE: Record<DestinationState, string> = {
  idle: 'badge-idle',
  connecting: 'badge-warn',
  live: 'badge-live',
  retrying: 'badge-warn',
  failed: 'badge-bad',
};

export const DESTINATION_STATE_WORDS: Record<DestinationState, string> = {
  idle: 'Not relaying',
  connecting: 'Connecting to the platform',
  live: 'Relaying',
  retrying: 'Lost the connection; trying again',
  failed: 'Gave up; start it again once the cause is fixed',
};

/** A running relay: the stop button shows instead of start. */
export function isRunning(state: DestinationState): boolean {
  return state === 'connecting' || state === 'live' || state === 'retrying';
}

/** Whole seconds until the next attempt, or null when none is planned. */
export function retryInSec(destination: Pick<Destination, 'state' | 'nextRetryAt'>, now: number): number | null {
  if (destination.state !== 'retrying' || destination.nextRetryAt === null) return null;
  return Math.max(0, Math.ceil((destination.nextRetryAt - now) / 1000));
}

/** The rendition choices: the source passed through, then the ladder's rungs the stream has now. */
export function renditionChoices(ids: readonly string[]): { value: string; label: string }[] {
  return [{ value: '', label: 'Source (passthrough)' }, ...ids.filter((id) => id !== 'source').map((id) => ({ value: id, label: id }))];
}

/** Oldest first: the order they were added in. */
export function sortDestinations(destinations: Record<string, Destination> | undefined): Destination[] {
  return Object.values(destinations ?? {}).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}
