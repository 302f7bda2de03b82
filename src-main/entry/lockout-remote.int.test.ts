import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { needs } from '../../test-support/peers.js';

// A password guesser from another address than the host's own machine: the host runs in a network
// namespace of this test, reached over a veth pair, so this process's requests come from the root
// side's address. Past limits.failedAuthPerMinute its guesses (and password attempts for the account it
// guessed at, from any address but loopback) are refused, while a session and a token from that same
// address are served; the blocks are listed and lifted.
const NS = `sst-lock-${process.pid}`;
const NET = 100 + (process.pid % 150);
const ROOT_IP = `10.231.${NET}.1`;
const HOST_IP = `10.231.${NET}.2`;
const VETH = [`lka${process.pid % 100_000}`, `lkb${process.pid % 100_000}`] as const;
const LIMIT = 5;
const PASSWORD = 'correct horse battery';

const ip = (...args: string[]): { status: number | null; stderr: string } => spawnSync('ip', args, { encoding: 'utf8' });

function netnsProblem(): string | false {
  const missing = needs('root');
  if (missing) return missing;
  const probe = `sst-probe-${process.pid}`;
  const made = ip('netns', 'add', probe);
  if (made.status !== 0) return `ip netns does not work here: ${made.stderr.trim()}`;
  ip('netns', 'del', probe);
  return false;
}

function must(r: { status: number | null; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what}: ${r.stderr.trim()}`);
}

describe.skipIf(netnsProblem())('failed sign-ins from another address (a network namespace)', () => {
  let host: HostProcess;

  const call = async (method: string, urlPath: string, auth: { cookie?: string; bearer?: string } = {}, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> => {
    const headers: Record<string, string> = {};
    if (auth.cookie) headers.cookie = auth.cookie;
    if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${host.url}${urlPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const signIn = (password: string) => call('POST', '/auth/password', {}, { name: 'sam', password });

  beforeAll(async () => {
    must(ip('netns', 'add', NS), 'netns');
    must(ip('link', 'add', VETH[0], 'type', 'veth', 'peer', 'name', VETH[1]), 'veth');
    must(ip('link', 'set', VETH[1], 'netns', NS), 'veth into the namespace');
    must(ip('addr', 'add', `${ROOT_IP}/30`, 'dev', VETH[0]), 'root address');
    must(ip('link', 'set', VETH[0], 'up'), 'root side up');
    must(ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${HOST_IP}/30`, 'dev', VETH[1]), 'host address');
    must(ip('netns', 'exec', NS, 'ip', 'link', 'set', VETH[1], 'up'), 'host side up');
    must(ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up'), 'loopback up');
    const home = tempHome();
    // The host listens on its veth address only (plain HTTP, inside this test's namespace).
    fs.writeFileSync(path.join(home, 'config.yaml'), `http:\n  bind: ${HOST_IP}\n  allowInsecureRemote: true\nlimits:\n  failedAuthPerMinute: ${LIMIT}\n  loginPerMinute: 0\nauth:\n  failedAuthDelayMs: 0\n`);
    host = await startHost({ home, netns: { name: NS, address: HOST_IP } });
  }, 60_000);

  afterAll(async () => {
    await host?.stop('SIGKILL');
    ip('link', 'del', VETH[0]);
    ip('netns', 'del', NS);
  });

  it('blocks the guesser past the limit, by address and by account, while its session and token are served; both blocks listed and lifted', async () => {
    // sam, invited by the owner's token (from the guesser's address too: a valid token is no guess).
    const created = await call('POST', '/api/v1/users', { bearer: host.token }, { name: 'sam', role: 'producer' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const accepted = await call('POST', '/auth/invite', {}, { token: String(created.json.inviteUrl).split('/invite/')[1], password: PASSWORD });
    expect(accepted.status).toBe(200);
    const session = (accepted.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await call('GET', '/api/v1/users/me', { cookie: session })).json.user.name).toBe('sam');

    // The guesser: LIMIT wrong passwords, then refused, even the right one.
    for (let i = 0; i < LIMIT; i++) expect((await signIn(`guess ${i}`)).json.error.code).toBe('INVALID_CREDENTIALS');
    const refused = await signIn('guess again');
    expect([refused.status, refused.json.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signIn(PASSWORD)).status).toBe(429);
    expect((await call('GET', '/api/v1/streams', { bearer: 'st_guess' })).status).toBe(429);
    // The same address's session and token: served.
    expect((await call('GET', '/api/v1/users/me', { cookie: session })).status).toBe(200);
    expect((await call('GET', '/api/v1/streams', { bearer: host.token })).status).toBe(200);

    // Both blocks, as the host saw the address.
    const blocks = (await call('GET', '/api/v1/blocks', { bearer: host.token })).json as { kind: string; key: string; failures: number }[];
    expect(blocks.map((b) => `${b.kind}:${b.key}:${b.failures}`).sort()).toEqual([`account:sam:${LIMIT}`, `address:${ROOT_IP}:${LIMIT}`]);
    const audit = (await call('GET', '/api/v1/audit?action=auth.block', { bearer: host.token })).json.entries as { target: string; ip: string | null }[];
    expect(audit.map((e) => e.target).sort()).toEqual(['account:sam', `address:${ROOT_IP}`]);

    // The address lifted: its guesses are checked again, but sam's password attempts from it still wait (the account's block).
    expect((await call('DELETE', `/api/v1/blocks/address/${ROOT_IP}`, { bearer: host.token })).status).toBe(200);
    expect((await call('GET', '/api/v1/streams', { bearer: 'st_guess' })).status).toBe(401);
    expect((await signIn(PASSWORD)).status).toBe(429);
    // The account lifted: the right password signs in.
    expect((await call('DELETE', '/api/v1/blocks/account/Sam', { bearer: host.token })).status).toBe(200);
    const back = await signIn(PASSWORD);
    expect([back.status, back.json.user?.name]).toEqual([200, 'sam']);
    expect((await call('GET', '/api/v1/blocks', { bearer: host.token })).json).toEqual([]);
  }, 60_000);
});
