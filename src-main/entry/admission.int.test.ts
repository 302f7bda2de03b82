import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { sleep, waitFor } from '../../test-support/wait.js';

// Publish and play admission through a real host with real peers: ffmpeg publishes over RTMP and SRT
// with JWTs (valid, expired, for another stream, badly signed), HLS is fetched with ?jwt=, a platform's
// JWKS rotates its key, and an admission webhook decides (and times out into its failure policy).
let host: HostProcess;

/** A webhook server whose answer the test sets; it records what it was asked. */
const hook = { answer: { allow: true, reason: null as string | null } as unknown, delayMs: 0, asked: [] as any[], token: 'admission-hook-token-3c9e' };
let hookServer: http.Server;
let hookUrl = '';
/** A platform's JWKS: its current keys (the test rotates them). */
const jwks: { keys: object[] } = { keys: [] };
let jwksServer: http.Server;
let jwksUrl = '';

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const jwt = async (body: { action: 'read' | 'publish'; streams: string[]; expiresInSec?: number; ip?: string }): Promise<string> => {
  const res = await api(host, 'POST', '/api/v1/jwt', { expiresInSec: 300, ...body });
  expect(res.status, res.text).toBe(200);
  return res.json.token as string;
};

/** Publishes 4 s of test pattern; resolves whether the stream went live. */
async function publishes(url: string, stream: string, format: 'flv' | 'mpegts' = 'flv'): Promise<boolean> {
  const ffmpeg = publishTestPattern(url, { size: '320x180', fps: 15, seconds: 4, format });
  try {
    return await waitFor(`${stream} live`, async () => {
      if (ffmpeg.exitCode !== null) return 'exited';
      return (await api(host, 'GET', `/api/v1/streams/${stream}`)).json.state === 'live' ? 'live' : null;
    }, 15_000).then((r) => r === 'live');
  } finally {
    ffmpeg.kill('SIGKILL');
    await exitOf(ffmpeg);
    await waitFor(`${stream} no longer live`, async () => (await api(host, 'GET', `/api/v1/streams/${stream}`)).json.state !== 'live', 15_000);
  }
}

const rtmp = (name: string): string => `rtmp://127.0.0.1:${host.rtmpPort}/live/${name}`;
// ffmpeg takes the stream id as written (a JWT is base64url and dots: nothing to escape).
const srt = (streamId: string): string => `srt://127.0.0.1:${host.srtPort}?streamid=${streamId}&latency=200000&pkt_size=1316`;

beforeAll(async () => {
  ({ server: hookServer, url: hookUrl } = await listen((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      // The webhook answers the bearer of its token only (auth.webhookToken).
      if (req.headers.authorization !== `Bearer ${hook.token}`) return void res.writeHead(401).end();
      hook.asked.push(JSON.parse(body));
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(hook.answer)), hook.delayMs);
    });
  }));
  ({ server: jwksServer, url: jwksUrl } = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))));
  host = await startHost();
  const config = await api(host, 'PATCH', '/api/v1/config', { auth: { webhookUrl: `${hookUrl}/admit`, webhookToken: hook.token, webhookTimeoutMs: 500, webhookCacheSeconds: 0, jwksUrl: `${jwksUrl}/jwks.json` } });
  expect(config.status, config.text).toBe(200);
  expect(config.json.config.auth.webhookToken).toBe('…3c9e');
  for (const [name, settings] of [
    ['keyed', {}],
    ['jwtonly', { publishAuth: 'jwt' }],
    ['hooked', { publishAuth: 'webhook', playAuth: 'webhook' }],
    ['secret', { private: true }],
  ] as const) {
    const created = await api(host, 'POST', '/api/v1/streams', { name, ladder: 'passthrough', ...settings });
    expect(created.status, created.text).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  expect(await host?.stop()).toBe(0);
  hookServer?.close();
  jwksServer?.close();
});

