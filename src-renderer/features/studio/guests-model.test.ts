import { describe, expect, it } from 'vitest';
import type { Guest, GuestState, Source } from '../../../src-shared/contract/index.js';
import { GUEST_STATE_WORDS, guestActions, hasGuestSource, mediaIndicator, mergeGuest, sortGuests, stateAt, takeWords } from './guests-model.js';

const NOW = 1_700_000_000_000;
const guest = (id: string, state: GuestState, extra: Partial<Guest> = {}): Guest => ({
  id: `gst_${id.padEnd(12, '0')}`,
  stream: 'show',
  name: id,
  state,
  reason: null,
  muted: false,
  hidden: false,
  live: false,
  media: { video: false, audio: false },
  invitedAt: NOW - 60_000,
  joinedAt: null,
  expiresAt: NOW + 86_400_000,
  ...extra,
});
const guestSource = (guestId: string): Source => ({ id: 'src_aaaaaaaaaa', name: 'Guest', settings: { kind: 'guest', guestId } }) as Source;
const actions = (g: Guest, sources: Source[] = []) => guestActions(g, sources, NOW).map((a) => a.action);

describe("the guests panel's buttons", () => {
  it('offers Admit and Refuse in the green room, Revoke while the link is live', () => {
    expect(actions(guest('a', 'waiting'))).toEqual(['admit', 'refuse', 'revoke']);
    expect(actions(guest('a', 'invited'))).toEqual(['revoke']);
  });
  it('offers mute, hide, add to scene and remove on the show, with words for how they are now', () => {
    expect(actions(guest('a', 'admitted'))).toEqual(['mute', 'hide', 'addToScene', 'remove', 'revoke']);
    const labels = guestActions(guest('a', 'admitted', { muted: true, hidden: true }), [], NOW).map((a) => a.label);
    expect(labels).toContain('Unmute');
    expect(labels).toContain('Show');
    expect(guestActions(guest('a', 'admitted'), [], NOW).map((a) => a.label)).toEqual(['Mute', 'Hide', 'Add to scene', 'Remove', 'Revoke link']);
  });
  it('leaves out Add to scene once a guest source names them', () => {
    const g = guest('a', 'admitted');
    expect(hasGuestSource([guestSource(g.id)], g.id)).toBe(true);
    expect(hasGuestSource([guestSource('gst_bbbbbbbbbbbb')], g.id)).toBe(false);
    expect(actions(g, [guestSource(g.id)])).toEqual(['mute', 'hide', 'remove', 'revoke']);
  });
  it('offers nothing once the link has ended, past its expiry too', () => {
    for (const state of ['refused', 'removed', 'revoked', 'expired'] as const) expect(actions(guest('a', state))).toEqual([]);
    const late = guest('a', 'waiting', { expiresAt: NOW });
    expect(stateAt(late, NOW)).toBe('expired');
    expect(actions(late)).toEqual([]);
  });
});

describe('the guest list', () => {
  it('names every state with a badge tone', () => {
    expect(GUEST_STATE_WORDS.waiting).toMatchObject({ label: 'Green room', tone: 'warn' });
    expect(GUEST_STATE_WORDS.admitted.tone).toBe('live');
    expect(GUEST_STATE_WORDS.expired.tone).toBe('idle');
  });
  it('shows what a connected guest sends', () => {
    expect(mediaIndicator(guest('a', 'admitted', { live: true, media: { video: true, audio: true } }))).toEqual({ label: 'live', tone: 'ok' });
    expect(mediaIndicator(guest('a', 'admitted', { live: true, media: { video: false, audio: true } }))?.label).toBe('audio only');
    expect(mediaIndicator(guest('a', 'admitted', { live: false, media: { video: true, audio: true } }))).toBeNull();
  });
  it('puts the green room first (longest waiting on top), then the show, then links out (newest first), then ended', () => {
    const list = [
      guest('ended', 'refused', { invitedAt: NOW - 1 }),
      guest('inv-old', 'invited', { invitedAt: NOW - 5000 }),
      guest('inv-new', 'invited', { invitedAt: NOW - 10 }),
      guest('onshow', 'admitted', { joinedAt: NOW - 100 }),
      guest('late', 'waiting', { joinedAt: NOW - 10 }),
      guest('early', 'waiting', { joinedAt: NOW - 900 }),
      guest('expired', 'invited', { expiresAt: NOW - 1, invitedAt: NOW }),
    ];
    expect(sortGuests(list, NOW).map((g) => g.name)).toEqual(['early', 'late', 'onshow', 'inv-new', 'inv-old', 'expired', 'ended']);
  });
  it("merges a change: replaces the guest, adds a new one in its place, ignores other streams'", () => {
    const a = guest('a', 'invited');
    const b = guest('b', 'admitted', { joinedAt: NOW - 5 });
    const list = sortGuests([a, b], NOW);
    const joined = mergeGuest(list, { ...a, state: 'waiting', joinedAt: NOW }, 'show', NOW);
    expect(joined.map((g) => [g.name, g.state])).toEqual([['a', 'waiting'], ['b', 'admitted']]);
    const added = mergeGuest(joined, guest('c', 'invited'), 'show', NOW);
    expect(added.map((g) => g.name)).toEqual(['a', 'b', 'c']);
    expect(mergeGuest(added, guest('d', 'waiting', { stream: 'other' }), 'show', NOW)).toBe(added);
  });
});

describe("a guest's own recording in the panel", () => {
  const base = { uploadedBytes: 2_500_000, sizeBytes: null, durationSec: null, program: [] as { recordingId: string; offsetSec: number }[] };
  it('says whether it is still recorded, being sent or complete, and where it falls in the program', () => {
    expect(takeWords({ ...base, state: 'uploading' })).toEqual({ label: 'recording', tone: 'live', detail: '2.5 MB with the studio' });
    expect(takeWords({ ...base, state: 'uploading', sizeBytes: 4_000_000 })).toMatchObject({ label: 'sending', detail: '2.5 MB of 4.0 MB with the studio' });
    expect(takeWords({ ...base, state: 'complete', sizeBytes: 4_000_000, uploadedBytes: 4_000_000, durationSec: 9.42, program: [{ recordingId: 'r', offsetSec: -2.4 }] })).toEqual({
      label: 'complete',
      tone: 'ok',
      detail: '9.4 s · 4.0 MB · at −2.4 s in the program recording',
    });
  });
});
