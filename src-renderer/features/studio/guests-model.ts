import { guestStateAt, type Guest, type GuestState, type GuestTake, type Source } from '../../../src-shared/contract/index.js';

/** What the producer can do to a guest from the panel. */
export type GuestAction = 'admit' | 'refuse' | 'mute' | 'hide' | 'addToScene' | 'remove' | 'revoke';

/** The house's badge tones (styles.css `.badge-<tone>`). */
export type BadgeTone = 'ok' | 'bad' | 'warn' | 'accent' | 'idle' | 'live';

/** Each state in words, its badge, and where it sorts: the green room first (someone is waiting), then the show, then links out, then ended. */
export const GUEST_STATE_WORDS: Record<GuestState, { label: string; hint: string; tone: BadgeTone; rank: number }> = {
  waiting: { label: 'Green room', hint: 'Waiting for you to admit or refuse them', tone: 'warn', rank: 0 },
  admitted: { label: 'On the show', hint: 'May send their camera and microphone', tone: 'live', rank: 1 },
  invited: { label: 'Invited', hint: 'The link is out; nobody opened it yet', tone: 'accent', rank: 2 },
  refused: { label: 'Refused', hint: 'Turned away from the green room', tone: 'idle', rank: 3 },
  removed: { label: 'Removed', hint: 'Taken off the show', tone: 'idle', rank: 3 },
  revoked: { label: 'Link withdrawn', hint: 'The link no longer works', tone: 'idle', rank: 3 },
  expired: { label: 'Expired', hint: 'The link is past its lifetime', tone: 'idle', rank: 3 },
};

/** How long a new link lives; a day unless the producer says otherwise. */
export const LINK_LIFETIMES: readonly { label: string; seconds: number }[] = [
  { label: '1 hour', seconds: 3_600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
];
export const DEFAULT_LINK_LIFETIME = 86_400;

/**
 * A guest's state now. The host marks a link past its expiry `expired` only when asked (no event
 * comes at the moment it ends), so the panel applies the same rule (the contract's guestStateAt).
 */
export const stateAt = (guest: Pick<Guest, 'state' | 'expiresAt'>, now: number): GuestState => guestStateAt(guest, now);

/** Whether the show already has this guest as a source (then there is nothing to add). */
export function hasGuestSource(sources: readonly Source[], guestId: string): boolean {
  return sources.some((s) => s.settings.kind === 'guest' && s.settings.guestId === guestId);
}

/** The buttons a guest's row offers, in order, with their words (Mute or Unmute, Hide or Show as they are now). */
export function guestActions(guest: Guest, sources: readonly Source[], now: number): { action: GuestAction; label: string }[] {
  const out: { action: GuestAction; label: string }[] = [];
  switch (stateAt(guest, now)) {
    case 'waiting':
      out.push({ action: 'admit', label: 'Admit' }, { action: 'refuse', label: 'Refuse' });
      break;
    case 'admitted':
      out.push({ action: 'mute', label: guest.muted ? 'Unmute' : 'Mute' }, { action: 'hide', label: guest.hidden ? 'Show' : 'Hide' });
      if (!hasGuestSource(sources, guest.id)) out.push({ action: 'addToScene', label: 'Add to scene' });
      out.push({ action: 'remove', label: 'Remove' });
      break;
    case 'invited':
      break;
    default:
      // Ended: refused, removed, revoked, expired.
      return out;
  }
  out.push({ action: 'revoke', label: 'Revoke link' });
  return out;
}

/** What the guest is sending: both, sound alone, or nothing yet (not connected, or nothing to show). */
export function mediaIndicator(guest: Pick<Guest, 'live' | 'media'>): { label: string; tone: BadgeTone } | null {
  if (!guest.live) return null;
  if (guest.media.video) return { label: 'live', tone: 'ok' };
  if (guest.media.audio) return { label: 'audio only', tone: 'warn' };
  return null;
}

/**
 * The panel's order: by state (green room, show, invited, ended); who arrived first at the top of the
 * green room and the show (the queue and the running order), the newest link at the top of the rest.
 */
export function sortGuests(guests: readonly Guest[], now: number): Guest[] {
  const key = (g: Guest) => {
    const rank = GUEST_STATE_WORDS[stateAt(g, now)].rank;
    return { rank, time: rank <= 1 ? (g.joinedAt ?? g.invitedAt) : -g.invitedAt };
  };
  return [...guests].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka.rank - kb.rank || ka.time - kb.time || a.id.localeCompare(b.id);
  });
}

/** A `guests.changed` event into the list: the guest replaced or added (only this stream's), the list sorted again. */
export function mergeGuest(guests: readonly Guest[], changed: Guest, stream: string, now: number): readonly Guest[] {
  if (changed.stream !== stream) return guests;
  const known = guests.some((g) => g.id === changed.id);
  return sortGuests(known ? guests.map((g) => (g.id === changed.id ? changed : g)) : [...guests, changed], now);
}

/** A guest's own recording as the panel lists it: its state, how far it is sent, and where it falls in the program recording. */
export function takeWords(t: Pick<GuestTake, 'state' | 'uploadedBytes' | 'sizeBytes' | 'durationSec' | 'program'>): { label: string; tone: BadgeTone; detail: string } {
  const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;
  const placed = t.program[0];
  const where = placed ? ` · at ${placed.offsetSec >= 0 ? '+' : '−'}${Math.abs(placed.offsetSec).toFixed(1)} s in the program recording` : '';
  if (t.state === 'complete') return { label: 'complete', tone: 'ok', detail: `${t.durationSec !== null ? `${t.durationSec.toFixed(1)} s · ` : ''}${mb(t.sizeBytes ?? t.uploadedBytes)}${where}` };
  const share = t.sizeBytes ? ` of ${mb(t.sizeBytes)}` : '';
  return { label: t.sizeBytes ? 'sending' : 'recording', tone: 'live', detail: `${mb(t.uploadedBytes)}${share} with the studio${where}` };
}