describe.skipIf(needs('ffmpeg'))('publishing with JWTs', () => {
  it('RTMP: <name>?jwt= publishes with a valid token; expired, wrong-stream and badly signed ones are refused', async () => {
    const good = await jwt({ action: 'publish', streams: ['keyed'] });
    expect(await publishes(`${rtmp('keyed')}?jwt=${good}`, 'keyed')).toBe(true);
    const other = await jwt({ action: 'publish', streams: ['jwtonly'] });
    expect(await publishes(`${rtmp('keyed')}?jwt=${other}`, 'keyed')).toBe(false);
    const reader = await jwt({ action: 'read', streams: ['keyed'] });
    expect(await publishes(`${rtmp('keyed')}?jwt=${reader}`, 'keyed')).toBe(false);
    const [head, payload] = good.split('.');
    expect(await publishes(`${rtmp('keyed')}?jwt=${head}.${payload}.${'A'.repeat(43)}`, 'keyed')).toBe(false);
    const expired = await new SignJWT({ act: 'publish', streams: ['keyed'] }).setProtectedHeader({ alg: 'HS256', kid: 'none' }).setExpirationTime(1).sign(new Uint8Array(32));
    expect(await publishes(`${rtmp('keyed')}?jwt=${expired}`, 'keyed')).toBe(false);
    // The audit log keeps the refusals with their reasons.
    const audit = await api(host, 'GET', '/api/v1/audit?limit=50&action=publish');
    const details = (audit.json.entries as any[]).map((e) => e.detail as string);
    expect(details.some((d) => d.startsWith('rtmp: JWT_INVALID') && d.includes('not for "keyed"'))).toBe(true);
    expect(details.some((d) => d.includes('not for publish') || d.includes('is for read'))).toBe(true);
  }, 90_000);

  it('a stream that takes JWTs only refuses its own key; SRT carries the JWT in the stream id', async () => {
    const stream = (await api(host, 'GET', '/api/v1/streams/jwtonly')).json;
    expect(stream.publishAuth).toBe('jwt');
    const key = (await api(host, 'POST', '/api/v1/streams/jwtonly/rotate-key')).json.key as string;
    expect(await publishes(rtmp(key), 'jwtonly')).toBe(false);
    const token = await jwt({ action: 'publish', streams: ['jwtonly'] });
    expect(await publishes(srt(`publish:jwtonly?jwt=${token}`), 'jwtonly', 'mpegts')).toBe(true);
    const expired = await jwt({ action: 'publish', streams: ['jwtonly'], expiresInSec: 10 });
    await sleep(10_500);
    expect(await publishes(srt(`publish:jwtonly?jwt=${expired}`), 'jwtonly', 'mpegts')).toBe(false);
  }, 90_000);

  it('the webhook decides a publish, told the protocol and the credential; its timeout falls back to the policy', async () => {
    const key = (await api(host, 'POST', '/api/v1/streams/hooked/rotate-key')).json.key as string;
    hook.asked.length = 0;
    hook.answer = { allow: false, reason: 'not on the schedule' };
    expect(await publishes(rtmp(key), 'hooked')).toBe(false);
    expect(hook.asked[0]).toMatchObject({ action: 'publish', stream: 'hooked', protocol: 'rtmp', ip: '127.0.0.1', credential: { kind: 'key', valid: true } });
    expect(JSON.stringify(hook.asked[0])).not.toContain(key);
    hook.answer = { allow: true };
    expect(await publishes(rtmp(key), 'hooked')).toBe(true);
    // Too slow: the failure policy (deny by default) decides; then allow.
    hook.delayMs = 1500;
    expect(await publishes(rtmp(key), 'hooked')).toBe(false);
    expect((await api(host, 'PATCH', '/api/v1/config', { auth: { webhookFailure: 'allow' } })).status).toBe(200);
    hook.answer = { allow: false };
    expect(await publishes(rtmp(key), 'hooked')).toBe(true);
    hook.delayMs = 0;
    expect((await api(host, 'PATCH', '/api/v1/config', { auth: { webhookFailure: 'deny' } })).status).toBe(200);
    // A webhook that refuses the host's token: the failure policy decides, and the log says which setting to check.
    const asked = hook.asked.length;
    hook.answer = { allow: true };
    expect((await api(host, 'PATCH', '/api/v1/config', { auth: { webhookToken: 'not-the-token' } })).status).toBe(200);
    try {
      expect(await publishes(rtmp(key), 'hooked')).toBe(false);
      expect(hook.asked.length).toBe(asked);
      await waitFor('the refusal logged', async () => fs.readFileSync(path.join(host.home, 'logs', 'host.log'), 'utf8').includes('refused the host (401): check auth.webhookToken'), 5000);
    } finally {
      expect((await api(host, 'PATCH', '/api/v1/config', { auth: { webhookToken: hook.token } })).status).toBe(200);
    }
  }, 90_000);
});

