import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeFunctionSpec } from '../../src-shared/contract/cdn.js';
import { EDGE_FUNCTION_TEMPLATES } from '../../src-shared/edge-functions.js';
import { freePort } from '../../test-support/host-process.js';
import { pidsMatching } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';
import { ChildRegistry } from '../core/children.js';
import { silentLogger } from '../core/logger.js';
import { checkFunction } from '../cdn/function-check.js';
import { FunctionLog } from './function-log.js';
import { LogTail } from './log-tail.js';
import { findModulesDir, findNginx, NginxProcess } from './nginx-process.js';
import { FUNCTION_LOG } from './njs-functions.js';

// The module of njs-functions.ts in a real edge nginx (njs 0.7): each phase and each outcome of a
// function, a throw answered 500 on that route only, a function nginx refuses, and the counters the
// agent reads from the function log.
const fn = (name: string, route: string, phase: 'request' | 'response', code: string, version = 1): EdgeFunctionSpec => ({ name, version, route, phase, code });

const FUNCTIONS: EdgeFunctionSpec[] = [
  fn('region', '/live/**', 'request', `function handle(req) {
  if (req.args.region === 'eu') return { redirect: 'https://eu.edge.example' + req.uri, status: 307 };
  if (req.args.token === 'bad') return { status: 403 };
  if (req.uri === '/live/show-a/index.m3u8' && req.args.ab === 'b') return { rewrite: '/live/show-b/index.m3u8', headers: { 'X-Variant': 'b' } };
  return { headers: { 'X-Edge-Fn': 'region ' + req.method + ' ' + req.headers['x-viewer'] } };
}`),
  fn('boom', '/live/boom/**', 'request', `function handle(req) { return req.nothing.here; }`),
  fn('hdr', '/live/hdr/*/h.m3u8', 'request', `function handle(req) {
  if (req.args.k === 'name') return { headers: { 'Bad Name': '1' } };
  if (req.args.k === 'crlf') return { headers: { 'X-V': 'a\\r\\nInjected: 1' } };
  if (req.args.k === 'paren') return { headers: { 'X(a)': '1' } };
  if (req.args.k === 'token') return { headers: { 'X-A#b|c': 'ok', 'X-N': 5 } };
  return { headers: { 'X-Star': 'yes' } };
}`),
  fn('headers', '/live/**', 'response', `function handle(req, res) {
  if (req.uri.indexOf('/live/rboom/') === 0) throw new Error('response went wrong');
  if (req.uri.indexOf('/live/rbad/') === 0) return { headers: { 'X-Ok': 'fine', 'X-Bad': 'a\\nInjected: 1' } };
  return { headers: { 'X-Status-Seen': String(res.status), 'X-Remove-Me': null } };
}`),
];

