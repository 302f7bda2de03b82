import type { GuestState } from '../../src-shared/contract/guests.js';
import type { Db } from './db.js';

/** A guest as kept: the contract's Guest less what is live (publishing, media) and the computed expiry. */
export interface GuestRecord {
  id: string;
  stream: string;
  name: string;
  /** As stored: never `expired` (that is computed from expiresAt). */
  state: Exclude<GuestState, 'expired'>;
  reason: string | null;
  muted: boolean;
  hidden: boolean;
  invitedAt: number;
  joinedAt: number | null;
  expiresAt: number;
}

type Row = {
  id: string;
  stream: string;
  name: string;
  state: string;
  reason: string | null;
  muted: number;
  hidden: number;
  invited_at: number;
  joined_at: number | null;
  expires_at: number;
};

const toRecord = (r: Row): GuestRecord => ({
  id: r.id,
  stream: r.stream,
  name: r.name,
  state: r.state as GuestRecord['state'],
  reason: r.reason,
  muted: r.muted === 1,
  hidden: r.hidden === 1,
  invitedAt: r.invited_at,
  joinedAt: r.joined_at,
  expiresAt: r.expires_at,
});

/** Guests in SQLite: one row each, written whole. */
export class GuestStore {
  constructor(private readonly db: Db) {}

  get(id: string): GuestRecord | undefined {
    const row = this.db.prepare('SELECT * FROM guests WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  ofStream(stream: string): GuestRecord[] {
    return (this.db.prepare('SELECT * FROM guests WHERE stream = ? ORDER BY invited_at, id').all(stream) as Row[]).map(toRecord);
  }

  put(g: GuestRecord): void {
    this.db
      .prepare(
        `INSERT INTO guests (id, stream, name, state, reason, muted, hidden, invited_at, joined_at, expires_at)
         VALUES (@id, @stream, @name, @state, @reason, @muted, @hidden, @invitedAt, @joinedAt, @expiresAt)
         ON CONFLICT (id) DO UPDATE SET name = @name, state = @state, reason = @reason, muted = @muted, hidden = @hidden, joined_at = @joinedAt`,
      )
      .run({ ...g, muted: g.muted ? 1 : 0, hidden: g.hidden ? 1 : 0 });
  }

  /** Links that ended more than `olderThan` ago (expired, revoked, refused, removed) are forgotten; returns how many. */
  prune(before: number): number {
    return this.db.prepare("DELETE FROM guests WHERE expires_at < ? OR (state IN ('revoked', 'refused', 'removed') AND invited_at < ?)").run(before, before).changes;
  }

  /** A deleted stream's guests go with it. */
  deleteStream(stream: string): void {
    this.db.prepare('DELETE FROM guests WHERE stream = ?').run(stream);
  }
}
