import type { AuthHandlerDeps } from '../api/handlers-auth.js';
import { StudioError } from '../core/errors.js';

/**
 * Users, tokens, JWTs, the audit log and TLS, wired for the studio. (Being built: each part replaces
 * its `pending` entry below as it lands.)
 */
export function wireAccess(): { handlers: AuthHandlerDeps } {
  const pending = (): never => {
    throw new StudioError('UNAVAILABLE', 'not available in this build yet');
  };
  const handlers: AuthHandlerDeps = {
    users: {
      list: pending,
      get: pending,
      create: pending,
      update: pending,
      delete: pending,
      setPassword: pending,
      totpSetup: pending,
      totpEnable: pending,
      totpDisable: pending,
      sessions: pending,
      revokeSession: pending,
      me: pending,
    },
    tokens: { list: pending, create: pending, delete: pending },
    jwt: { issue: pending, rotate: pending },
    audit: { list: pending },
    tls: { info: pending, issue: pending },
  };
  return { handlers };
}
