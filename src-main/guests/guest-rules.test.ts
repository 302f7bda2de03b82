import { describe, expect, it } from 'vitest';
import type { StudioError } from '../core/errors.js';
import { guestState, nextState, type GuestAction } from './guest-rules.js';

const at = (state: Parameters<typeof nextState>[0]['state'], expiresAt = 2000) => ({ state, expiresAt });
const conflict = (fn: () => unknown): StudioError => {
  try {
    fn();
  } catch (error) {
    return error as StudioError;
  }
  throw new Error('no error');
};

describe('guest states', () => {
  it('a link past its expiry is expired, whatever was stored', () => {
    expect(guestState(at('admitted', 1000), 1000)).toBe('expired');
    expect(guestState(at('waiting', 1001), 1000)).toBe('waiting');
  });

  it('invited -> waiting -> admitted -> removed; a reload of an admitted guest rejoins on the show', () => {
    expect(nextState(at('invited'), 'join', 0)).toBe('waiting');
    expect(nextState(at('waiting'), 'join', 0)).toBe('waiting');
    expect(nextState(at('waiting'), 'admit', 0)).toBe('admitted');
    expect(nextState(at('invited'), 'admit', 0)).toBe('admitted');
    expect(nextState(at('admitted'), 'join', 0)).toBe('admitted');
    expect(nextState(at('admitted'), 'remove', 0)).toBe('removed');
    expect(nextState(at('waiting'), 'refuse', 0)).toBe('refused');
    for (const s of ['invited', 'waiting', 'admitted'] as const) expect(nextState(at(s), 'revoke', 0)).toBe('revoked');
  });

  it('refuses what makes no sense with CONFLICT, naming the state and the action', () => {
    expect(conflict(() => nextState(at('admitted'), 'admit', 0))).toMatchObject({ code: 'CONFLICT', details: { state: 'admitted', action: 'admit' } });
    expect(conflict(() => nextState(at('admitted'), 'refuse', 0)).message).toMatch(/remove them instead/);
    expect(conflict(() => nextState(at('waiting'), 'remove', 0)).message).toMatch(/refuse them instead/);
    for (const s of ['revoked', 'removed', 'refused'] as const) {
      for (const a of ['join', 'admit', 'refuse', 'remove', 'revoke'] as GuestAction[]) expect(conflict(() => nextState(at(s), a, 0)).code).toBe('CONFLICT');
    }
    expect(conflict(() => nextState(at('waiting', 5), 'admit', 5)).message).toMatch(/expired/);
  });
});
