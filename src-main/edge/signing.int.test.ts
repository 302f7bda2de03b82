import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test-support/host-process.js';
import { pidsMatching } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';
import { ChildRegistry } from '../core/children.js';
import { silentLogger } from '../core/logger.js';
import { UrlSigner } from '../protocols/signing.js';
import { findModulesDir, findNginx, NginxProcess } from './nginx-process.js';

// nginx + njs verify the origin's signed-URL scheme (protocols/signing.ts) byte for byte, and a key
// rotation is a graceful reload: requests in flight during it all succeed.
const KEY_A = 'rotation-key-a-0123456789';
const KEY_B = 'rotation-key-b-0123456789';
const KEY_C = 'rotation-key-c-0123456789';
describe.skipIf(needs('nginx'))('signed URLs checked by njs at the edge', () => {
  const modulesDir = findModulesDir();
  const nginxBin = findNginx();
  let dir: string;
  let origin: http.Server;
  let nginx: NginxProcess;
  const children = new ChildRegistry();
  let base = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-sign-'));
    origin = http.createServer((req, res) => {
      res.writeHead(200, { 'cache-control': 'public, max-age=600, immutable', 'content-type': 'video/iso.segment' }).end(`segment ${req.url?.split('?')[0]}`);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    nginx = new NginxProcess(
      { children, logger: silentLogger(), bin: nginxBin! },
      {
        dir, cacheDir: path.join(dir, 'cache'), cacheSize: '64m', port, bind: '127.0.0.1', controlPort: await freePort(), fillPort: await freePort(), agentPort: await freePort(),
        origin: `http://127.0.0.1:${(origin.address() as { port: number }).port}`, keys: { current: KEY_A, previous: null }, modulesDir: modulesDir!, workerProcesses: 1,
      },
    );
    await nginx.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await nginx?.dispose();
    await children.dispose();
    await new Promise((resolve) => origin.close(resolve));
    expect(pidsMatching(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const url = (key: string, opts: { expiresInSec: number; ip?: string } = { expiresInSec: 60 }, now = Date.now): string =>
    `/live/demo/s/x/seg.m4s?${new URLSearchParams(new UrlSigner({ current: key }, now).sign('demo', opts)).toString()}`;
  const verdict = async (p: string): Promise<string> => {
    const res = await fetch(base + p);
    const body = await res.text();
    return res.status === 200 ? 'ok' : `${res.status} ${JSON.parse(body).error.details.reason}`;
  };

  it('gives the verdicts the origin gives', async () => {
    const origin = new UrlSigner({ current: KEY_A });
    const cases = [
      url(KEY_A),
      url(KEY_B),
      url(KEY_A, { expiresInSec: 60 }, () => Date.now() - 3_600_000),
      url(KEY_A, { expiresInSec: 60, ip: '127.0.0.1' }),
      url(KEY_A, { expiresInSec: 60, ip: '10.0.0.1' }),
      '/live/demo/s/x/seg.m4s?exp=1&sig=short',
      '/live/demo/s/x/seg.m4s?sig=' + 'A'.repeat(43),
    ];
    const expected = ['ok', '403 bad_signature', '403 expired', 'ok', '403 wrong_ip', '403 bad_signature', '403 missing'];
    for (const [i, p] of cases.entries()) {
      expect(await verdict(p), p).toBe(expected[i]);
      const query = Object.fromEntries(new URL(p, 'http://x').searchParams);
      const theirs = origin.verify('demo', query, '127.0.0.1');
      expect(theirs.ok ? 'ok' : `403 ${theirs.reason}`).toBe(expected[i]);
    }
    // Unsigned requests are the origin's business (public streams need nothing).
    expect(await verdict('/live/demo/s/x/seg.m4s')).toBe('ok');
  });

  it('rotates keys by a graceful reload: both keys work during the rotation, nothing fails meanwhile', async () => {
    let failures = 0;
    let served = 0;
    let running = true;
    // A new connection per request: what is measured is the listener, not keep-alive reuse races.
    const once = (): Promise<number> =>
      new Promise((resolve) => {
        http
          .get(base + url(KEY_A), { agent: false }, (res) => {
            res.resume();
            res.once('end', () => resolve(res.statusCode ?? 0));
          })
          .once('error', () => resolve(0));
      });
    const load = (async () => {
      while (running) {
        if ((await once()) === 200) served += 1;
        else failures += 1;
      }
    })();
    await nginx.reload({ keys: { current: KEY_B, previous: KEY_A } });
    // The load runs until the new workers answer with the new key (the reload is asynchronous).
    await waitFor('the reloaded workers to accept key B', async () => (await verdict(url(KEY_B))) === 'ok', 10_000, 50);
    running = false;
    await load;
    expect(failures).toBe(0);
    expect(served).toBeGreaterThan(0);
    expect(await verdict(url(KEY_B))).toBe('ok');
    expect(await verdict(url(KEY_A))).toBe('ok');
    await nginx.reload({ keys: { current: KEY_C, previous: KEY_B } });
    await waitFor('the reloaded workers to refuse key A', async () => (await verdict(url(KEY_A))) === '403 bad_signature', 10_000, 50);
    expect(await verdict(url(KEY_C))).toBe('ok');
  });
});