describe.skipIf(needs('ffmpeg'))('playing with JWTs', () => {
  let publisher: ReturnType<typeof publishTestPattern>;
  beforeAll(async () => {
    const key = (await api(host, 'POST', '/api/v1/streams/secret/rotate-key')).json.key as string;
    publisher = publishTestPattern(rtmp(key), { size: '320x180', fps: 15 });
    await waitFor('secret live with a segment', async () => {
      const res = await fetch(`${host.url}/live/secret/index.m3u8`, { headers: { authorization: `Bearer ${await jwt({ action: 'read', streams: ['secret'] })}` } });
      return res.status === 200 && (await res.text()).includes('#EXT-X-STREAM-INF');
    }, 30_000, 500);
  }, 60_000);
  afterAll(async () => {
    publisher?.kill('SIGKILL');
    if (publisher) await exitOf(publisher);
  });

  it('HLS: the JWT in the playlist URL reaches every variant and segment URI, and a cookie keeps it', async () => {
    const token = await jwt({ action: 'read', streams: ['secret'] });
    const master = await fetch(`${host.url}/live/secret/index.m3u8?jwt=${token}`);
    expect(master.status).toBe(200);
    expect(master.headers.get('set-cookie')).toContain('streams_jwt=');
    expect(master.headers.get('cache-control')).toMatch(/^private/);
    const variant = (await master.text()).split('\n').find((l) => l && !l.startsWith('#'))!;
    expect(variant).toContain(`jwt=${token}`);
    const media = await fetch(new URL(variant, `${host.url}/live/secret/`));
    expect(media.status).toBe(200);
    const segment = (await media.text()).split('\n').find((l) => l && !l.startsWith('#'))!;
    expect(segment).toContain(`jwt=${token}`);
    expect((await fetch(new URL(segment, `${host.url}/live/secret/`))).status).toBe(200);
    // Without it: refused; with the cookie alone (a player that drops queries): served.
    const bare = new URL(segment, `${host.url}/live/secret/`);
    bare.search = bare.search.replace(/&?jwt=[^&]*/, '');
    expect((await fetch(bare)).status).toBe(403);
    expect((await fetch(bare, { headers: { cookie: `streams_jwt=${token}` } })).status).toBe(200);
  });

  it('HLS refuses expired, wrong-stream, publish-only and badly signed tokens with their reason', async () => {
    const cases: [string, string][] = [
      ['wrong stream', await jwt({ action: 'read', streams: ['keyed'] })],
      ['publish action', await jwt({ action: 'publish', streams: ['secret'] })],
      ['bad signature', `${(await jwt({ action: 'read', streams: ['secret'] })).slice(0, -4)}AAAA`],
      ['other address', await jwt({ action: 'read', streams: ['secret'], ip: '10.9.9.9' })],
      ['not a JWT', 'hello'],
    ];
    for (const [what, token] of cases) {
      const res = await fetch(`${host.url}/live/secret/index.m3u8?jwt=${token}`);
      const body = (await res.json()) as any;
      expect([res.status, body.error.code], what).toEqual([401, 'JWT_INVALID']);
    }
    const expiring = await jwt({ action: 'read', streams: ['secret'], expiresInSec: 10 });
    await sleep(10_500);
    const late = await fetch(`${host.url}/live/secret/index.m3u8?jwt=${expiring}`);
    expect([late.status, ((await late.json()) as any).error.code]).toEqual([401, 'TOKEN_EXPIRED']);
  }, 30_000);

  it('a platform\'s JWKS: its tokens play; a key rotation is picked up', async () => {
    const first = await generateKeyPair('RS256');
    jwks.keys = [{ ...(await exportJWK(first.publicKey)), kid: 'platform-1', alg: 'RS256', use: 'sig' }];
    const sign = (key: CryptoKey, kid: string): Promise<string> =>
      new SignJWT({ act: 'read', streams: ['secret'] }).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('5m').sign(key);
    expect((await fetch(`${host.url}/live/secret/index.m3u8?jwt=${await sign(first.privateKey, 'platform-1')}`)).status).toBe(200);
    // The platform rotates: a token of the new kid makes the host fetch the keys again (at most every 5 s).
    const second = await generateKeyPair('RS256');
    jwks.keys = [{ ...(await exportJWK(second.publicKey)), kid: 'platform-2', alg: 'RS256', use: 'sig' }];
    const rotated = await sign(second.privateKey, 'platform-2');
    const status = await waitFor('the rotated key picked up', async () => {
      const res = await fetch(`${host.url}/live/secret/index.m3u8?jwt=${rotated}`);
      return res.status === 200 ? 200 : null;
    }, 15_000, 1000);
    expect(status).toBe(200);
    // A token signed by a key that is not in the set is refused.
    const stranger = await generateKeyPair('RS256');
    expect((await fetch(`${host.url}/live/secret/index.m3u8?jwt=${await sign(stranger.privateKey, 'platform-3')}`)).status).toBe(401);
  }, 30_000);

  it('the host\'s own key rotation keeps earlier tokens working', async () => {
    const before = await jwt({ action: 'read', streams: ['secret'] });
    const rotated = await api(host, 'POST', '/api/v1/jwt/rotate', {});
    expect(rotated.json.previous).toEqual(expect.any(String));
    const after = await jwt({ action: 'read', streams: ['secret'] });
    for (const token of [before, after]) expect((await fetch(`${host.url}/live/secret/index.m3u8?jwt=${token}`)).status).toBe(200);
  });

  it('a stream that plays by JWT only: its signed URLs from the API carry a JWT, and a URL signature is refused', async () => {
    const signedBefore = (await api(host, 'POST', '/api/v1/streams/secret/signed-urls', { expiresInSec: 60 })).json.hls as string;
    expect((await api(host, 'PATCH', '/api/v1/streams/secret', { playAuth: 'jwt' })).status).toBe(200);
    try {
      expect((await fetch(signedBefore)).status).toBe(403);
      const urls = await api(host, 'POST', '/api/v1/streams/secret/signed-urls', { expiresInSec: 60 });
      expect(urls.json.hls).toMatch(/\?jwt=ey/);
      expect((await fetch(urls.json.hls)).status).toBe(200);
    } finally {
      expect((await api(host, 'PATCH', '/api/v1/streams/secret', { playAuth: 'default' })).status).toBe(200);
    }
  });

  it('the webhook decides a play, and is told it is HLS', async () => {
    hook.asked.length = 0;
    hook.answer = { allow: false, reason: 'geo-blocked' };
    const refused = await fetch(`${host.url}/live/hooked/index.m3u8?ticket=42`);
    expect([refused.status, ((await refused.json()) as any).error]).toEqual([403, { code: 'ADMISSION_DENIED', message: 'geo-blocked' }]);
    expect(hook.asked[0]).toMatchObject({ action: 'read', stream: 'hooked', protocol: 'hls', query: { ticket: '42' }, credential: { kind: 'none' } });
    hook.answer = { allow: true };
    // Allowed: past admission. What follows depends on the stream's last run, which the publish test
    // killed as soon as it was live: its playlist, "starting" while its files settle, or, when it was
    // killed before its first part was cut, "no playlist". Never a refusal.
    const allowed = await fetch(`${host.url}/live/hooked/index.m3u8?ticket=42`);
    const code = allowed.status === 200 ? null : ((await allowed.json()) as any).error.code;
    expect([[200, null], [503, 'UNAVAILABLE'], [404, 'NOT_FOUND']]).toContainEqual([allowed.status, code]);
    expect(hook.asked).toHaveLength(2);
  });
});
