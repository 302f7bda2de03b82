import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';

// The host's own certificate authority (tls.selfSigned) through a real host: HTTPS trusted with its CA
// (and refused without it), the chain checked by openssl, RTMPS publishing with ffmpeg, the expiry in
// the API, a certificate issued for other names, and the same certificate kept across a restart.
let host: HostProcess;
let home = '';
let rtmpsPort = 0;
let ca = Buffer.alloc(0);

function get(url: string, options: { ca?: Buffer; token?: string; method?: string; body?: unknown } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: options.method ?? 'GET',
        ...(options.ca ? { ca: options.ca } : {}),
        headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(options.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body ? JSON.stringify(options.body) : undefined);
  });
}

beforeAll(async () => {
  home = tempHome();
  rtmpsPort = await freePort();
  fs.writeFileSync(path.join(home, 'config.yaml'), `tls:\n  selfSigned: true\n  names: "studio.lan, 10.1.2.3"\nrtmp:\n  tlsPort: ${rtmpsPort}\n`);
  host = await startHost({ home });
  ca = fs.readFileSync(path.join(home, 'tls', 'ca.crt'));
}, 60_000);
afterAll(async () => {
  expect(await host?.stop()).toBe(0);
});

const base = (): string => `https://127.0.0.1:${host.port}`;

describe('the host\'s own certificate authority', () => {
  it('serves HTTPS that its CA verifies, and only with it', async () => {
    expect(host.loginUrl).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect((await get(`${base()}/healthz`, { ca })).status).toBe(200);
    await expect(get(`${base()}/healthz`)).rejects.toThrow(/self[- ]signed|unable to verify|issuer/i);
    const keyMode = fs.statSync(path.join(home, 'tls', 'ca.key')).mode & 0o777;
    expect(keyMode).toBe(0o600);
  });

  it.skipIf(needs('openssl'))('openssl verifies the chain and the names', () => {
    const leaf = fs.readFileSync(path.join(home, 'tls', 'host.crt'), 'utf8').split(/(?<=-----END CERTIFICATE-----)/)[0]!;
    const leafFile = path.join(home, 'leaf.pem');
    fs.writeFileSync(leafFile, leaf);
    const out = execFileSync('openssl', ['verify', '-CAfile', path.join(home, 'tls', 'ca.crt'), '-purpose', 'sslserver', leafFile], { encoding: 'utf8' });
    expect(out.trim()).toBe(`${leafFile}: OK`);
    const cert = new crypto.X509Certificate(leaf);
    for (const name of ['DNS:localhost', 'IP Address:127.0.0.1', 'DNS:studio.lan', 'IP Address:10.1.2.3']) expect(cert.subjectAltName).toContain(name);
  });

  it('tells its expiry and names, and hands out the CA to install', async () => {
    const info = JSON.parse((await get(`${base()}/api/v1/tls`, { ca, token: host.token })).body);
    expect(info).toMatchObject({ mode: 'self-ca', caUrl: '/tls/ca.crt', names: expect.arrayContaining(['localhost', '127.0.0.1', 'studio.lan', '10.1.2.3']) });
    expect(info.daysLeft).toBeGreaterThan(390);
    expect(info.daysLeft).toBeLessThanOrEqual(397);
    const download = await get(`${base()}/tls/ca.crt`, { ca });
    expect(download.status).toBe(200);
    expect(download.body).toBe(ca.toString());
  });

  it.skipIf(needs('ffmpeg'))('RTMPS: ffmpeg publishes over TLS with the issued certificate', async () => {
    const created = JSON.parse((await get(`${base()}/api/v1/streams`, { ca, token: host.token, method: 'POST', body: { name: 'secure', ladder: 'passthrough' } })).body);
    const ffmpeg = publishTestPattern(`rtmps://127.0.0.1:${rtmpsPort}/live/${created.key}`, { size: '320x180', fps: 15, seconds: 20 });
    try {
      await waitFor('the stream live over RTMPS', async () => JSON.parse((await get(`${base()}/api/v1/streams/secure`, { ca, token: host.token })).body).state === 'live', 20_000, 250);
    } finally {
      ffmpeg.kill('SIGKILL');
      await exitOf(ffmpeg);
    }
  }, 40_000);

  it('issues a certificate for other names, served after a restart; an unchanged one is kept', async () => {
    const before = JSON.parse((await get(`${base()}/api/v1/tls`, { ca, token: host.token })).body);
    const issued = await get(`${base()}/api/v1/tls/issue`, { ca, token: host.token, method: 'POST', body: { names: ['studio.lan', 'cam.lan'] } });
    expect(issued.status, issued.body).toBe(200);
    const next = JSON.parse(issued.body);
    expect(next.names).toEqual(expect.arrayContaining(['cam.lan', 'localhost']));
    expect(next.fingerprint256).not.toBe(before.fingerprint256);
    // Served from the next start; it covers the configured names too, so that start keeps it.
    expect(next.names).toEqual(expect.arrayContaining(['10.1.2.3']));
    expect(await host.stop()).toBe(0);
    host = await startHost({ home, port: host.port });
    const after = JSON.parse((await get(`${base()}/api/v1/tls`, { ca, token: host.token })).body);
    expect(after.fingerprint256).toBe(next.fingerprint256);
  }, 60_000);
});
