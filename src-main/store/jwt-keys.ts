import crypto from 'node:crypto';
import type { Db } from './db.js';

export interface JwtKey {
  kid: string;
  /** The HS256 secret (32 random bytes, base64url). */
  secret: string;
  createdAt: number;
  retiredAt: number | null;
}

/**
 * The host's JWT signing keys (HS256: the edges verify them in njs with the same secret). The newest
 * signs; the one before it keeps verifying the tokens it signed until they expire; older ones are retired.
 */
export class JwtKeyStore {
  constructor(private readonly db: Db) {}

  /** Keys that verify, newest first. */
  active(): JwtKey[] {
    const rows = this.db.prepare('SELECT kid, private_jwk, created_at, retired_at FROM jwt_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC').all() as {
      kid: string;
      private_jwk: string;
      created_at: number;
      retired_at: number | null;
    }[];
    return rows.map((r) => ({ kid: r.kid, secret: (JSON.parse(r.private_jwk) as { k: string }).k, createdAt: r.created_at, retiredAt: r.retired_at }));
  }

  /** The signing key, made on first use. */
  current(): JwtKey {
    return this.active()[0] ?? this.rotate().current;
  }

  /** A new signing key; the previous one keeps verifying, any older one is retired. */
  rotate(now = Date.now()): { current: JwtKey; previous: JwtKey | null } {
    const kid = `k${now.toString(36)}${crypto.randomBytes(3).toString('hex')}`;
    const secret = crypto.randomBytes(32).toString('base64url');
    return this.db.transaction(() => {
      const before = this.active();
      for (const old of before.slice(1)) this.db.prepare('UPDATE jwt_keys SET retired_at = ? WHERE kid = ?').run(now, old.kid);
      this.db
        .prepare('INSERT INTO jwt_keys (kid, alg, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(kid, 'HS256', JSON.stringify({ kty: 'oct', k: secret, kid, alg: 'HS256' }), JSON.stringify({ kid, alg: 'HS256' }), now);
      return { current: { kid, secret, createdAt: now, retiredAt: null }, previous: before[0] ?? null };
    })();
  }
}
