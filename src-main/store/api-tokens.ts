import crypto from 'node:crypto';
import type { Scope } from '../../src-shared/contract/index.js';
import { prepared, type Db } from './db.js';

export interface TokenRecord {
  id: string;
  userId: string;
  name: string;
  scopes: Scope[];
  streams: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  id: string;
  user_id: string;
  name: string;
  scopes: string;
  streams: string | null;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

const fromRow = (r: Row): TokenRecord => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  scopes: JSON.parse(r.scopes) as Scope[],
  streams: r.streams === null ? null : (JSON.parse(r.streams) as string[]),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

const sha256 = (value: string): string => crypto.createHash('sha256').update(value).digest('hex');

/** The shape of an API token: `st_<id>_<secret>` (the id finds the row, only the whole token's hash is kept). */
export const API_TOKEN_RE = /^st_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{32,})$/;

/** API tokens of users, with scopes, optional streams and expiry. */
export class ApiTokenStore {
  constructor(private readonly db: Db) {}

  create(input: { userId: string; name: string; scopes: Scope[]; streams: string[] | null; expiresAt: number | null }, now = Date.now()): { record: TokenRecord; token: string } {
    const id = crypto.randomBytes(9).toString('base64url');
    const token = `st_${id}_${crypto.randomBytes(24).toString('base64url')}`;
    this.db
      .prepare('INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, streams, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(id, input.userId, input.name, sha256(token), JSON.stringify(input.scopes), input.streams ? JSON.stringify(input.streams) : null, now, input.expiresAt);
    return { record: this.get(id)!, token };
  }

  get(id: string): TokenRecord | undefined {
    const row = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  list(userId?: string): TokenRecord[] {
    const rows = userId
      ? (this.db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at').all(userId) as Row[])
      : (this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at').all() as Row[]);
    return rows.map(fromRow);
  }

  /** The record of a presented token whose hash matches (expired ones too: the caller says TOKEN_EXPIRED). */
  verify(token: string): TokenRecord | undefined {
    const match = API_TOKEN_RE.exec(token);
    if (!match) return undefined;
    const row = prepared(this.db, 'SELECT * FROM api_tokens WHERE id = ?').get(match[1]) as (Row & { token_hash: string }) | undefined;
    if (!row) return undefined;
    const a = Buffer.from(row.token_hash, 'hex');
    const b = Buffer.from(sha256(token), 'hex');
    return a.length === b.length && crypto.timingSafeEqual(a, b) ? fromRow(row) : undefined;
  }

  /** Notes a use, at most once a minute per token (a write per call would be wasteful). */
  used(id: string, at = Date.now()): void {
    prepared(this.db, 'UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(at, id, at - 60_000);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes === 1;
  }
}
