import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods, ROLE_SCOPES, ROLES, scopeCovers, type MethodDef, type Role, type Scope } from '../../src-shared/contract/index.js';
import { totpCode } from '../auth/totp.js';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { api, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';

// Users, roles and tokens through a real host process: invitations, password and TOTP sign-in, and the
// authorisation matrix (every contract method x every role, and scoped tokens).
let host: HostProcess;
/** Cookie header of a signed-in user of each role (the owner signs in with the printed link). */
const cookies = new Map<Role, string>();

const PASSWORD = 'correct horse battery';

async function call(method: string, path: string, auth: { cookie?: string; bearer?: string }, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${host.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
}

const cookieOf = (headers: Headers): string => (headers.get('set-cookie') ?? '').split(';')[0]!;

/** Invites `name` with `role`, accepts the invitation with a password, returns the session cookie. */
async function invite(name: string, role: Role): Promise<{ id: string; cookie: string }> {
  const created = await api(host, 'POST', '/api/v1/users', { name, role });
  expect(created.status, created.text).toBe(201);
  expect(created.json).toMatchObject({ name, role, hasPassword: false, inviteUrl: expect.stringMatching(/\/invite\/[A-Za-z0-9_-]{32}$/) });
  const token = String(created.json.inviteUrl).split('/invite/')[1]!;
  const page = await fetch(created.json.inviteUrl);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`Welcome, ${name}`);
  const accepted = await call('POST', '/auth/invite', {}, { token, password: PASSWORD });
  expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
  // Spent: the same link no longer works.
  expect((await call('POST', '/auth/invite', {}, { token, password: PASSWORD })).json.error.code).toBe('INVITE_INVALID');
  return { id: created.json.id, cookie: cookieOf(accepted.headers) };
}

beforeAll(async () => {
  // Many invitations and wrong answers from one address: the failed sign-in limit is raised for the file
  // (and lowered again by the test of the limit itself).
  const home = tempHome();
  fs.writeFileSync(path.join(home, 'config.yaml'), 'limits:\n  failedAuthPerMinute: 1000\n  loginPerMinute: 0\n');
  host = await startHost({ home });
  const created = await api(host, 'POST', '/api/v1/streams', { name: 'demo', ladder: 'passthrough' });
  expect(created.status).toBe(201);
  const link = await fetch(host.loginUrl, { redirect: 'manual' });
  expect(link.status).toBe(303);
  cookies.set('owner', cookieOf(link.headers));
  for (const role of ROLES.filter((r) => r !== 'owner')) cookies.set(role, (await invite(`${role}-one`, role)).cookie);
}, 60_000);
afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

/** A request for `def` that passes authorisation but is refused by input validation, so nothing runs. */
function harmless(def: MethodDef): { method: string; path: string; body?: unknown } {
  const path = `/api/v1${def.http.path.replace(/:name\b/g, 'demo').replace(/:([a-zA-Z]+)/g, 'x-matrix')}`;
  const query = def.http.method === 'GET' || def.http.method === 'DELETE';
  // Every input is strict: an unknown field is VALIDATION_FAILED (400), which proves the call got past
  // the permission check without running the method.
  return query ? { method: def.http.method, path: `${path}?matrixProbe=1` } : { method: def.http.method, path, body: { matrixProbe: 1 } };
}

const isDenial = (name: string, res: { status: number; json: any }): boolean =>
  res.status === 403 && res.json?.error?.code === 'FORBIDDEN' && res.json.error.details?.method === name;

describe('the authorisation matrix', () => {
  const entries = Object.entries(methods) as [string, MethodDef][];

  it('every input is strict, so the matrix never runs a method', async () => {
    const loose = entries.filter(([, def]) => def.input.safeParse({ matrixProbe: 1, name: 'demo', id: 'x-matrix' }).success).map(([name]) => name);
    // A config patch is checked key by key by the config store: an unknown key is refused there.
    expect(loose).toEqual(['config.update']);
    expect((await api(host, 'PATCH', '/api/v1/config', { matrixProbe: 1 })).json.error.code).toBe('VALIDATION_FAILED');
  });

  it.each([...ROLES])('role %s: every method answers as its scope says', async (role) => {
    const auth = role === 'owner' ? { bearer: host.token } : { cookie: cookies.get(role)! };
    const wrong: string[] = [];
    for (const [name, def] of entries) {
      if (def.public) continue;
      const req = harmless(def);
      const res = await call(req.method, req.path, auth, req.body);
      const allowed = scopeCovers(ROLE_SCOPES[role], def.scope);
      if (allowed && isDenial(name, res)) wrong.push(`${name}: refused (${def.scope})`);
      if (!allowed && !isDenial(name, res)) wrong.push(`${name}: answered ${res.status} without ${def.scope}`);
      if (!allowed && !String(res.json?.error?.message).includes(def.scope)) wrong.push(`${name}: the refusal does not name ${def.scope}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('a scoped token cannot exceed its scopes, nor a stream-limited one its streams', async () => {
    const made = await api(host, 'POST', '/api/v1/tokens', { name: 'reader', scopes: ['streams:read'] });
    expect(made.status, made.text).toBe(201);
    expect(made.json.token).toMatch(/^st_/);
    const reader = made.json.token as string;
    const wrong: string[] = [];
    for (const [name, def] of Object.entries(methods) as [string, MethodDef][]) {
      if (def.public) continue;
      const req = harmless(def);
      const res = await call(req.method, req.path, { bearer: reader }, req.body);
      const allowed = scopeCovers(['streams:read'] as Scope[], def.scope);
      if (allowed === isDenial(name, res)) wrong.push(`${name}: ${res.status} (${def.scope})`);
    }
    expect(wrong).toEqual([]);
    expect((await call('GET', '/api/v1/streams/demo', { bearer: reader })).status).toBe(200);
    const refused = await call('POST', '/api/v1/streams', { bearer: reader }, { name: 'nope' });
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN', details: { scope: 'streams:write' } } } });
    expect(refused.json.error.message).toContain('streams:write');
    // A token cannot make a token with more than it has.
    const escalate = await call('POST', '/api/v1/tokens', { bearer: reader }, { name: 'more', scopes: ['streams:write'] });
    expect(escalate.status).toBe(403);

    await api(host, 'POST', '/api/v1/streams', { name: 'other', ladder: 'passthrough' });
    const limited = (await api(host, 'POST', '/api/v1/tokens', { name: 'demo only', scopes: ['streams:write'], streams: ['demo'] })).json.token as string;
    expect((await call('PATCH', '/api/v1/streams/demo', { bearer: limited }, { record: false })).status).toBe(200);
    const other = await call('PATCH', '/api/v1/streams/other', { bearer: limited }, { record: false });
    expect(other).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN', details: { stream: 'other' } } } });
    // Listing names no stream in its path: the limit applies to routes of one stream.
    expect((await call('GET', '/api/v1/streams', { bearer: limited })).status).toBe(200);
  });

  it('calls over the events socket keep the same scopes, stream limits and errors, and stop when the token is revoked', async () => {
    const socketOf = async (token: string) => {
      const ws = new WebSocket(`${host.url.replace('http', 'ws')}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
      const answers = new Map<unknown, any>();
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw));
        if (m.type === 'result' || m.type === 'error') answers.set(m.id, m);
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      let next = 0;
      const send = async (message: Record<string, unknown>): Promise<any> => {
        const id = message.id ?? ++next;
        ws.send(JSON.stringify({ type: 'call', id, ...message }));
        await expect.poll(() => answers.has(id), { timeout: 5000 }).toBe(true);
        return answers.get(id);
      };
      return { ws, send, answers };
    };
    const made = await api(host, 'POST', '/api/v1/tokens', { name: 'ws reader', scopes: ['streams:read'] });
    const reader = await socketOf(made.json.token as string);
    expect(await reader.send({ method: 'streams.get', input: { name: 'demo' } })).toMatchObject({ type: 'result', result: { name: 'demo' } });
    expect(await reader.send({ method: 'streams.create', input: { name: 'nope' } })).toMatchObject({ type: 'error', error: { code: 'FORBIDDEN', details: { scope: 'streams:write' } } });
    expect((await api(host, 'GET', '/api/v1/streams/nope')).status).toBe(404);
    expect(await reader.send({ method: 'streams.get', input: { name: 'no stream here' } })).toMatchObject({ type: 'error', error: { code: 'VALIDATION_FAILED' } });
    expect(await reader.send({ method: 'streams.explode', input: {} })).toMatchObject({ type: 'error', error: { code: 'NOT_FOUND' } });
    // No usable id: answered with id null, nothing run.
    reader.ws.send(JSON.stringify({ type: 'call', id: { no: 1 }, method: 'streams.list' }));
    await expect.poll(() => reader.answers.get(null)?.error?.code, { timeout: 5000 }).toBe('VALIDATION_FAILED');

    const limited = await socketOf((await api(host, 'POST', '/api/v1/tokens', { name: 'ws demo only', scopes: ['streams:write'], streams: ['demo'] })).json.token as string);
    expect(await limited.send({ method: 'streams.update', input: { name: 'demo', record: false } })).toMatchObject({ type: 'result', result: { name: 'demo' } });
    expect(await limited.send({ method: 'streams.update', input: { name: 'other', record: false } })).toMatchObject({ type: 'error', error: { code: 'FORBIDDEN', details: { stream: 'other' } } });

    // Revoked: the open socket's next call is refused at once.
    expect((await api(host, 'DELETE', `/api/v1/tokens/${made.json.id}`)).status).toBe(200);
    expect(await reader.send({ method: 'streams.get', input: { name: 'demo' } })).toMatchObject({ type: 'error', error: { code: 'UNAUTHORIZED' } });
    for (const s of [reader, limited]) s.ws.close();
  });

  it('a producer\'s token keeps at most the producer\'s scopes', async () => {
    const producer = cookies.get('producer')!;
    const tooMuch = await call('POST', '/api/v1/tokens', { cookie: producer }, { name: 'admin-ish', scopes: ['users:write'] });
    expect(tooMuch).toMatchObject({ status: 403, json: { error: { code: 'FORBIDDEN' } } });
    const ok = await call('POST', '/api/v1/tokens', { cookie: producer }, { name: 'obs', scopes: ['obs:write', 'streams:read'], expiresInSec: 60 });
    expect(ok.status).toBe(201);
    expect((await call('GET', '/api/v1/obs/connections', { bearer: ok.json.token })).status).toBe(200);
    expect((await call('GET', '/api/v1/users', { bearer: ok.json.token })).status).toBe(403);
    const mine = await call('GET', '/api/v1/tokens', { cookie: producer });
    expect(mine.json.map((t: any) => t.name)).toEqual(['obs']);
    expect((await call('DELETE', `/api/v1/tokens/${ok.json.id}`, { cookie: producer })).status).toBe(200);
    expect((await call('GET', '/api/v1/obs/connections', { bearer: ok.json.token })).status).toBe(401);
  });
});

