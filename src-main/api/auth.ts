import crypto from 'node:crypto';
import { ALL_SCOPES, ROLE_SCOPES } from '../../src-shared/contract/index.js';
import { effectiveScopes } from '../auth/authorize.js';
import { decoyHash, verifyPassword } from '../auth/passwords.js';
import { checkTotp } from '../auth/totp.js';
import { FailureLimit, type Block, type BlockKind } from '../auth/failure-limit.js';
import type { Principal } from '../auth/types.js';
import { StudioError } from '../core/errors.js';
import { bearerOf, parseCookies } from '../http/credentials.js';
import type { ApiTokenStore } from '../store/api-tokens.js';
import type { SessionRecord, SessionStore } from '../store/sessions.js';
import type { UserRecord, UserStore } from '../store/users.js';

const LOGIN_CODE_TTL_MS = 10 * 60_000;
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
const FAILED_LOGIN_LIMIT = 10;

export type { Principal } from '../auth/types.js';

/** How an account is counted (names are matched without case or surrounding space). */
const accountOf = (name: string): string => name.trim().toLowerCase();

/** The people behind the API: users (sessions, passwords) and their API tokens. */
export interface People {
  users: UserStore;
  tokens: ApiTokenStore;
}

type Headers = { authorization?: string; cookie?: string };

// One-shot (no Hash object): it runs on every request the api-token makes.
const sha256 = (text: string): Buffer => crypto.hash('sha256', text, 'buffer');

/** Whether `given` is the secret whose SHA-256 is `secretHash`, in a time that does not tell how much of it matched. */
function matchesHash(given: string, secretHash: Buffer): boolean {
  return crypto.timingSafeEqual(sha256(given), secretHash);
}

/**
 * Who may call the API: holders of the api-token file (the owner's full-scope token), users' API tokens
 * (`st_...`, scoped), and browsers with a session cookie (a one-time login code signs in as the owner;
 * a name, password and TOTP code as that user).
 */
export class AuthService {
  private readonly codes = new Map<string, number>();
  private readonly failures: FailureLimit;
  private blockListener: (block: Block) => void = () => undefined;
  /** Hashed once: every request and socket call with a bearer is compared with it (a hash each was 25 us of the socket call's 0.16 ms). */
  private readonly apiTokenHash: Buffer;

  constructor(
    apiToken: string,
    private readonly sessions: SessionStore,
    private readonly sessionTtlMs: () => number,
    private readonly people?: People,
    /** Failed sign-ins per minute from one address before it must wait (limits.failedAuthPerMinute). */
    failedLimit: () => number = () => FAILED_LOGIN_LIMIT,
  ) {
    this.failures = new FailureLimit(failedLimit, (block) => this.blockListener(block));
    this.apiTokenHash = sha256(apiToken);
  }

  /** Hears each block as it starts (the audit records it). */
  onBlock(listener: (block: Block) => void): void {
    this.blockListener = listener;
  }

  /** The owner as a principal: the api-token file, the desktop window, a login-code session. */
  ownerPrincipal(via: Principal['via'], sessionId?: string): Principal {
    const owner = this.people?.users.firstOwner();
    return {
      via,
      userId: owner?.id ?? null,
      userName: owner?.name ?? 'owner',
      role: 'owner',
      scopes: ALL_SCOPES,
      streams: null,
      ...(via === 'token' ? { tokenId: null, tokenName: 'api-token' } : {}),
      ...(sessionId ? { sessionId } : {}),
    };
  }

  private userPrincipal(user: UserRecord, session: SessionRecord): Principal {
    return { via: 'session', userId: user.id, userName: user.name, role: user.role, scopes: ROLE_SCOPES[user.role], streams: null, sessionId: session.id };
  }

  authenticate(headers: Headers, cookieName: string): Principal | undefined {
    const found = this.identify(headers, cookieName);
    return found instanceof StudioError ? undefined : found;
  }

  /** Why `headers` do not authenticate: TOKEN_EXPIRED for an expired API token, else UNAUTHORIZED. */
  refusal(headers: Headers, cookieName: string): StudioError {
    const found = this.identify(headers, cookieName);
    return found instanceof StudioError ? found : new StudioError('UNAUTHORIZED', 'send Authorization: Bearer <api-token>, or sign in');
  }

  private identify(headers: Headers, cookieName: string): Principal | StudioError | undefined {
    const bearer = bearerOf(headers.authorization);
    if (bearer !== undefined) {
      if (matchesHash(bearer, this.apiTokenHash)) return this.ownerPrincipal('token');
      const token = this.people?.tokens.verify(bearer);
      if (token) {
        if (token.expiresAt !== null && token.expiresAt <= Date.now()) return new StudioError('TOKEN_EXPIRED', `the API token "${token.name}" expired`);
        const user = this.people!.users.get(token.userId);
        if (!user || user.disabled) return new StudioError('UNAUTHORIZED', 'the user of this API token is disabled or removed');
        this.people!.tokens.used(token.id);
        return {
          via: 'token',
          userId: user.id,
          userName: user.name,
          role: user.role,
          scopes: effectiveScopes(user.role, token.scopes),
          streams: token.streams,
          tokenId: token.id,
          tokenName: token.name,
        };
      }
    }
    const cookie = parseCookies(headers.cookie).get(cookieName);
    if (cookie) {
      const session = this.sessions.verify(cookie);
      if (session) {
        if (session.userId === null) return this.ownerPrincipal('session', session.id);
        const user = this.people?.users.get(session.userId);
        if (user && !user.disabled) return this.userPrincipal(user, session);
      }
    }
    return undefined;
  }

