import type { Role, User } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { SessionStore } from '../store/sessions.js';
import { publicUser, type UserRecord, type UserStore } from '../store/users.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { checkTotp, newTotpSecret, totpUri } from './totp.js';
import type { Principal, UsersPort } from './types.js';

const isAdmin = (p: Principal): boolean => p.role === 'owner' || p.role === 'admin';

/**
 * People of the studio: invitations, roles, passwords, TOTP and sessions. Only an owner makes, changes
 * or removes an owner, and the last owner stays. Disabling or removing a user ends their sessions and
 * tokens at once; a role change applies from their next call (roles are read per call).
 */
export class UsersService implements UsersPort {
  constructor(
    private readonly deps: {
      users: UserStore;
      sessions: SessionStore;
      inviteTtlMs: () => number;
      studioName: () => string;
    },
  ) {}

  /** The first run: the owner the api-token file and the printed sign-in link stand for. */
  ensureOwner(): UserRecord {
    return this.deps.users.firstOwner() ?? this.deps.users.create({ name: 'owner', role: 'owner' }) ?? this.deps.users.byName('owner')!;
  }

  list(): User[] {
    return this.deps.users.list().map(publicUser);
  }

  get(id: string): User {
    return publicUser(this.require(id));
  }

  me(by: Principal): User | null {
    const user = by.userId ? this.deps.users.get(by.userId) : undefined;
    return user ? publicUser(user) : null;
  }

  create(input: { name: string; role: Role }, by: Principal, baseUrl: string): User & { inviteUrl: string; inviteExpiresAt: number } {
    if (input.role === 'owner' && by.role !== 'owner') throw new StudioError('FORBIDDEN', 'only an owner makes another owner', { scope: 'users:write' });
    const user = this.deps.users.create(input);
    if (!user) throw new StudioError('CONFLICT', `a user named "${input.name}" already exists`, { fields: [{ path: 'name', message: 'already taken' }] });
    const invite = this.deps.users.invite(user.id, this.deps.inviteTtlMs());
    return { ...publicUser(user), inviteUrl: `${baseUrl}/invite/${invite.token}`, inviteExpiresAt: invite.expiresAt };
  }

