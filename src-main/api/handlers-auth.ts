import { StudioError } from '../core/errors.js';
import type { AuditPort, JwtPort, Principal, TokensPort, UsersPort } from '../auth/types.js';
import type { AuthBlock, CertificateInfo } from '../../src-shared/contract/index.js';
import type { CallContext, Handlers } from './dispatch.js';

type AuthMethod =
  | 'users.list'
  | 'users.me'
  | 'users.create'
  | 'users.get'
  | 'users.update'
  | 'users.delete'
  | 'account.setPassword'
  | 'account.totpSetup'
  | 'account.totpEnable'
  | 'account.totpDisable'
  | 'sessions.list'
  | 'sessions.revoke'
  | 'tokens.list'
  | 'tokens.create'
  | 'tokens.delete'
  | 'jwt.issue'
  | 'jwt.rotate'
  | 'audit.list'
  | 'blocks.list'
  | 'blocks.delete'
  | 'tls.info'
  | 'tls.issue';

export interface AuthHandlerDeps {
  users: UsersPort;
  tokens: TokensPort;
  jwt: JwtPort;
  audit: Pick<AuditPort, 'list'>;
  /** Who is blocked after failing too often (api/auth.ts), and lifting a block. */
  blocks: { blocks(): AuthBlock[]; unblock(kind: AuthBlock['kind'], key: string): boolean };
  tls: { info(): CertificateInfo; issue(names: string[]): Promise<CertificateInfo> };
}

/** Every method here needs to know who calls: the transports set ctx.principal before parsing. */
const who = (ctx: CallContext): Principal => {
  if (!ctx.principal) throw new StudioError('UNAUTHORIZED', 'this call needs a signed-in user or an API token');
  return ctx.principal;
};
const base = (ctx: CallContext): string => ctx.baseUrl ?? 'http://127.0.0.1';

/** Handlers of users, sessions, API tokens, JWTs, the audit log and TLS. */
export function authHandlers(deps: AuthHandlerDeps): Pick<Handlers, AuthMethod> {
  return {
    'users.list': () => deps.users.list(),
    'users.me': (_input, ctx) => {
      const p = who(ctx);
      return { user: deps.users.me(p), role: p.role, scopes: [...p.scopes], via: p.via === 'token' ? 'token' : 'session' };
    },
    'users.create': (input, ctx) => deps.users.create(input, who(ctx), base(ctx)),
    'users.get': ({ id }) => deps.users.get(id),
    'users.update': (input, ctx) => deps.users.update(input, who(ctx), base(ctx)),
    'users.delete': ({ id }, ctx) => {
      deps.users.delete(id, who(ctx));
      return { id, deleted: true as const };
    },
    'account.setPassword': async (input, ctx) => {
      await deps.users.setPassword(who(ctx), input);
      return { ok: true as const };
    },
    'account.totpSetup': (_input, ctx) => deps.users.totpSetup(who(ctx)),
    'account.totpEnable': ({ code }, ctx) => {
      deps.users.totpEnable(who(ctx), code);
      return { enabled: true as const };
    },
    'account.totpDisable': ({ code }, ctx) => {
      deps.users.totpDisable(who(ctx), code);
      return { enabled: false as const };
    },
    'sessions.list': ({ all }, ctx) => deps.users.sessions(who(ctx), all === true),
    'sessions.revoke': ({ id }, ctx) => {
      deps.users.revokeSession(who(ctx), id);
      return { id, revoked: true as const };
    },
    'tokens.list': ({ all }, ctx) => deps.tokens.list(who(ctx), all === true),
    'tokens.create': (input, ctx) => deps.tokens.create(who(ctx), input),
    'tokens.delete': ({ id }, ctx) => {
      deps.tokens.delete(who(ctx), id);
      return { id, deleted: true as const };
    },
    'jwt.issue': (input) => deps.jwt.issue(input),
    'jwt.rotate': () => deps.jwt.rotate(),
    'audit.list': (query) => deps.audit.list(query),
    'blocks.list': () => deps.blocks.blocks(),
    'blocks.delete': ({ kind, key }) => {
      if (!deps.blocks.unblock(kind, key)) throw new StudioError('NOT_FOUND', `no block on the ${kind} "${key}"`, { kind, key });
      return { kind, key, unblocked: true as const };
    },
    'tls.info': () => deps.tls.info(),
    'tls.issue': ({ names }) => deps.tls.issue(names),
  };
}
