import type { FastifyInstance, FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseCookies } from '../http/credentials.js';
import { sendError } from '../http/reply.js';
import type { AuthService } from './auth.js';

function sessionCookie(value: string, maxAgeSec: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure ? '; Secure' : ''}`;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Browser sign-in: a one-time code (from the URL the host prints) becomes an HttpOnly session cookie. */
export function registerLoginRoutes(app: FastifyInstance, deps: { auth: AuthService; secure: boolean; logger: Logger }): void {
  const open = (code: string, ip: string, userAgent: string | undefined, reply: FastifyReply): void => {
    const { token, session } = deps.auth.redeemLoginCode(code, { ip, userAgent });
    const maxAge = Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000));
    reply.header('Set-Cookie', sessionCookie(token, maxAge, deps.secure));
    deps.logger.info({ session: session.id, ip }, 'browser signed in with a login code');
  };

  app.get('/login', async (req, reply) => {
    const code = String((req.query as Record<string, unknown>).code ?? '');
    try {
      open(code, req.ip, req.headers['user-agent'], reply);
      return reply.code(303).header('Location', '/').send();
    } catch (error) {
      const studioError = StudioError.from(error);
      return reply
        .code(studioError.httpStatus)
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><meta charset="utf-8"><title>Sign in - Streams Studio</title>` +
            `<body style="font-family:system-ui;background:#111418;color:#e6e8eb;padding:3rem">` +
            `<h1>Cannot sign in</h1><p>${escapeHtml(studioError.message)}.</p>` +
            `<p>Ask the host for a new link: it prints one when it starts, and <code>streams login-link</code> prints another.</p></body>`,
        );
    }
  });

  app.post('/auth/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.code !== 'string' || body.code.length === 0 || body.code.length > 64) {
      return sendError(reply, {
        code: 'VALIDATION_FAILED',
        message: 'send {"code": "<login code>"}',
        details: { fields: [{ path: 'code', message: 'required' }] },
      });
    }
    open(body.code, req.ip, req.headers['user-agent'], reply);
    return reply.code(204).send();
  });

  app.post('/auth/logout', async (req, reply) => {
    deps.auth.logout(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    reply.header('Set-Cookie', sessionCookie('', 0, deps.secure));
    return reply.code(204).send();
  });
}
