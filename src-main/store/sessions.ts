import crypto from 'node:crypto';
import type { Db } from './db.js';

export interface SessionRecord {
  id: string;
  createdAt: number;
  expiresAt: number;
  userAgent: string;
  ip: string;
}

const hash = (token: string): string => crypto.createHash('sha256').update(token).digest('hex');

/** Browser sessions: only a hash of each cookie value is stored, so a copied database signs no one in. */
export class SessionStore {
  constructor(private readonly db: Db) {}

  create(ttlMs: number, meta: { userAgent?: string; ip?: string } = {}): { token: string; session: SessionRecord } {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: SessionRecord = {
      id: crypto.randomUUID(),
      createdAt: now,
      expiresAt: now + ttlMs,
      userAgent: (meta.userAgent ?? '').slice(0, 256),
      ip: meta.ip ?? '',
    };
    this.db
      .prepare(
        'INSERT INTO sessions (id, token_hash, created_at, expires_at, last_seen_at, user_agent, ip) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(session.id, hash(token), now, session.expiresAt, now, session.userAgent, session.ip);
    return { token, session };
  }

  verify(token: string): SessionRecord | undefined {
    const row = this.db
      .prepare('SELECT id, created_at, expires_at, user_agent, ip FROM sessions WHERE token_hash = ? AND expires_at > ?')
      .get(hash(token), Date.now()) as
      | { id: string; created_at: number; expires_at: number; user_agent: string; ip: string }
      | undefined;
    if (!row) return undefined;
    return { id: row.id, createdAt: row.created_at, expiresAt: row.expires_at, userAgent: row.user_agent, ip: row.ip };
  }

  revoke(token: string): void {
    this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(hash(token));
  }

  purgeExpired(): number {
    return this.db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(Date.now()).changes;
  }
}
