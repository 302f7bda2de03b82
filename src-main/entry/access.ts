import type { AuthHandlerDeps } from '../api/handlers-auth.js';
import type { TokensPort, UsersPort } from '../auth/types.js';
import { StudioError } from '../core/errors.js';

/**
 * Users, tokens, JWTs, the audit log and TLS, wired for the studio. (Being built: each part replaces
 * its `pending` entry below as it lands.)
 */
export function wireAccess(deps: { users: UsersPort; tokens: TokensPort }): { handlers: AuthHandlerDeps } {
  const pending = (): never => {
    throw new StudioError('UNAVAILABLE', 'not available in this build yet');
  };
  const handlers: AuthHandlerDeps = {
    users: deps.users,
    tokens: deps.tokens,
    jwt: { issue: pending, rotate: pending },
    audit: { list: pending },
    tls: { info: pending, issue: pending },
  };
  return { handlers };
}
