import { guestStateAt, type GuestState } from '../../src-shared/contract/guests.js';
import { StudioError } from '../core/errors.js';
import type { GuestRecord } from '../store/guests.js';

export type GuestAction = 'join' | 'admit' | 'refuse' | 'remove' | 'revoke';
type Stored = GuestRecord['state'];

/** A guest's state now: a link past its expiry is `expired`, whatever was stored. */
export const guestState = (record: Pick<GuestRecord, 'state' | 'expiresAt'>, now: number): GuestState => guestStateAt(record, now);

/**
 * Pure: the state after `action`, or CONFLICT saying why not.
 *   invited  --join-->  waiting  --admit-->  admitted
 *   waiting  --refuse-> refused             admitted --remove--> removed
 *   any live state --revoke--> revoked;  admitted --join--> admitted (a reload rejoins the same slot)
 * The producer may also admit someone invited who has not opened the link yet (they go straight on).
 */
export function nextState(record: Pick<GuestRecord, 'state' | 'expiresAt'>, action: GuestAction, now: number): Stored {
  const state = guestState(record, now);
  const refuse = (why: string): never => {
    throw new StudioError('CONFLICT', why, { state, action });
  };
  if (state === 'expired') return refuse('the guest link has expired');
  if (state === 'revoked' || state === 'removed' || state === 'refused') return refuse(`the guest link has ended (${state})`);
  switch (action) {
    case 'join':
      return state === 'admitted' ? 'admitted' : 'waiting';
    case 'admit':
      return state === 'admitted' ? refuse('the guest is on the show already') : 'admitted';
    case 'refuse':
      return state === 'admitted' ? refuse('the guest is on the show: remove them instead') : 'refused';
    case 'remove':
      return state === 'admitted' ? 'removed' : refuse('the guest is not on the show: refuse them instead');
    case 'revoke':
      return 'revoked';
  }
}