  update(
    input: { id: string; name?: string; role?: Role; disabled?: boolean; reinvite?: boolean },
    by: Principal,
    baseUrl: string,
  ): User & { inviteUrl: string | null; inviteExpiresAt: number | null } {
    const user = this.require(input.id);
    const touchesOwner = user.role === 'owner' || input.role === 'owner';
    if (touchesOwner && by.role !== 'owner') throw new StudioError('FORBIDDEN', 'only an owner changes an owner', { scope: 'users:write' });
    const losesOwner = user.role === 'owner' && !user.disabled && ((input.role !== undefined && input.role !== 'owner') || input.disabled === true);
    if (losesOwner && this.deps.users.countOwners() <= 1) throw new StudioError('LAST_OWNER', 'the studio needs an owner: make someone else owner first');
    const patch = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.role !== undefined ? { role: input.role } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
    };
    if (this.deps.users.update(user.id, patch) === 'name-taken') {
      throw new StudioError('CONFLICT', `a user named "${input.name}" already exists`, { fields: [{ path: 'name', message: 'already taken' }] });
    }
    if (input.disabled === true) this.deps.sessions.revokeUser(user.id);
    const invite = input.reinvite ? this.deps.users.invite(user.id, this.deps.inviteTtlMs()) : null;
    return { ...publicUser(this.require(user.id)), inviteUrl: invite ? `${baseUrl}/invite/${invite.token}` : null, inviteExpiresAt: invite?.expiresAt ?? null };
  }

  delete(id: string, by: Principal): void {
    const user = this.require(id);
    if (user.role === 'owner' && by.role !== 'owner') throw new StudioError('FORBIDDEN', 'only an owner removes an owner', { scope: 'users:write' });
    if (user.role === 'owner' && !user.disabled && this.deps.users.countOwners() <= 1) throw new StudioError('LAST_OWNER', 'the studio needs an owner: make someone else owner first');
    this.deps.users.delete(id);
  }

  async setPassword(by: Principal, input: { current?: string; password: string }): Promise<void> {
    const user = this.self(by);
    if (user.passwordHash && !(input.current !== undefined && (await verifyPassword(user.passwordHash, input.current)))) {
      throw new StudioError('INVALID_CREDENTIALS', 'the current password is wrong', { fields: [{ path: 'current', message: 'wrong password' }] });
    }
    this.deps.users.setPassword(user.id, await hashPassword(input.password));
  }

  /** Spends an invitation: sets the password; returns the user to sign in. */
  async acceptInvitation(token: string, password: string): Promise<UserRecord> {
    const user = this.deps.users.invitation(token);
    if (!user || user.disabled) throw new StudioError('INVITE_INVALID', 'this invitation is unknown, expired or already used');
    this.deps.users.setPassword(user.id, await hashPassword(password));
    this.deps.users.spendInvitation(token);
    return user;
  }

  invitationFor(token: string): UserRecord | undefined {
    return this.deps.users.invitation(token);
  }

  async totpSetup(by: Principal): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }> {
    const user = this.self(by);
    const secret = newTotpSecret();
    this.deps.users.setTotp(user.id, { pending: secret });
    const otpauthUrl = totpUri(secret, user.name, this.deps.studioName());
    // qrcode loads with the first two-step set-up, not with the host.
    const { default: QRCode } = await import('qrcode');
    return { secret, otpauthUrl, qrSvg: await QRCode.toString(otpauthUrl, { type: 'svg', margin: 1 }) };
  }

  totpEnable(by: Principal, code: string): void {
    const user = this.self(by);
    if (!user.totpPending) throw new StudioError('CONFLICT', 'start with POST /api/v1/account/totp');
    const step = checkTotp(user.totpPending, code, null);
    if (step === null) throw new StudioError('TOTP_INVALID', 'that code did not match');
    this.deps.users.setTotp(user.id, { secret: user.totpPending, pending: null, lastStep: step });
  }

  totpDisable(by: Principal, code: string): void {
    const user = this.self(by);
    if (!user.totpSecret) return;
    if (checkTotp(user.totpSecret, code, user.totpLastStep) === null) throw new StudioError('TOTP_INVALID', 'that code did not match');
    this.deps.users.setTotp(user.id, { secret: null, pending: null, lastStep: null });
  }

  sessions(by: Principal, all: boolean): ReturnType<UsersPort['sessions']> {
    const owner = this.deps.users.firstOwner();
    const mine = (userId: string | null): boolean => userId === by.userId || (userId === null && by.userId === owner?.id);
    const list = all && isAdmin(by) ? this.deps.sessions.list() : this.deps.sessions.list().filter((s) => mine(s.userId));
    return list.map((s) => ({ id: s.id, userId: s.userId ?? owner?.id ?? null, createdAt: s.createdAt, expiresAt: s.expiresAt, lastSeenAt: s.lastSeenAt, ip: s.ip, userAgent: s.userAgent, current: s.id === by.sessionId }));
  }

  revokeSession(by: Principal, id: string): void {
    const session = this.deps.sessions.get(id);
    const owner = this.deps.users.firstOwner();
    const ownerOfIt = session ? (session.userId ?? owner?.id ?? null) : null;
    if (!session || (ownerOfIt !== by.userId && !isAdmin(by))) throw new StudioError('NOT_FOUND', `no session "${id}"`);
    this.deps.sessions.revokeById(id);
  }

  private require(id: string): UserRecord {
    const user = this.deps.users.get(id);
    if (!user) throw new StudioError('NOT_FOUND', `no user "${id}"`);
    return user;
  }

  /** The caller's own user (the api-token file stands for the owner). */
  private self(by: Principal): UserRecord {
    const user = by.userId ? this.deps.users.get(by.userId) : undefined;
    if (!user) throw new StudioError('NOT_FOUND', 'this caller has no user account');
    return user;
  }
}