describe.skipIf(needs('nginx'))('edge functions in nginx + njs', () => {
  let dir: string;
  let origin: http.Server;
  let nginx: NginxProcess;
  let tail: LogTail;
  const log = new FunctionLog();
  const children = new ChildRegistry();
  let base = '';

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-fn-'));
    origin = http.createServer((req, res) => {
      res.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/plain', 'x-remove-me': 'origin' }).end(`origin ${req.url?.split('?')[0]}`);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    nginx = new NginxProcess(
      { children, logger: silentLogger(), bin: findNginx()! },
      {
        dir, cacheDir: path.join(dir, 'cache'), cacheSize: '64m', port, bind: '127.0.0.1', controlPort: await freePort(), fillPort: await freePort(), agentPort: await freePort(),
        origin: `http://127.0.0.1:${(origin.address() as { port: number }).port}`, keys: { current: 'functions-key-0123456789', previous: null }, modulesDir: findModulesDir()!, workerProcesses: 1,
        functions: FUNCTIONS,
      },
    );
    await nginx.start();
    tail = new LogTail(path.join(dir, FUNCTION_LOG), log.onLine, 50);
    tail.start();
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    tail?.dispose();
    await nginx?.dispose();
    await children.dispose();
    await new Promise((resolve) => origin.close(resolve));
    expect(pidsMatching(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** On a new connection each time: a kept-alive one may belong to a worker of the config before a reload. */
  const get = (p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
    new Promise((resolve, reject) => {
      http
        .get(base + p, { agent: false, headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        })
        .on('error', reject);
    });

  it('request functions add headers, redirect, refuse and rewrite; response functions see the status and set or remove headers', async () => {
    const plain = await get('/live/show-a/index.m3u8', { 'x-viewer': 'v1' });
    expect(plain.status).toBe(200);
    expect(plain.body).toBe('origin /live/show-a/index.m3u8');
    expect(plain.headers['x-edge-fn']).toBe('region GET v1');
    expect(plain.headers['x-status-seen']).toBe('200');
    expect(plain.headers['x-remove-me']).toBeUndefined();

    const redirect = await get('/live/show-a/v0.m3u8?region=eu');
    expect(redirect.status).toBe(307);
    expect(redirect.headers['location']).toBe('https://eu.edge.example/live/show-a/v0.m3u8');

    expect((await get('/live/show-a/index.m3u8?token=bad')).status).toBe(403);

    const b = await get('/live/show-a/index.m3u8?ab=b');
    expect(b.status).toBe(200);
    expect(b.body).toBe('origin /live/show-b/index.m3u8');
    expect(b.headers['x-variant']).toBe('b');

    // Outside every route: no function runs.
    const vod = await get('/vod/rec/index.m3u8');
    expect(vod.headers['x-status-seen']).toBeUndefined();
    expect(vod.headers['x-remove-me']).toBe('origin');
  });

  it('a request function that throws answers 500 on its own route only, a response one leaves the answer as it came; every call is counted with its error', async () => {
    expect((await get('/live/boom/index.m3u8')).status).toBe(500);
    expect((await get('/live/boom/v0.m3u8')).status).toBe(500);
    expect((await get('/live/fine/index.m3u8')).status).toBe(200);
    const rboom = await get('/live/rboom/index.m3u8');
    // A response function that throws: the answer as it came, without its headers.
    expect(rboom.status).toBe(200);
    expect(rboom.headers['x-status-seen']).toBeUndefined();
    expect(rboom.headers['x-remove-me']).toBe('origin');
    await waitFor('the errors counted', () => (log.stats().find((c) => c.name === 'boom')?.errors ?? 0) >= 2 && (log.stats().find((c) => c.name === 'headers')?.errors ?? 0) >= 1, 10_000);
    const boom = log.stats().find((c) => c.name === 'boom')!;
    expect(boom).toMatchObject({ version: 1, calls: 2, errors: 2 });
    expect(boom.recent[0]!.message).toMatch(/TypeError: cannot get property "here" of undefined/);
    expect(boom.recent[0]!.uri).toBe('/live/boom/index.m3u8');
    const headers = log.stats().find((c) => c.name === 'headers')!;
    expect(headers.recent.at(-1)!.message).toBe('Error: response went wrong');
    expect(log.stats().find((c) => c.name === 'region')!.calls).toBeGreaterThanOrEqual(6);
  });

  it('a route\'s * stays within one segment; a header that is not a token or holds a line break is the function\'s error, never sent', async () => {
    expect((await get('/live/hdr/a/h.m3u8')).headers['x-star']).toBe('yes');
    expect((await get('/live/hdr/a/b/h.m3u8')).headers['x-star']).toBeUndefined();
    expect((await get('/live/hdr/h.m3u8')).headers['x-star']).toBeUndefined();
    for (const k of ['name', 'crlf', 'paren']) {
      const bad = await get(`/live/hdr/a/h.m3u8?k=${k}`);
      expect(bad.status, k).toBe(500);
      expect(bad.headers['injected'], k).toBeUndefined();
    }
    // Token characters beyond letters, digits and -, and a value that is not a string.
    const token = await get('/live/hdr/a/h.m3u8?k=token');
    expect(token.status).toBe(200);
    expect(token.headers['x-a#b|c']).toBe('ok');
    expect(token.headers['x-n']).toBe('5');
    // In the response phase: the answer as it came, without any of that call's headers.
    const rbad = await get('/live/rbad/index.m3u8');
    expect(rbad.status).toBe(200);
    expect(rbad.headers['injected']).toBeUndefined();
    expect(rbad.headers['x-ok']).toBeUndefined();
    expect(rbad.headers['x-remove-me']).toBe('origin');
    await waitFor('the bad headers counted', () => (log.stats().find((c) => c.name === 'hdr')?.errors ?? 0) >= 3, 10_000);
    const hdr = log.stats().find((c) => c.name === 'hdr')!;
    expect(hdr.recent.map((e) => e.message)).toEqual(expect.arrayContaining(['TypeError: not a header name: Bad Name', 'TypeError: a header value may not hold a line break: X-V', 'TypeError: not a header name: X(a)']));
    await waitFor('the response phase\'s bad header counted', () => (log.stats().find((c) => c.name === 'headers')?.recent ?? []).some((e) => e.message === 'TypeError: a header value may not hold a line break: X-Bad'), 10_000);
  });

  it('a set nginx refuses is answered with the function\'s own line, and the running functions stay', async () => {
    const broken = fn('broken', '/live/**', 'request', 'function handle(req) {\n  var a = 1;\n  return { status: 403 ;\n}', 2);
    const error = await nginx.reload({ functions: [...FUNCTIONS, broken] }).then(() => null, (e: unknown) => e as { code: string; message: string });
    expect(error?.code).toBe('FUNCTION_INVALID');
    expect(error?.message).toMatch(/SyntaxError: .* at line 3 of "broken"/);
    const still = await get('/live/show-a/index.m3u8', { 'x-viewer': 'v2' });
    expect(still.headers['x-edge-fn']).toBe('region GET v2');
  });

  it('functions change by a reload and go with an empty set', async () => {
    await nginx.reload({ functions: [fn('region', '/live/**', 'request', `function handle() { return { headers: { 'X-Edge-Fn': 'v2' } }; }`, 2)] });
    // An old worker may take a connection for a few ms after the reload answered (nginx-process.ts).
    await waitFor('the new version', async () => (await get('/live/show-a/index.m3u8')).headers['x-edge-fn'] === 'v2', 5000, 20);
    expect((await get('/live/boom/index.m3u8')).status).toBe(200);
    await nginx.reload({ functions: [] });
    await waitFor('no function', async () => (await get('/live/show-a/index.m3u8')).headers['x-edge-fn'] === undefined, 5000, 20);
    const none = await get('/live/show-a/index.m3u8');
    expect(none.headers['x-edge-fn']).toBeUndefined();
    expect(none.headers['x-remove-me']).toBe('origin');
  });
});

describe.skipIf(needs('nginx'))('an edge function checked by nginx before any edge sees it', () => {
  const children = new ChildRegistry();
  afterAll(() => children.dispose());
  const check = (code: string, phase: 'request' | 'response' = 'request') => checkFunction(fn('f', '/live/**', phase, code), { children }).then(() => null, (e: unknown) => e as { code: string; message: string });

  it('passes a function nginx loads and that returns on a sample request', async () => {
    expect(await check('function handle(req) { return { headers: { "X-A": req.uri } }; }')).toBeNull();
    expect(await check('function handle(req, res) { return { headers: { "X-S": String(res.status) } }; }', 'response')).toBeNull();
  });

  it('refuses with nginx\'s message at the function\'s own line, one that never returns, and one with no handle', async () => {
    const syntax = await check('var a = 1;\nfunction handle(req) {\n  return { status: 403 ;\n}');
    expect(syntax).toMatchObject({ code: 'FUNCTION_INVALID', message: expect.stringMatching(/^nginx refused "f": SyntaxError: Unexpected token ";" at line 3 of "f"$/) });
    expect(await check('function handle(req) { while (true) {} }')).toMatchObject({ code: 'FUNCTION_INVALID', message: expect.stringMatching(/ran longer than 50 ms on a sample request \(GET \/live\/a\/b\)/) });
    expect(await check('for (;;) {}\nfunction handle() {}')).toMatchObject({ code: 'FUNCTION_INVALID', message: expect.stringMatching(/ran longer than 50 ms when it was loaded/) });
    expect(await check('function other() {}')).toMatchObject({ code: 'FUNCTION_INVALID', message: '"f" defines no function handle(req)' });
    expect(await check('function handle() {}', 'request').then(() => 'ok')).toBe('ok');
  });
});

describe.skipIf(needs('nginx'))('the edge function templates', () => {
  const children = new ChildRegistry();
  afterAll(() => children.dispose());

  it('each passes nginx\'s check and the sample run', async () => {
    for (const t of EDGE_FUNCTION_TEMPLATES) await checkFunction(fn(t.name, t.route, t.phase, t.code), { children });
  });
});

describe.skipIf(needs('nginx'))('an edge whose kept functions its nginx refuses at start', () => {
  it('starts without them and says so (the origin sends the set again when the edge registers)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-fn-start-'));
    fs.chmodSync(dir, 0o755);
    const children = new ChildRegistry();
    const port = await freePort();
    const nginx = new NginxProcess(
      { children, logger: silentLogger(), bin: findNginx()! },
      {
        dir, cacheDir: path.join(dir, 'cache'), cacheSize: '64m', port, bind: '127.0.0.1', controlPort: await freePort(), fillPort: await freePort(), agentPort: await freePort(),
        origin: 'http://127.0.0.1:9', keys: { current: 'functions-key-0123456789', previous: null }, modulesDir: findModulesDir()!, workerProcesses: 1,
        functions: [fn('broken', '/live/**', 'request', 'function handle( {')],
      },
    );
    try {
      await nginx.start();
      expect(nginx.up).toBe(true);
      expect(nginx.functions).toEqual([]);
    } finally {
      await nginx.dispose();
      await children.dispose();
      expect(pidsMatching(dir)).toEqual([]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
