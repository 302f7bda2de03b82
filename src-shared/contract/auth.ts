import { z } from 'zod';
import { method } from './define.js';
import { roleSchema, scopeSchema } from './scopes.js';
import { STREAM_NAME_PATTERN, streamNameSchema } from './streams.js';

const id = z.string().min(1).max(64);
const userName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^\s@/:][^/:]*$/, 'must not start with a space or @, nor contain / or :');

export const userSchema = z.object({
  id,
  name: z.string(),
  role: roleSchema,
  /** False until the invited person sets a password (or the owner before the first password sign-in). */
  hasPassword: z.boolean(),
  totpEnabled: z.boolean(),
  createdAt: z.number(),
  lastSignInAt: z.number().nullable(),
  disabled: z.boolean(),
});
export type User = z.infer<typeof userSchema>;

export const sessionInfoSchema = z.object({
  id,
  userId: z.string().nullable(),
  createdAt: z.number(),
  expiresAt: z.number(),
  lastSeenAt: z.number(),
  ip: z.string(),
  userAgent: z.string(),
  /** The session this request came with. */
  current: z.boolean(),
});

export const apiTokenSchema = z.object({
  id,
  name: z.string(),
  userId: z.string(),
  scopes: z.array(scopeSchema),
  /** Limits the token to these streams (stream routes, publish and play); null: every stream. */
  streams: z.array(streamNameSchema).nullable(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
  /** The `api-token` file of the host: the owner's full-scope token, not deletable here. */
  builtin: z.boolean(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.number(),
  /** `user:<name>`, `token:<name>`, `key:<stream>`, `jwt:<sub>`, `anonymous`, `system`. */
  actor: z.string(),
  /** A contract method (`streams.create`), or `auth.signIn`, `publish`, `play`, `remote.session`, ... */
  action: z.string(),
  target: z.string().nullable(),
  ip: z.string().nullable(),
  result: z.enum(['ok', 'denied', 'failed']),
  /** Why (an error code), or what changed; never a secret. */
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** An address or account whose guesses are refused now (too many failed authentications in a minute). */
export const authBlockSchema = z.object({
  /** `address`: every guess from it (tokens, keys, sign-ins); `account`: password and code attempts for that user (from any address but loopback). */
  kind: z.enum(['address', 'account']),
  /** The address, or the account's name (lower case). */
  key: z.string(),
  /** Failed authentications in the last minute. */
  failures: z.number().int(),
  /** When the block ends by itself (ms since the epoch). */
  until: z.number(),
});
export type AuthBlock = z.infer<typeof authBlockSchema>;

export const certificateInfoSchema = z.object({
  /** `self-ca`: issued by the host's own authority; `files`: the operator's http.tlsCert; `off`: plain HTTP. */
  mode: z.enum(['off', 'self-ca', 'files']),
  subject: z.string().nullable(),
  issuer: z.string().nullable(),
  names: z.array(z.string()),
  notBefore: z.number().nullable(),
  notAfter: z.number().nullable(),
  daysLeft: z.number().nullable(),
  fingerprint256: z.string().nullable(),
  /** Download path of the CA certificate to install on viewers' devices (self-ca only). */
  caUrl: z.string().nullable(),
});

export type CertificateInfo = z.infer<typeof certificateInfoSchema>;

export const authMethods = {
  'users.list': method({
    tag: 'users',
    scope: 'users:read',
    summary: 'Every user with role, second factor and last sign-in',
    input: z.object({}).strict(),
    output: z.array(userSchema),
    http: { method: 'GET', path: '/users' },
  }),
  'users.me': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'Who is calling: the user, role and the scopes of this call',
    input: z.object({}).strict(),
    output: z.object({ user: userSchema.nullable(), role: roleSchema, scopes: z.array(scopeSchema), via: z.enum(['session', 'token']) }),
    http: { method: 'GET', path: '/users/me' },
  }),
  'users.create': method({
    tag: 'users',
    scope: 'users:write',
    summary: 'Invite a person: returns the invitation link (valid 7 days, shown once)',
    input: z.object({ name: userName, role: roleSchema }).strict(),
    output: userSchema.extend({ inviteUrl: z.string(), inviteExpiresAt: z.number() }),
    http: { method: 'POST', path: '/users', status: 201 },
  }),
  'users.get': method({
    tag: 'users',
    scope: 'users:read',
    summary: 'One user',
    input: z.object({ id }).strict(),
    output: userSchema,
    http: { method: 'GET', path: '/users/:id' },
  }),
  'users.update': method({
    tag: 'users',
    scope: 'users:write',
    summary: 'Rename, change role, disable or re-invite a user (only an owner changes an owner)',
    input: z
      .object({ id, name: userName.optional(), role: roleSchema.optional(), disabled: z.boolean().optional(), reinvite: z.boolean().optional() })
      .strict(),
    output: userSchema.extend({ inviteUrl: z.string().nullable(), inviteExpiresAt: z.number().nullable() }),
    http: { method: 'PATCH', path: '/users/:id' },
  }),
  'users.delete': method({
    tag: 'users',
    scope: 'users:write',
    summary: 'Remove a user: their sessions and tokens end at once (the last owner stays)',
    input: z.object({ id }).strict(),
    output: z.object({ id, deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/users/:id' },
  }),
  'account.setPassword': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'Change your own password (the current one is needed once one is set)',
    input: z.object({ current: z.string().max(1024).optional(), password: z.string().min(10, 'must be at least 10 characters').max(1024) }).strict(),
    output: z.object({ ok: z.literal(true) }),
    http: { method: 'POST', path: '/account/password' },
  }),
  'account.totpSetup': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'Start a TOTP second factor: a secret and its otpauth:// URL (not active until confirmed)',
    input: z.object({}).strict(),
    output: z.object({ secret: z.string(), otpauthUrl: z.string(), qrSvg: z.string() }),
    http: { method: 'POST', path: '/account/totp' },
  }),
  'account.totpEnable': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'Confirm the second factor with a current code: sign-in then asks for one',
    input: z.object({ code: z.string().regex(/^\d{6}$/, 'must be 6 digits') }).strict(),
    output: z.object({ enabled: z.literal(true) }),
    http: { method: 'POST', path: '/account/totp/enable' },
  }),
  'account.totpDisable': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'Turn the second factor off (a current code is needed)',
    input: z.object({ code: z.string().regex(/^\d{6}$/, 'must be 6 digits') }).strict(),
    output: z.object({ enabled: z.literal(false) }),
    http: { method: 'POST', path: '/account/totp/disable' },
  }),
  'sessions.list': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'Your browser sessions (an admin: everyone\'s, with ?all=true)',
    input: z.object({ all: z.stringbool().optional() }).strict(),
    output: z.array(sessionInfoSchema),
    http: { method: 'GET', path: '/sessions' },
  }),
  'sessions.revoke': method({
    tag: 'users',
    scope: 'tokens:read',
    summary: 'End a session (yours, or anyone\'s for an admin)',
    input: z.object({ id }).strict(),
    output: z.object({ id, revoked: z.literal(true) }),
    http: { method: 'DELETE', path: '/sessions/:id' },
  }),
  'tokens.list': method({
    tag: 'tokens',
    scope: 'tokens:read',
    summary: 'Your API tokens (an admin: everyone\'s, with ?all=true)',
    input: z.object({ all: z.stringbool().optional() }).strict(),
    output: z.array(apiTokenSchema),
    http: { method: 'GET', path: '/tokens' },
  }),
  'tokens.create': method({
    tag: 'tokens',
    scope: 'tokens:write',
    summary: 'A new API token with scopes (at most your own) and an expiry: the token is shown once',
    input: z
      .object({
        name: z.string().trim().min(1).max(64),
        scopes: z.array(scopeSchema).min(1).max(64),
        streams: z.array(streamNameSchema).min(1).max(100).optional(),
        expiresInSec: z.number().int().min(60).max(5 * 365 * 86400).optional(),
      })
      .strict(),
    output: z.object({ id, token: z.string(), expiresAt: z.number().nullable(), scopes: z.array(scopeSchema) }),
    http: { method: 'POST', path: '/tokens', status: 201 },
  }),
  'tokens.delete': method({
    tag: 'tokens',
    scope: 'tokens:write',
    summary: 'Revoke an API token at once',
    input: z.object({ id }).strict(),
    output: z.object({ id, deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/tokens/:id' },
  }),
  'jwt.issue': method({
    tag: 'tokens',
    scope: 'streams:write',
    summary: 'A JWT signed by the host for publishing or playing streams (RTMP, SRT, WHIP, WHEP, HLS, DASH, edges)',
    input: z
      .object({
        action: z.enum(['read', 'publish', 'remote']).describe('read: play; publish: ingest; remote: view a remote-desktop session (streams are session ids)'),
        streams: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a stream name, or for remote a session id')).min(1).max(100),
        expiresInSec: z.number().int().min(10).max(30 * 86400).default(3600),
        ip: z.string().min(1).max(64).optional(),
        subject: z.string().min(1).max(128).optional(),
      })
      .strict()
      .refine((i) => i.action === 'remote' || i.streams.every((n) => STREAM_NAME_PATTERN.test(n)), { path: ['streams'], message: 'use stream names: 1 to 64 lowercase letters, digits and dashes' }),
    output: z.object({ token: z.string(), expiresAt: z.number(), kid: z.string() }),
    http: { method: 'POST', path: '/jwt' },
  }),
  'jwt.rotate': method({
    tag: 'tokens',
    scope: 'config:write',
    summary: 'A new host signing key: new JWTs use it, the previous one still verifies until its tokens expire',
    input: z.object({}).strict(),
    output: z.object({ kid: z.string(), previous: z.string().nullable() }),
    http: { method: 'POST', path: '/jwt/rotate' },
  }),
  'audit.list': method({
    tag: 'audit',
    scope: 'audit:read',
    summary: 'The audit log, newest first',
    input: z
      .object({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        before: z.coerce.number().int().optional(),
        actor: z.string().max(200).optional(),
        action: z.string().max(100).optional(),
      })
      .strict(),
    output: z.object({ entries: z.array(auditEntrySchema), next: z.number().int().nullable() }),
    http: { method: 'GET', path: '/audit' },
  }),
  'blocks.list': method({
    tag: 'users',
    scope: 'users:read',
    summary: 'Addresses and accounts whose guesses are refused now (limits.failedAuthPerMinute); a valid token or session from them is still served',
    input: z.object({}).strict(),
    output: z.array(authBlockSchema),
    http: { method: 'GET', path: '/blocks' },
  }),
  'blocks.delete': method({
    tag: 'users',
    scope: 'users:write',
    summary: 'Lift a block at once (its failures are forgotten)',
    input: z.object({ kind: z.enum(['address', 'account']), key: z.string().min(1).max(200) }).strict(),
    output: z.object({ kind: z.enum(['address', 'account']), key: z.string(), unblocked: z.literal(true) }),
    http: { method: 'DELETE', path: '/blocks/:kind/:key' },
  }),
  'tls.info': method({
    tag: 'system',
    scope: 'system:read',
    summary: 'The certificate the host serves HTTPS and RTMPS with, and when it expires',
    input: z.object({}).strict(),
    output: certificateInfoSchema,
    http: { method: 'GET', path: '/tls' },
  }),
  'tls.issue': method({
    tag: 'system',
    scope: 'config:write',
    summary: 'Make (or renew) the host\'s own certificate authority\'s certificate for these names; served after a restart',
    input: z.object({ names: z.array(z.string().min(1).max(253)).min(1).max(20) }).strict(),
    output: certificateInfoSchema,
    http: { method: 'POST', path: '/tls/issue' },
  }),
};
