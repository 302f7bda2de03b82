import fs from 'node:fs';
import Database from 'better-sqlite3';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { METHOD_NAMES, methods } from '../../src-shared/contract/index.js';
import { api, cleanEnv, freePort, ROOT, runStreams, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

describe('streams host: a running host', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(async () => {
    const code = await host.stop('SIGTERM');
    expect(code, host.stderr()).toBe(0);
  });

  it('answers /healthz without a token, with its version', async () => {
    const res = await api(host, 'GET', '/healthz', undefined, null);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', version: pkg.version });
  });

  it.runIf(process.platform === 'linux')('has not loaded the password-hashing addon while no password was set or checked (/proc/<pid>/maps)', () => {
    const maps = fs.readFileSync(`/proc/${host.proc.pid}/maps`, 'utf8');
    expect(maps).toContain('better_sqlite3.node');
    expect(maps).not.toMatch(/argon2[^\n]*\.node/);
  });

  it('refuses the API, metrics and events without a token (401 with a JSON error), and a wrong token', async () => {
    for (const p of ['/api/v1/system', '/api/v1/config', '/metrics']) {
      const res = await api(host, 'GET', p, undefined, null);
      expect(res.status, p).toBe(401);
      expect(res.json.error.code).toBe('UNAUTHORIZED');
    }
    expect((await api(host, 'GET', '/api/v1/system', undefined, 'wrong-token')).status).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/v1/events`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('serves every contract method at its route with the token', async () => {
    const info = await api(host, 'GET', '/api/v1/system');
    expect(info.status).toBe(200);
    expect(info.json).toMatchObject({ version: pkg.version, mode: 'host', home: host.home });
    const doc = await api(host, 'GET', '/api/v1/openapi.json', undefined, null);
    expect(doc.status).toBe(200);
    const ops = Object.values(doc.json.paths as Record<string, Record<string, { operationId: string }>>).flatMap((p) =>
      Object.values(p).map((o) => o.operationId),
    );
    expect(ops.sort()).toEqual([...METHOD_NAMES].sort());
    expect(doc.json.paths[`/api/v1${methods['config.update'].http.path}`].patch).toBeDefined();
  });

  it('serves Prometheus metrics with the token', async () => {
    const res = await api(host, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(/^streams_process_resident_memory_bytes /m);
  });

  it('pushes system stats and config changes over the WebSocket', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/v1/events`, { headers: { authorization: `Bearer ${host.token}` } });
    const seen: { type: string; event?: string; data?: any }[] = [];
    ws.on('message', (raw) => seen.push(JSON.parse(String(raw))));
    await new Promise((resolve) => ws.once('open', resolve));
    await expect.poll(() => seen.filter((m) => m.event === 'system.stats').length, { timeout: 6000 }).toBeGreaterThanOrEqual(2);
    expect(seen[0]?.type).toBe('hello');
    const patch = await api(host, 'PATCH', '/api/v1/config', { studio: { name: 'Evening Show' } });
    expect(patch.status).toBe(200);
    await expect.poll(() => seen.find((m) => m.event === 'config.changed')?.data?.changed, { timeout: 2000 }).toEqual(['studio.name']);
    ws.close();
  });

  it('refuses cross-origin event sockets', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/v1/events`, {
      headers: { authorization: `Bearer ${host.token}`, origin: 'http://evil.example' },
    });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });

  it('signs a browser in with the one-time login URL, once', async () => {
    const first = await fetch(host.loginUrl, { redirect: 'manual' });
    expect(first.status).toBe(303);
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^streams_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);
    const session = cookie.split(';')[0]!;
    const withCookie = await fetch(`${host.url}/api/v1/system`, { headers: { cookie: session } });
    expect(withCookie.status).toBe(200);
    const again = await fetch(host.loginUrl, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(await again.text()).toContain('Cannot sign in');
    const logout = await fetch(`${host.url}/auth/logout`, { method: 'POST', headers: { cookie: session } });
    expect(logout.status).toBe(204);
    expect((await fetch(`${host.url}/api/v1/system`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('rejects bad input with a stable code and changes nothing', async () => {
    const configFile = path.join(host.home, 'config.yaml');
    const before = fs.readFileSync(configFile, 'utf8');
    const bad = await api(host, 'PATCH', '/api/v1/config', { http: { port: 'abc', prot: 1 }, log: { level: 'loud' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('VALIDATION_FAILED');
    const paths = (bad.json.error.details.fields as { path: string }[]).map((f) => f.path).sort();
    expect(paths).toEqual(['http.port', 'http.prot', 'log.level']);
    const notJson = await fetch(`${host.url}/api/v1/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'text/plain' },
      body: 'studio.name=x',
    });
    expect(notJson.status).toBe(415);
    expect(((await notJson.json()) as any).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const broken = await fetch(`${host.url}/api/v1/config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
      body: '{"studio":',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as any).error.code).toBe('BAD_REQUEST');
    const huge = await api(host, 'PATCH', '/api/v1/config', { studio: { name: 'x'.repeat(2 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    const unknown = await api(host, 'GET', '/api/v1/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('NOT_FOUND');
    expect(fs.readFileSync(configFile, 'utf8')).toBe(before);
  });

  it('rate-limits wrong login codes per address (limits.failedAuthPerMinute, 20), saying when to come back', async () => {
    let last: Awaited<ReturnType<typeof api>> | undefined;
    for (let i = 0; i < 22; i++) last = await api(host, 'POST', '/auth/login', { code: `WRONG${i}` }, null);
    expect(last?.status).toBe(429);
    expect(last?.json.error.code).toBe('RATE_LIMITED');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('streams host: home, config and lifecycle', () => {
  const hosts: HostProcess[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop('SIGKILL')));
  });

  it('creates its home: commented config.yaml, database, logs and an api-token of mode 0600', async () => {
    const host = await startHost();
    hosts.push(host);
    const config = fs.readFileSync(path.join(host.home, 'config.yaml'), 'utf8');
    expect(config).toContain('# Env: STREAMS_HTTP_PORT');
    expect(fs.statSync(path.join(host.home, 'api-token')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(host.home, 'studio.db'))).toBe(true);
    await expect.poll(() => fs.existsSync(path.join(host.home, 'logs', 'host.log'))).toBe(true);
    const line = fs.readFileSync(path.join(host.home, 'logs', 'host.log'), 'utf8').split('\n').find((l) => l.includes('studio started'));
    expect(JSON.parse(line!)).toMatchObject({ level: 30, msg: 'studio started' });
    expect(fs.readFileSync(path.join(host.home, 'logs', 'host.log'), 'utf8')).not.toContain(host.token);
  });

  it('exits 2 naming the field when config.yaml has a wrong type or an unknown key', async () => {
    const home = tempHome();
    fs.writeFileSync(path.join(home, 'config.yaml'), 'http:\n  port: "seventy"\n');
    const wrongType = await runStreams(['host', '--home', home]);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongType.stderr).toContain('http.port');
    fs.writeFileSync(path.join(home, 'config.yaml'), 'http:\n  prot: 7070\n');
    const unknownKey = await runStreams(['host', '--home', home]);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toMatch(/http\.prot: unknown key/);
    fs.writeFileSync(path.join(home, 'config.yaml'), 'http: [1, 2\n');
    const broken = await runStreams(['host', '--home', home]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('config.yaml');
  });

  it('exits 2 saying "upgrade" for a home from a newer version, even when its config has keys unknown here, changing nothing', async () => {
    const home = tempHome();
    const db = new Database(path.join(home, 'studio.db'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL); CREATE TABLE streams (name TEXT)');
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(99, 'from the future', 1);
    db.close();
    fs.writeFileSync(path.join(home, 'config.yaml'), 'studio:\n  name: Later\nfeatureOfTomorrow:\n  on: true\n');
    const before = fs.readFileSync(path.join(home, 'studio.db'));
    const run = await runStreams(['host', '--home', home]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/schema version 99, made by a newer Streams Studio.*Upgrade Streams Studio to open it; nothing was changed/);
    expect(fs.readFileSync(path.join(home, 'studio.db')).equals(before)).toBe(true);
    expect(fs.readdirSync(home).sort()).toEqual(['config.yaml', 'studio.db']);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('exits 2 naming the variable when a STREAMS_* variable is wrong or unknown', async () => {
    const wrong = await runStreams(['host', '--home', tempHome()], cleanEnv({ STREAMS_HTTP_PORT: 'abc' }));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('STREAMS_HTTP_PORT: expected a whole number');
    const unknown = await runStreams(['host', '--home', tempHome()], cleanEnv({ STREAMS_HTTP_PROT: '1' }));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('STREAMS_HTTP_PROT');
  });

  it('applies STREAMS_* overrides and refuses to change them through the API', async () => {
    const port = await freePort();
    const host = await startHost({ env: cleanEnv({ STREAMS_STUDIO_NAME: 'From Env', STREAMS_SYSTEM_STATS_INTERVAL_MS: '750' }), port });
    hosts.push(host);
    const view = await api(host, 'GET', '/api/v1/config');
    expect(view.json.config.studio.name).toBe('From Env');
    expect(view.json.envOverrides).toContainEqual({ path: 'studio.name', env: 'STREAMS_STUDIO_NAME' });
    const refused = await api(host, 'PATCH', '/api/v1/config', { studio: { name: 'Other' } });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details.fields[0]).toMatchObject({ path: 'studio.name' });
    expect(refused.json.error.details.fields[0].message).toContain('STREAMS_STUDIO_NAME');
  });

  it('exits 2 naming the port when it is in use', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runStreams(['host', '--home', tempHome(), '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`port ${port}`);
    } finally {
      blocker.close();
    }
  });

  it('exits 2 naming the path when the home cannot be written', async () => {
    const parent = tempHome();
    const file = path.join(parent, 'not-a-folder');
    fs.writeFileSync(file, '');
    const home = path.join(file, 'home');
    const result = await runStreams(['host', '--home', home, '--port', String(await freePort())]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(home);
  });

  it('refuses a second host on the same home (exit 2), and a non-loopback bind without TLS', async () => {
    const host = await startHost();
    hosts.push(host);
    const second = await runStreams(['host', '--home', host.home, '--port', String(await freePort())]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/another host is already running on home .*\(pid \d+/);
    const insecure = await runStreams(['host', '--home', tempHome(), '--port', String(await freePort()), '--bind', '0.0.0.0']);
    expect(insecure.code).toBe(2);
    expect(insecure.stderr).toContain('refusing to listen on 0.0.0.0 without TLS');
  });

  it('keeps settings and browser sessions across kill -9 and restart; the home lock is not stale', async () => {
    const home = tempHome();
    const port = await freePort();
    const first = await startHost({ home, port });
    const patch = await api(first, 'PATCH', '/api/v1/config', { studio: { name: 'Survives' }, system: { statsIntervalMs: 1500 } });
    expect(patch.status).toBe(200);
    const login = await fetch(first.loginUrl, { redirect: 'manual' });
    const session = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(await first.stop('SIGKILL')).toBeNull();
    const second = await startHost({ home, port });
    hosts.push(second);
    const view = await api(second, 'GET', '/api/v1/config');
    expect(view.json.config.studio.name).toBe('Survives');
    expect(view.json.config.system.statsIntervalMs).toBe(1500);
    expect((await fetch(`${second.url}/api/v1/system`, { headers: { cookie: session } })).status).toBe(200);
    expect(second.token).toBe(first.token);
  });

  it('stops gracefully with exit 0 on SIGINT and on SIGTERM', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const host = await startHost();
      const started = Date.now();
      expect(await host.stop(signal)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(fs.readFileSync(path.join(host.home, 'logs', 'host.log'), 'utf8')).toContain('studio stopped');
    }
  });

  it('prints a fresh login link for the running host with `streams login-link`', async () => {
    const host = await startHost();
    hosts.push(host);
    const result = await runStreams(['login-link', '--home', host.home], cleanEnv({ STREAMS_HTTP_PORT: String(host.port) }));
    expect(result.code).toBe(0);
    const url = result.stdout.trim();
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/login\\?code=[A-Z0-9]{10}$`));
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(303);
  });
});