  /**
   * Signs a user in with name and password (and the TOTP code when the user has a second factor):
   * every wrong answer costs what a right one does, and says only INVALID_CREDENTIALS.
   */
  async signIn(
    input: { name: string; password: string; code?: string },
    meta: { ip: string; userAgent?: string },
  ): Promise<{ token: string; session: SessionRecord; user: UserRecord }> {
    // Password and code attempts for an account that failed too often are refused before they are
    // checked (from any address but loopback), as are those from an address that did.
    const account = accountOf(input.name);
    this.checkRateLimit(meta.ip, account);
    const user = this.people?.users.byName(input.name);
    const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, input.password) : (await verifyPassword(await decoyHash(), input.password), false);
    if (!user || !ok || user.disabled) {
      this.recordFailure(meta.ip, account);
      throw new StudioError('INVALID_CREDENTIALS', 'wrong name or password');
    }
    if (user.totpSecret) {
      if (!input.code) throw new StudioError('TOTP_REQUIRED', 'enter the 6-digit code of your authenticator app');
      const step = checkTotp(user.totpSecret, input.code, user.totpLastStep);
      if (step === null) {
        this.recordFailure(meta.ip, account);
        throw new StudioError('TOTP_INVALID', 'that code did not match (or was used already)');
      }
      this.people!.users.setTotp(user.id, { lastStep: step });
    }
    this.people!.users.signedIn(user.id);
    this.sessions.purgeExpired();
    return { ...this.sessions.create(this.sessionTtlMs(), { ...meta, userId: user.id }), user };
  }

  /** Opens a session for `userId` (an invitation just accepted). */
  openSession(userId: string, meta: { ip: string; userAgent?: string }): { token: string; session: SessionRecord } {
    this.people?.users.signedIn(userId);
    return this.sessions.create(this.sessionTtlMs(), { ...meta, userId });
  }

  /** A new one-time login code, valid for 10 minutes. */
  issueLoginCode(): { code: string; expiresAt: number } {
    const bytes = crypto.randomBytes(10);
    let code = '';
    for (const b of bytes) code += CODE_ALPHABET[b % CODE_ALPHABET.length];
    const expiresAt = Date.now() + LOGIN_CODE_TTL_MS;
    this.pruneCodes();
    this.codes.set(code, expiresAt);
    return { code, expiresAt };
  }

  /** Spends a login code and opens a browser session; wrong codes are rate-limited per client address. */
  redeemLoginCode(code: string, meta: { ip: string; userAgent?: string }): { token: string; session: SessionRecord } {
    this.checkRateLimit(meta.ip);
    const normalized = code.trim().toUpperCase().replace(/[^A-Z0-9]/g, '');
    const expiresAt = this.codes.get(normalized);
    if (expiresAt === undefined || expiresAt < Date.now()) {
      this.codes.delete(normalized);
      this.recordFailure(meta.ip);
      throw new StudioError('LOGIN_CODE_INVALID', 'this login code is unknown, expired or already used');
    }
    this.codes.delete(normalized);
    this.sessions.purgeExpired();
    const owner = this.people?.users.firstOwner();
    if (owner) this.people!.users.signedIn(owner.id);
    return this.sessions.create(this.sessionTtlMs(), { ...meta, userId: owner?.id ?? null });
  }

  logout(cookieValue: string | undefined): void {
    if (cookieValue) this.sessions.revoke(cookieValue);
  }

  /**
   * Seconds `ip` must wait before its next guess (every port counts), or before a password or code
   * attempt at `account` (an account's block spares loopback); 0 when it may try. A valid token,
   * session or stream key is served whatever this says: only guesses wait.
   */
  retryAfter(ip: string, account?: string): number {
    return this.failures.retryAfter(ip, account);
  }

  /** Throws RATE_LIMITED while `ip` (or `account`, for a sign-in) is blocked. */
  checkRateLimit(ip: string, account?: string): void {
    const retryAfterSec = this.retryAfter(ip, account);
    if (retryAfterSec > 0) throw new StudioError('RATE_LIMITED', 'too many failed sign-ins from this address or for this account; wait a minute', { retryAfterSec });
  }

  /** Counts a failed guess by `ip` (at `account`: a wrong password or code for that user). */
  recordFailure(ip: string, account?: string): void {
    this.failures.record(ip, account);
  }

  /** Who is blocked now (the Access page). */
  blocks(): Block[] {
    return this.failures.blocks();
  }

  /** Lifts a block; false when there was none. */
  unblock(kind: BlockKind, key: string): boolean {
    return this.failures.unblock(kind, kind === 'account' ? accountOf(key) : key);
  }

  private pruneCodes(): void {
    const now = Date.now();
    for (const [code, expiresAt] of this.codes) if (expiresAt < now) this.codes.delete(code);
  }
}
