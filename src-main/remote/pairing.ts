import crypto from 'node:crypto';
import type { RemotePermission } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';

export const PAIRING_CODE_TTL_MS = 10 * 60_000;
export const VIEWER_TOKEN_TTL_MS = 60 * 60_000;
/** Wrong codes tolerated per window before pairing is refused for a while (six digits are guessable). */
export const MAX_FAILED_PAIRINGS = 10;
export const FAILED_PAIRING_WINDOW_MS = 60_000;

export interface PairingEntry {
  id: string;
  displayId: string;
  permission: RemotePermission;
  pairingCode: string;
  pairingExpiresAt: number;
  createdAt: number;
}

export interface ViewerGrant {
  token: string;
  sessionId: string;
  expiresAt: number;
}

/**
 * Sessions, their pairing codes and the viewer tokens redeemed from them. A code can be redeemed by
 * several viewers until it expires; a token is what the viewer then presents to connect, and it
 * expires too. Ending a session voids its tokens. Clock injected for tests.
 */
export class PairingBook {
  private readonly sessions = new Map<string, PairingEntry>();
  private readonly tokens = new Map<string, ViewerGrant>();
  private failures: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  open(displayId: string, permission: RemotePermission): PairingEntry {
    let code: string;
    do code = crypto.randomInt(0, 1_000_000).toString().padStart(6, '0');
    while ([...this.sessions.values()].some((s) => s.pairingCode === code));
    const at = this.now();
    const entry: PairingEntry = {
      id: crypto.randomBytes(9).toString('base64url'),
      displayId,
      permission,
      pairingCode: code,
      pairingExpiresAt: at + PAIRING_CODE_TTL_MS,
      createdAt: at,
    };
    this.sessions.set(entry.id, entry);
    return entry;
  }

  get(id: string): PairingEntry | undefined {
    return this.sessions.get(id);
  }

  list(): PairingEntry[] {
    return [...this.sessions.values()];
  }

  /** A viewer token for a valid code; wrong or expired codes count towards a short lock-out. */
  redeem(code: unknown): { grant: ViewerGrant; session: PairingEntry } {
    const at = this.now();
    this.failures = this.failures.filter((t) => at - t < FAILED_PAIRING_WINDOW_MS);
    if (this.failures.length >= MAX_FAILED_PAIRINGS) throw new StudioError('RATE_LIMITED', 'too many wrong pairing codes: wait a minute');
    const session = typeof code === 'string' ? [...this.sessions.values()].find((s) => s.pairingCode === code.trim()) : undefined;
    if (!session || session.pairingExpiresAt <= at) {
      this.failures.push(at);
      throw new StudioError('PAIRING_CODE_INVALID', 'that pairing code is wrong or has expired');
    }
    const grant: ViewerGrant = { token: crypto.randomBytes(24).toString('base64url'), sessionId: session.id, expiresAt: at + VIEWER_TOKEN_TTL_MS };
    this.tokens.set(grant.token, grant);
    return { grant, session };
  }

  /** A viewer token for session `id` without its code (a remote-view JWT vouched for the viewer). */
  grantFor(id: string): { grant: ViewerGrant; session: PairingEntry } {
    const session = this.sessions.get(id);
    if (!session) throw new StudioError('NOT_FOUND', `no remote session "${id}"`);
    const grant: ViewerGrant = { token: crypto.randomBytes(24).toString('base64url'), sessionId: session.id, expiresAt: this.now() + VIEWER_TOKEN_TTL_MS };
    this.tokens.set(grant.token, grant);
    return { grant, session };
  }

  /** The session a token grants, or REMOTE_TOKEN_INVALID. */
  check(token: string | undefined): PairingEntry {
    const grant = token ? this.tokens.get(token) : undefined;
    const session = grant ? this.sessions.get(grant.sessionId) : undefined;
    if (!grant || !session || grant.expiresAt <= this.now()) {
      if (grant) this.tokens.delete(grant.token);
      throw new StudioError('REMOTE_TOKEN_INVALID', 'the viewer token is missing, wrong, expired, or its session has ended: pair again');
    }
    return session;
  }

  end(id: string): PairingEntry | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.sessions.delete(id);
    for (const [token, grant] of this.tokens) if (grant.sessionId === id) this.tokens.delete(token);
    return session;
  }
}
