import crypto from 'node:crypto';
import { StudioError } from '../core/errors.js';
import { bearerOf, parseCookies } from '../http/credentials.js';
import type { SessionRecord, SessionStore } from '../store/sessions.js';

const LOGIN_CODE_TTL_MS = 10 * 60_000;
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
const FAILED_LOGIN_LIMIT = 10;
const FAILED_LOGIN_WINDOW_MS = 60_000;

export type Principal = { kind: 'token' } | { kind: 'session'; session: SessionRecord };

function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * Who may call the API: holders of the api-token (tools, the tray of another machine) and browsers
 * with a session cookie obtained by redeeming a one-time login code.
 */
export class AuthService {
  private readonly codes = new Map<string, number>();
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly apiToken: string,
    private readonly sessions: SessionStore,
    private readonly sessionTtlMs: () => number,
  ) {}

  authenticate(headers: { authorization?: string; cookie?: string }, cookieName: string): Principal | undefined {
    const bearer = bearerOf(headers.authorization);
    if (bearer !== undefined && safeEqual(bearer, this.apiToken)) return { kind: 'token' };
    const cookie = parseCookies(headers.cookie).get(cookieName);
    if (cookie) {
      const session = this.sessions.verify(cookie);
      if (session) return { kind: 'session', session };
    }
    return undefined;
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
    return this.sessions.create(this.sessionTtlMs(), meta);
  }

  logout(cookieValue: string | undefined): void {
    if (cookieValue) this.sessions.revoke(cookieValue);
  }

  private checkRateLimit(ip: string): void {
    const now = Date.now();
    if (this.failures.size > 1000) {
      for (const [addr, times] of this.failures) if (times.every((t) => now - t >= FAILED_LOGIN_WINDOW_MS)) this.failures.delete(addr);
    }
    const recent = (this.failures.get(ip) ?? []).filter((t) => now - t < FAILED_LOGIN_WINDOW_MS);
    this.failures.set(ip, recent);
    if (recent.length >= FAILED_LOGIN_LIMIT) {
      throw new StudioError('RATE_LIMITED', 'too many wrong login codes from this address; wait a minute');
    }
  }

  private recordFailure(ip: string): void {
    const list = this.failures.get(ip) ?? [];
    list.push(Date.now());
    this.failures.set(ip, list);
  }

  private pruneCodes(): void {
    const now = Date.now();
    for (const [code, expiresAt] of this.codes) if (expiresAt < now) this.codes.delete(code);
  }
}
