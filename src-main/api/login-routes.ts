import type { FastifyInstance, FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { parseCookies } from '../http/credentials.js';
import { sendError } from '../http/reply.js';
import type { UsersService } from '../auth/users.js';
import type { AuditPort } from '../auth/types.js';
import type { RateLimitOptions } from '@fastify/rate-limit';
import type { AuthService } from './auth.js';

function sessionCookie(value: string, maxAgeSec: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure ? '; Secure' : ''}`;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const PAGE_STYLE =
  'font-family:system-ui;background:#111418;color:#e6e8eb;padding:3rem;max-width:26rem;margin:auto';
const FORM_STYLE = `<style>label{display:block;margin:.8rem 0 .3rem}input{width:100%;padding:.5rem;border-radius:6px;border:1px solid #3a414a;background:#1b2027;color:inherit;box-sizing:border-box}
button{margin-top:1.2rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#3b82f6;color:#fff;font-weight:600;cursor:pointer}#error{color:#f87171;min-height:1.2em;margin-top:1rem}</style>`;

/** The sign-in page: name, password and (asked for when the account has one) the TOTP code. */
function signInPage(message: string | null): string {
  return (
    `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Sign in - Streams Studio</title>${FORM_STYLE}` +
    `<body style="${PAGE_STYLE}"><h1>Sign in</h1>${message ? `<p>${escapeHtml(message)}</p>` : ''}` +
    `<form id="f"><label for="name">Name</label><input id="name" name="name" autocomplete="username" required maxlength="64">` +
    `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">` +
    `<div id="totp" hidden><label for="code">Authenticator code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"></div>` +
    `<button type="submit">Sign in</button><div id="error" role="alert"></div></form>` +
    `<p style="color:#9aa3ad;margin-top:2rem">Or open the sign-in link the host prints (<code>streams login-link</code>).</p>` +
    `<script>const f=document.getElementById('f'),e=document.getElementById('error');f.onsubmit=async(ev)=>{ev.preventDefault();e.textContent='';` +
    `const body={name:f.name.value,password:f.password.value};if(f.code.value)body.code=f.code.value;` +
    `const r=await fetch('/auth/password',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)});` +
    `if(r.ok){location.href='/';return}const j=await r.json().catch(()=>({error:{message:'sign-in failed'}}));` +
    `if(j.error.code==='TOTP_REQUIRED'){document.getElementById('totp').hidden=false;f.code.focus()}e.textContent=j.error.message};</script></body>`
  );
}

/** The invitation page: choose a password (twice), then signed in. */
function invitePage(name: string, token: string): string {
  return (
    `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Join - Streams Studio</title>${FORM_STYLE}` +
    `<body style="${PAGE_STYLE}"><h1>Welcome, ${escapeHtml(name)}</h1><p>Choose a password to join the studio.</p>` +
    `<form id="f"><label for="password">Password (at least 10 characters)</label><input id="password" type="password" autocomplete="new-password" minlength="10" maxlength="1024" required>` +
    `<label for="again">Again</label><input id="again" type="password" autocomplete="new-password" minlength="10" maxlength="1024" required>` +
    `<button type="submit">Join</button><div id="error" role="alert"></div></form>` +
    `<script>const f=document.getElementById('f'),e=document.getElementById('error');f.onsubmit=async(ev)=>{ev.preventDefault();` +
    `if(f.password.value!==f.again.value){e.textContent='The two passwords differ.';return}` +
    `const r=await fetch('/auth/invite',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({token:${JSON.stringify(token)},password:f.password.value})});` +
    `if(r.ok){location.href='/';return}const j=await r.json().catch(()=>({error:{message:'failed'}}));e.textContent=j.error.message};</script></body>`
  );
}

const str = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : null);

/**
 * Browser sign-in: a one-time code (from the URL the host prints) signs in as the owner; a name and
 * password (and TOTP code) as that user; an invitation link sets a password. Each becomes an HttpOnly
 * session cookie.
 */
export function registerLoginRoutes(
  app: FastifyInstance,
  deps: { auth: AuthService; users?: UsersService; audit?: Pick<AuditPort, 'record'>; rateLimit?: { rateLimit: RateLimitOptions }; secure: boolean; logger: Logger },
): void {
  // Sign-in attempts per address (limits.loginPerMinute), on top of the failed sign-in limit.
  const limited = deps.rateLimit ? { config: deps.rateLimit } : {};
  const audit = (actor: string, action: string, ip: string, result: 'ok' | 'denied', detail: string | null = null): void =>
    deps.audit?.record({ actor, action, target: null, ip, result, detail });
  // Every sign-in route: the outcome into the audit log (a failure under the name that was tried).
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url;
    if (req.method !== 'POST' && !(req.method === 'GET' && route === '/login' && (req.query as { code?: string }).code)) return;
    const action = route === '/auth/password' ? 'auth.signIn' : route === '/auth/invite' ? 'auth.acceptInvitation' : route === '/login' || route === '/auth/login' ? 'auth.loginLink' : null;
    if (!action) return;
    const tried = typeof (req.body as { name?: unknown } | undefined)?.name === 'string' ? `user:${String((req.body as { name: string }).name).slice(0, 64)}` : action === 'auth.loginLink' ? 'user:owner (login link)' : 'anonymous';
    const ok = reply.statusCode < 400;
    audit(tried, action, req.ip, ok ? 'ok' : 'denied', ok ? null : String(reply.statusCode));
  });
  const open = (code: string, ip: string, userAgent: string | undefined, reply: FastifyReply): void => {
    const { token, session } = deps.auth.redeemLoginCode(code, { ip, userAgent });
    const maxAge = Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000));
    reply.header('Set-Cookie', sessionCookie(token, maxAge, deps.secure));
    deps.logger.info({ session: session.id, ip }, 'browser signed in with a login code');
  };

  const setCookie = (reply: FastifyReply, token: string, expiresAt: number): void => {
    reply.header('Set-Cookie', sessionCookie(token, Math.max(1, Math.floor((expiresAt - Date.now()) / 1000)), deps.secure));
  };

  app.get('/login', limited, async (req, reply) => {
    const code = String((req.query as Record<string, unknown>).code ?? '');
    // Without a code: the password form.
    if (code === '') return reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(signInPage(null));
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

  app.post('/auth/login', limited, async (req, reply) => {
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

  app.post('/auth/password', { bodyLimit: 8192, ...limited }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = str(body.name, 64);
    const password = str(body.password, 1024);
    const code = body.code === undefined ? undefined : str(body.code, 6);
    if (name === null || password === null || code === null) {
      return sendError(reply, { code: 'VALIDATION_FAILED', message: 'send {"name", "password", "code"?}', details: { fields: [{ path: name === null ? 'name' : password === null ? 'password' : 'code', message: 'required, bounded' }] } });
    }
    const { token, session, user } = await deps.auth.signIn({ name, password, ...(code ? { code } : {}) }, { ip: req.ip, userAgent: req.headers['user-agent'] });
    setCookie(reply, token, session.expiresAt);
    deps.logger.info({ session: session.id, user: user.name, ip: req.ip }, 'signed in with a password');
    return reply.code(200).send({ user: { id: user.id, name: user.name, role: user.role } });
  });

  app.get('/invite/:token', async (req, reply) => {
    const token = String((req.params as { token?: string }).token ?? '');
    const user = token.length <= 64 ? deps.users?.invitationFor(token) : undefined;
    reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer').type('text/html; charset=utf-8');
    if (!user) return reply.code(401).send(`<!doctype html><meta charset="utf-8"><title>Invitation - Streams Studio</title><body style="${PAGE_STYLE}"><h1>This invitation no longer works</h1><p>It expired or was used. Ask for a new one.</p></body>`);
    return reply.send(invitePage(user.name, token));
  });

  app.post('/auth/invite', { bodyLimit: 8192, ...limited }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = str(body.token, 64);
    const password = str(body.password, 1024);
    if (token === null || password === null || password.length < 10 || !deps.users) {
      return sendError(reply, { code: 'VALIDATION_FAILED', message: 'send {"token", "password"} (at least 10 characters)', details: { fields: [{ path: token === null ? 'token' : 'password', message: 'required; a password of at least 10 characters' }] } });
    }
    deps.auth.checkRateLimit(req.ip);
    let user;
    try {
      user = await deps.users.acceptInvitation(token, password);
    } catch (error) {
      deps.auth.recordFailure(req.ip);
      throw error;
    }
    const { token: cookie, session } = deps.auth.openSession(user.id, { ip: req.ip, userAgent: req.headers['user-agent'] });
    setCookie(reply, cookie, session.expiresAt);
    deps.logger.info({ user: user.name, ip: req.ip }, 'invitation accepted');
    return reply.code(200).send({ user: { id: user.id, name: user.name, role: user.role } });
  });

  app.post('/auth/logout', async (req, reply) => {
    deps.auth.logout(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
    reply.header('Set-Cookie', sessionCookie('', 0, deps.secure));
    return reply.code(204).send();
  });
}
