import type {
  ApiToken,
  AuditEntry,
  Role,
  Scope,
  User,
} from '../../src-shared/contract/index.js';

/**
 * Who is calling, once authenticated (before any input is parsed). Every transport fills it in:
 * a browser session, an API token (the host's `api-token` file is the owner's full-scope token), or
 * the Electron window (the owner).
 */
export interface Principal {
  via: 'session' | 'token' | 'ipc';
  /** The user behind the call; null only for the builtin api-token before the owner exists. */
  userId: string | null;
  /** For the audit log: the user's name, or the token's. */
  userName: string;
  role: Role;
  /** What this call may do: the role's scopes, narrowed by a token's own. */
  scopes: readonly Scope[];
  /** A token limited to these streams; null: every stream. */
  streams: readonly string[] | null;
  sessionId?: string;
  /** The API token used; null: the builtin api-token file. */
  tokenId?: string | null;
  tokenName?: string;
}

/** `user:<name>`, `token:<name>` or `owner` for the audit log. */
export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  if (principal.via === 'token') return `token:${principal.tokenName ?? 'api-token'}${principal.userName ? ` (${principal.userName})` : ''}`;
  if (principal.via === 'ipc') return `user:${principal.userName} (desktop)`;
  return `user:${principal.userName}`;
}

/** Users, invitations, passwords, TOTP and sessions (src-main/auth/users.ts). */
export interface UsersPort {
  list(): User[];
  get(id: string): User;
  create(input: { name: string; role: Role }, by: Principal, baseUrl: string): User & { inviteUrl: string; inviteExpiresAt: number };
  update(
    input: { id: string; name?: string; role?: Role; disabled?: boolean; reinvite?: boolean },
    by: Principal,
    baseUrl: string,
  ): User & { inviteUrl: string | null; inviteExpiresAt: number | null };
  delete(id: string, by: Principal): void;
  setPassword(by: Principal, input: { current?: string; password: string }): Promise<void>;
  totpSetup(by: Principal): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }>;
  totpEnable(by: Principal, code: string): void;
  totpDisable(by: Principal, code: string): void;
  sessions(by: Principal, all: boolean): { id: string; userId: string | null; createdAt: number; expiresAt: number; lastSeenAt: number; ip: string; userAgent: string; current: boolean }[];
  revokeSession(by: Principal, id: string): void;
  me(by: Principal): User | null;
}

/** API tokens with scopes (src-main/auth/tokens.ts). */
export interface TokensPort {
  list(by: Principal, all: boolean): ApiToken[];
  create(
    by: Principal,
    input: { name: string; scopes: Scope[]; streams?: string[]; expiresInSec?: number },
  ): { id: string; token: string; expiresAt: number | null; scopes: Scope[] };
  delete(by: Principal, id: string): void;
}

/** Host-signed JWTs and their keys (src-main/auth/jwt.ts). */
export interface JwtPort {
  issue(input: { action: 'read' | 'publish' | 'remote'; streams: string[]; expiresInSec: number; ip?: string; subject?: string }): Promise<{ token: string; expiresAt: number; kid: string }>;
  rotate(): Promise<{ kid: string; previous: string | null }>;
}

/** The audit log (src-main/auth/audit.ts). */
export interface AuditPort {
  record(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): void;
  list(query: { limit: number; before?: number; actor?: string; action?: string }): { entries: AuditEntry[]; next: number | null };
}

/** What a publisher or player presents, as read off its protocol before anything else is parsed. */
export interface AdmissionCredential {
  /** The stream key (RTMP/SRT/WHIP), without any `?jwt=` part. */
  key?: string;
  /** A JWT (`?jwt=`, `Authorization: Bearer`, the `streams_jwt` cookie, `<name>?jwt=` keys). */
  jwt?: string;
  /** A signed playback URL's query (exp, sig, ip). */
  signed?: Record<string, string>;
  /** A studio caller (session or API token) previewing its own streams. */
  studio?: Principal;
}

export interface AdmissionRequest {
  action: 'publish' | 'read' | 'remote';
  protocol: 'rtmp' | 'rtmps' | 'srt' | 'whip' | 'whep' | 'hls' | 'dash' | 'data' | 'mqtt' | 'remote';
  /** The stream (or remote session) asked for; null when only a key names it (RTMP/SRT/WHIP by key). */
  stream: string | null;
  ip: string;
  credential: AdmissionCredential;
  /** The request's query, passed on to the webhook. */
  query?: Record<string, string>;
}

export type AdmissionResult =
  | { ok: true; stream: string; via: 'key' | 'jwt' | 'signed' | 'public' | 'webhook' | 'studio'; subject: string | null }
  | { ok: false; code: 'UNAUTHORIZED' | 'FORBIDDEN' | 'JWT_INVALID' | 'TOKEN_EXPIRED' | 'ADMISSION_DENIED' | 'NOT_FOUND' | 'RATE_LIMITED'; reason: string; details?: Record<string, string | number> };

/** One decision for every protocol: key, JWT, signed URL, public, or the admission webhook (src-main/auth/admission.ts). */
export interface AdmissionPort {
  admit(request: AdmissionRequest): Promise<AdmissionResult>;
}
