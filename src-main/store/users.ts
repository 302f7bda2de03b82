import crypto from 'node:crypto';
import type { Role, User } from '../../src-shared/contract/index.js';
import { prepared, type Db } from './db.js';

export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  passwordHash: string | null;
  totpSecret: string | null;
  totpPending: string | null;
  totpLastStep: number | null;
  createdAt: number;
  lastSignInAt: number | null;
  disabled: boolean;
}

interface Row {
  id: string;
  name: string;
  role: string;
  password_hash: string | null;
  totp_secret: string | null;
  totp_pending: string | null;
  totp_last_step: number | null;
  created_at: number;
  last_sign_in_at: number | null;
  disabled: number;
}

const fromRow = (r: Row): UserRecord => ({
  id: r.id,
  name: r.name,
  role: r.role as Role,
  passwordHash: r.password_hash,
  totpSecret: r.totp_secret,
  totpPending: r.totp_pending,
  totpLastStep: r.totp_last_step,
  createdAt: r.created_at,
  lastSignInAt: r.last_sign_in_at,
  disabled: r.disabled === 1,
});

/** What the API shows of a user: never a hash or a secret. */
export const publicUser = (u: UserRecord): User => ({
  id: u.id,
  name: u.name,
  role: u.role,
  hasPassword: u.passwordHash !== null,
  totpEnabled: u.totpSecret !== null,
  createdAt: u.createdAt,
  lastSignInAt: u.lastSignInAt,
  disabled: u.disabled,
});

const sha256 = (value: string): string => crypto.createHash('sha256').update(value).digest('hex');

/** Users and their invitations. Passwords are argon2id hashes; invitation links are kept as hashes only. */
export class UserStore {
  /**
   * The first owner, read on every request of the api-token and of a login link's session: kept until
   * this store writes a user (the users table is written here only). undefined: not read yet.
   */
  private owner: UserRecord | null | undefined;

  constructor(private readonly db: Db) {}

  list(): UserRecord[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY created_at, name').all() as Row[]).map(fromRow);
  }

  get(id: string): UserRecord | undefined {
    const row = prepared(this.db, 'SELECT * FROM users WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  byName(name: string): UserRecord | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE name = ?').get(name) as Row | undefined;
    return row && fromRow(row);
  }

  /** The first owner (the one the api-token file and one-time login links stand for). */
  firstOwner(): UserRecord | undefined {
    if (this.owner === undefined) {
      const row = prepared(this.db, "SELECT * FROM users WHERE role = 'owner' AND disabled = 0 ORDER BY created_at LIMIT 1").get() as Row | undefined;
      this.owner = row ? fromRow(row) : null;
    }
    return this.owner === null ? undefined : { ...this.owner };
  }

  countOwners(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM users WHERE role = 'owner' AND disabled = 0").get() as { n: number }).n;
  }

  /** Inserts a user; returns undefined when the name is taken (names are compared without case). */
  create(input: { name: string; role: Role }, now = Date.now()): UserRecord | undefined {
    const id = `usr_${crypto.randomBytes(9).toString('base64url')}`;
    this.owner = undefined;
    const result = this.db
      .prepare('INSERT OR IGNORE INTO users (id, name, role, created_at) VALUES (?, ?, ?, ?)')
      .run(id, input.name, input.role, now);
    return result.changes === 1 ? this.get(id) : undefined;
  }

  update(id: string, patch: { name?: string; role?: Role; disabled?: boolean }): 'ok' | 'name-taken' {
    const current = this.get(id);
    if (!current) return 'ok';
    const next = { ...current, ...patch };
    this.owner = undefined;
    try {
      this.db.prepare('UPDATE users SET name = ?, role = ?, disabled = ? WHERE id = ?').run(next.name, next.role, next.disabled ? 1 : 0, id);
      return 'ok';
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return 'name-taken';
      throw error;
    }
  }

  delete(id: string): boolean {
    this.owner = undefined;
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM api_tokens WHERE user_id = ?').run(id);
      this.db.prepare('DELETE FROM invitations WHERE user_id = ?').run(id);
      return this.db.prepare('DELETE FROM users WHERE id = ?').run(id).changes === 1;
    })();
  }

  setPassword(id: string, hash: string): void {
    this.owner = undefined;
    this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, id);
  }

  setTotp(id: string, fields: { secret?: string | null; pending?: string | null; lastStep?: number | null }): void {
    const current = this.get(id);
    if (!current) return;
    this.owner = undefined;
    this.db
      .prepare('UPDATE users SET totp_secret = ?, totp_pending = ?, totp_last_step = ? WHERE id = ?')
      .run(
        fields.secret !== undefined ? fields.secret : current.totpSecret,
        fields.pending !== undefined ? fields.pending : current.totpPending,
        fields.lastStep !== undefined ? fields.lastStep : current.totpLastStep,
        id,
      );
  }

  signedIn(id: string, at = Date.now()): void {
    this.owner = undefined;
    this.db.prepare('UPDATE users SET last_sign_in_at = ? WHERE id = ?').run(at, id);
  }

  /** A new invitation link token for `userId` (earlier ones stop working). */
  invite(userId: string, ttlMs: number, now = Date.now()): { token: string; expiresAt: number } {
    const token = crypto.randomBytes(24).toString('base64url');
    const expiresAt = now + ttlMs;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM invitations WHERE user_id = ?').run(userId);
      this.db.prepare('INSERT INTO invitations (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(sha256(token), userId, now, expiresAt);
    })();
    return { token, expiresAt };
  }

  /** The user an unexpired invitation is for (not spent: see spendInvitation). */
  invitation(token: string, now = Date.now()): UserRecord | undefined {
    const row = this.db.prepare('SELECT user_id FROM invitations WHERE token_hash = ? AND expires_at > ?').get(sha256(token), now) as { user_id: string } | undefined;
    return row ? this.get(row.user_id) : undefined;
  }

  spendInvitation(token: string): void {
    this.db.prepare('DELETE FROM invitations WHERE token_hash = ?').run(sha256(token));
  }
}
