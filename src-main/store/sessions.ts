import crypto from 'node:crypto';
import { prepared, type Db } from './db.js';

export interface SessionRecord {
  id: string;
  createdAt: number;
  expiresAt: number;
  userAgent: string;
  ip: string;
  /** The signed-in user; null for a session opened before users existed (it stands for the owner). */
  userId: string | null;
  lastSeenAt: number;
}

interface Row {
  id: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  user_agent: string;
  ip: string;
  user_id: string | null;
}

const fromRow = (r: Row): SessionRecord => ({
  id: r.id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  userAgent: r.user_agent,
  ip: r.ip,
  userId: r.user_id,
  lastSeenAt: r.last_seen_at,
});

const hash = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

/** Browser sessions: only a hash of each cookie value is stored, so a copied database signs no one in. */
export class SessionStore {
  constructor(private readonly db: Db) {}

  create(ttlMs: number, meta: { userAgent?: string; ip?: string; userId?: string | null } = {}): { token: string; session: SessionRecord } {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: SessionRecord = {
      id: crypto.randomUUID(),
      createdAt: now,
      expiresAt: now + ttlMs,
      userAgent: (meta.userAgent ?? '').slice(0, 256),
      ip: meta.ip ?? '',
      userId: meta.userId ?? null,
      lastSeenAt: now,
    };
    this.db
      .prepare(
        'INSERT INTO sessions (id, token_hash, created_at, expires_at, last_seen_at, user_agent, ip, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(session.id, hash(token), now, session.expiresAt, now, session.userAgent, session.ip, session.userId);
    return { token, session };
  }

  verify(token: string): SessionRecord | undefined {
    const row = prepared(this.db, 'SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?').get(hash(token), Date.now()) as Row | undefined;
    if (!row) return undefined;
    const now = Date.now();
    // Last seen, at most once a minute (not a write per request).
    if (now - row.last_seen_at > 60_000) prepared(this.db, 'UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(now, row.id);
    return fromRow(row);
  }

  /** Unexpired sessions, newest first: of one user (null: the owner's sessions from before users), or all. */
  list(userId?: string | null): SessionRecord[] {
    const now = Date.now();
    const rows =
      userId === undefined
        ? (this.db.prepare('SELECT * FROM sessions WHERE expires_at > ? ORDER BY created_at DESC').all(now) as Row[])
        : (this.db.prepare('SELECT * FROM sessions WHERE expires_at > ? AND user_id IS ? ORDER BY created_at DESC').all(now, userId) as Row[]);
    return rows.map(fromRow);
  }

  get(id: string): SessionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  revokeById(id: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes === 1;
  }

  revokeUser(userId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId);
  }

  revoke(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash(token));
  }

  purgeExpired(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(Date.now()).changes;
  }
}