describe('sign-in', () => {
  it('signs in with name and password at a cost printed; wrong ones say only INVALID_CREDENTIALS', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const res = await call('POST', '/auth/password', {}, { name: 'producer-one', password: PASSWORD });
      times.push(performance.now() - t0);
      expect(res.status).toBe(200);
      expect(res.json.user).toMatchObject({ name: 'producer-one', role: 'producer' });
      expect(cookieOf(res.headers)).toMatch(/^streams_session=/);
    }
    times.sort((a, b) => a - b);
    console.log(`argon2id sign-in: median ${times[2]!.toFixed(0)} ms (goal < 250 ms)`);
    expect(times[2]).toBeLessThan(1000);
    for (const body of [{ name: 'producer-one', password: 'wrong password' }, { name: 'nobody', password: PASSWORD }]) {
      const res = await call('POST', '/auth/password', {}, body);
      expect([res.status, res.json.error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
    }
    expect((await call('POST', '/auth/password', {}, { name: 'x' })).json.error.code).toBe('VALIDATION_FAILED');
  });

  it('a TOTP second factor: set up, confirmed, then asked for at sign-in; a code is used once', async () => {
    const { cookie } = await invite('two-factor', 'moderator');
    const setup = await call('POST', '/api/v1/account/totp', { cookie }, {});
    expect(setup.status).toBe(200);
    expect(setup.json.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    expect(setup.json.qrSvg).toContain('<svg');
    const secret = setup.json.secret as string;
    expect((await call('POST', '/api/v1/account/totp/enable', { cookie }, { code: '000000' })).json.error.code).toBe('TOTP_INVALID');
    // The code of the previous 30 s step confirms (one step of drift is allowed); the current one signs in.
    const previous = totpCode(secret, Math.floor(Date.now() / 1000) - 30);
    expect((await call('POST', '/api/v1/account/totp/enable', { cookie }, { code: previous })).status).toBe(200);
    const noCode = await call('POST', '/auth/password', {}, { name: 'two-factor', password: PASSWORD });
    expect([noCode.status, noCode.json.error.code]).toEqual([401, 'TOTP_REQUIRED']);
    const wrong = await call('POST', '/auth/password', {}, { name: 'two-factor', password: PASSWORD, code: '123456' === totpCode(secret) ? '654321' : '123456' });
    expect(wrong.json.error.code).toBe('TOTP_INVALID');
    const code = totpCode(secret);
    const ok = await call('POST', '/auth/password', {}, { name: 'two-factor', password: PASSWORD, code });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    const replay = await call('POST', '/auth/password', {}, { name: 'two-factor', password: PASSWORD, code });
    expect(replay.json.error.code).toBe('TOTP_INVALID');
    const me = await call('GET', '/api/v1/users/me', { cookie: cookieOf(ok.headers) });
    expect(me.json).toMatchObject({ user: { name: 'two-factor', role: 'moderator', totpEnabled: true }, role: 'moderator', via: 'session' });
  });

  it('sessions are listed and revoked; a disabled user is signed out; the last owner stays', async () => {
    const { id, cookie } = await invite('leaving', 'producer');
    const second = cookieOf((await call('POST', '/auth/password', {}, { name: 'leaving', password: PASSWORD })).headers);
    const list = await call('GET', '/api/v1/sessions', { cookie });
    expect(list.json).toHaveLength(2);
    expect(list.json.filter((s: any) => s.current)).toHaveLength(1);
    const other = list.json.find((s: any) => !s.current);
    expect((await call('DELETE', `/api/v1/sessions/${other.id}`, { cookie })).status).toBe(200);
    expect((await call('GET', '/api/v1/users/me', { cookie: second })).status).toBe(401);
    // Someone else's session is not yours to end.
    const ownerSessions = await call('GET', '/api/v1/sessions', { cookie: cookies.get('owner')! });
    expect((await call('DELETE', `/api/v1/sessions/${ownerSessions.json[0].id}`, { cookie })).status).toBe(404);
    expect((await api(host, 'PATCH', `/api/v1/users/${id}`, { disabled: true })).status).toBe(200);
    expect((await call('GET', '/api/v1/users/me', { cookie })).status).toBe(401);
    expect((await call('POST', '/auth/password', {}, { name: 'leaving', password: PASSWORD })).json.error.code).toBe('INVALID_CREDENTIALS');

    const users = (await api(host, 'GET', '/api/v1/users')).json as any[];
    const owner = users.find((u) => u.role === 'owner');
    expect((await api(host, 'PATCH', `/api/v1/users/${owner.id}`, { role: 'admin' })).json.error.code).toBe('LAST_OWNER');
    expect((await api(host, 'DELETE', `/api/v1/users/${owner.id}`)).json.error.code).toBe('LAST_OWNER');
    // An admin cannot touch an owner.
    const adminCookie = cookies.get('admin')!;
    expect((await call('PATCH', `/api/v1/users/${owner.id}`, { cookie: adminCookie }, { name: 'boss' })).status).toBe(403);
    expect((await call('POST', '/api/v1/users', { cookie: adminCookie }, { name: 'second-owner', role: 'owner' })).status).toBe(403);
    expect((await api(host, 'POST', '/api/v1/users', { name: 'producer-one', role: 'viewer' })).json.error.code).toBe('CONFLICT');
  });

  it('an expired token says TOKEN_EXPIRED', async () => {
    const made = await api(host, 'POST', '/api/v1/tokens', { name: 'short', scopes: ['streams:read'], expiresInSec: 60 });
    expect((await call('GET', '/api/v1/streams', { bearer: made.json.token })).status).toBe(200);
    // Expire it in the database of the running host (its clock is not ours to move).
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(`${host.home}/studio.db`);
    db.prepare('UPDATE api_tokens SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, made.json.id);
    db.close();
    const res = await call('GET', '/api/v1/streams', { bearer: made.json.token });
    expect([res.status, res.json.error.code]).toEqual([401, 'TOKEN_EXPIRED']);
  });
});

describe('request rates', () => {
  it('the API answers 429 with Retry-After past limits.apiPerMinute, per token; uploads past uploadPerMinute', async () => {
    const token = (await api(host, 'POST', '/api/v1/tokens', { name: 'busy', scopes: ['streams:read', 'videos:write'] })).json.token as string;
    // The owner's session (its own count, barely used so far) changes the limits.
    const owner = { cookie: cookies.get('owner')! };
    expect((await call('PATCH', '/api/v1/config', owner, { limits: { apiPerMinute: 5, uploadPerMinute: 3 } })).status).toBe(200);
    try {
      const statuses: number[] = [];
      let last: { status: number; json: any; headers: Headers } | undefined;
      for (let i = 0; i < 7; i++) {
        last = await call('GET', '/api/v1/streams', { bearer: token });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(last?.json.error.code).toBe('RATE_LIMITED');
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      // Another caller has its own count.
      expect((await call('GET', '/api/v1/streams', owner)).status).toBe(200);
      const uploads: number[] = [];
      for (let i = 0; i < 4; i++) uploads.push((await call('OPTIONS', '/api/v1/uploads', { bearer: token })).status);
      expect(uploads.slice(0, 3).every((s) => s < 400)).toBe(true);
      expect(uploads[3]).toBe(429);
    } finally {
      expect((await call('PATCH', '/api/v1/config', owner, { limits: { apiPerMinute: 6000, uploadPerMinute: 600 } })).status).toBe(200);
    }
  });
});

describe('the audit log', () => {
  it('shows who did what, when and from where, newest first, with refusals and sign-ins', async () => {
    const res = await api(host, 'GET', '/api/v1/audit?limit=1000');
    expect(res.status).toBe(200);
    const ats = (res.json.entries as any[]).map((e) => e.at);
    expect(ats).toEqual([...ats].sort((a, b) => b - a));
    /** The newest entry of `action` that `pred` accepts. */
    const find = async (action: string, pred: (e: any) => boolean): Promise<any> =>
      ((await api(host, 'GET', `/api/v1/audit?limit=1000&action=${encodeURIComponent(action)}`)).json.entries as any[]).find((e) => e.action === action && pred(e));
    expect(await find('users.create', (e) => e.target?.includes('producer-one') && e.result === 'ok')).toMatchObject({ actor: expect.stringMatching(/^token:api-token/), ip: '127.0.0.1' });
    expect(await find('tokens.create', (e) => e.result === 'ok')).toBeDefined();
    expect(await find('auth.signIn', (e) => e.actor === 'user:producer-one' && e.result === 'ok')).toBeDefined();
    expect(await find('auth.signIn', (e) => e.result === 'denied')).toBeDefined();
    expect(await find('auth.acceptInvitation', (e) => e.result === 'ok')).toBeDefined();
    expect(await find('auth.loginLink', (e) => e.result === 'ok')).toBeDefined();
    expect(await find('users.list', (e) => e.result === 'denied' && e.actor === 'user:viewer-one')).toBeDefined();
    expect(await find('config.update', (e) => e.result === 'ok')).toBeDefined();
    expect(await find('users.update', (e) => e.result === 'failed' && e.detail === 'LAST_OWNER')).toBeDefined();
    // Paged by id; filtered by actor and action.
    const page = await api(host, 'GET', '/api/v1/audit?limit=2');
    expect(page.json.entries).toHaveLength(2);
    const next = await api(host, 'GET', `/api/v1/audit?limit=2&before=${page.json.next}`);
    expect(next.json.entries[0].id).toBeLessThan(page.json.entries[1].id + 1);
    const mine = await api(host, 'GET', '/api/v1/audit?limit=50&actor=user:producer-one');
    expect((mine.json.entries as any[]).every((e) => e.actor.startsWith('user:producer-one'))).toBe(true);
    // Not for a producer.
    expect((await call('GET', '/api/v1/audit', { cookie: cookies.get('producer')! })).status).toBe(403);
  });
});

describe('OpenAPI', () => {
  it('lists the scope each operation needs', async () => {
    const doc = (await fetch(`${host.url}/api/v1/openapi.json`).then((r) => r.json())) as any;
    const op = doc.paths['/api/v1/streams'].post;
    expect(op['x-required-scope']).toBe('streams:write');
    expect(op.description).toContain('streams:write');
  });
});

describe('failed sign-ins', () => {
  it('too many from one address: its guesses are answered 429 with Retry-After on every sign-in route and the API, while its valid token and session are served; the block is listed, audited and lifted', async () => {
    expect((await api(host, 'PATCH', '/api/v1/config', { limits: { failedAuthPerMinute: 3 } })).status).toBe(200);
    // The earlier tests' failures of this minute already count: the limit is reached at once or soon.
    let limited: { status: number; json: any; headers: Headers } | undefined;
    for (let i = 0; i < 5 && !limited; i++) {
      const res = await call('POST', '/auth/password', {}, { name: 'producer-one', password: 'wrong password' });
      if (res.status === 429) limited = res;
    }
    expect(limited?.json.error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Password and code attempts from the address are refused before they are checked (even the right
    // password), and so are invitations and wrong tokens.
    expect((await call('POST', '/auth/password', {}, { name: 'producer-one', password: PASSWORD })).status).toBe(429);
    expect((await call('POST', '/auth/login', {}, { code: 'WRONGCODE1' })).status).toBe(429);
    expect((await call('POST', '/auth/invite', {}, { token: 'x'.repeat(32), password: PASSWORD })).status).toBe(429);
    expect((await call('GET', '/api/v1/streams', { bearer: 'st_notatoken' })).status).toBe(429);
    expect((await call('GET', '/api/v1/streams', {})).status).toBe(429);
    // A valid token or session from the same address is no guess: served.
    expect((await api(host, 'GET', '/api/v1/streams')).status).toBe(200);
    expect((await call('GET', '/api/v1/users/me', { cookie: cookies.get('producer')! })).status).toBe(200);
    // The block, in the list and the audit log.
    const blocks = await api(host, 'GET', '/api/v1/blocks');
    expect(blocks.status).toBe(200);
    const mine = (blocks.json as { kind: string; key: string; failures: number; until: number }[]).find((b) => b.kind === 'address' && b.key.endsWith('127.0.0.1'));
    expect(mine, blocks.text).toBeDefined();
    expect(mine!.failures).toBeGreaterThanOrEqual(3);
    expect(mine!.until).toBeGreaterThan(Date.now());
    const audit = await api(host, 'GET', '/api/v1/audit?action=auth.block&limit=5');
    expect(audit.json.entries[0]).toMatchObject({ actor: 'system', action: 'auth.block', target: `address:${mine!.key}`, result: 'denied' });
    // A producer may not lift it; the owner may, once.
    expect((await call('DELETE', `/api/v1/blocks/address/${encodeURIComponent(mine!.key)}`, { cookie: cookies.get('producer')! })).status).toBe(403);
    const lifted = await api(host, 'DELETE', `/api/v1/blocks/address/${encodeURIComponent(mine!.key)}`);
    expect([lifted.status, lifted.json]).toEqual([200, { kind: 'address', key: mine!.key, unblocked: true }]);
    const again = await api(host, 'DELETE', `/api/v1/blocks/address/${encodeURIComponent(mine!.key)}`);
    expect([again.status, again.json.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await call('POST', '/auth/password', {}, { name: 'producer-one', password: 'wrong password' })).json.error.code).toBe('INVALID_CREDENTIALS');
    expect((await call('POST', '/auth/password', {}, { name: 'producer-one', password: PASSWORD })).status).toBe(200);
  });

  it('a script with a wrong token at 100 requests a second from this machine never stops the owner\'s token or the studio page', async () => {
    const owner = cookies.get('owner')!;
    const started = Date.now();
    const wrong: Promise<number>[] = [];
    const served: number[] = [];
    // 4 s of a wrong token every 10 ms, and the owner's calls beside it.
    const script = (async () => {
      while (Date.now() - started < 4000) {
        wrong.push(fetch(`${host.url}/api/v1/streams`, { headers: { authorization: 'Bearer 0123456789abcdef' } }).then((r) => r.status));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    while (Date.now() - started < 4000) {
      served.push((await api(host, 'GET', '/api/v1/streams')).status);
      served.push((await call('GET', '/api/v1/users/me', { cookie: owner })).status);
      served.push((await fetch(`${host.url}/`, { headers: { cookie: owner } })).status);
      await new Promise((r) => setTimeout(r, 100));
    }
    await script;
    const statuses = await Promise.all(wrong);
    expect(statuses.length).toBeGreaterThan(200);
    // The script is refused (401, then 429 once past the limit), the owner never is.
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    expect(served.length).toBeGreaterThan(20);
    expect(served.every((s) => s === 200), served.join(' ')).toBe(true);
    expect((await api(host, 'DELETE', '/api/v1/blocks/address/127.0.0.1')).status).toBe(200);
  }, 30_000);
});
