import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type EdgeProcess } from '../../test-support/edge.js';
import { api, startHost, type HostProcess } from '../../test-support/host-process.js';
import { pidsMatching } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { waitFor } from '../../test-support/wait.js';

/** A GET on a new connection (a kept-alive one may belong to an nginx worker of the config before a reload). */
function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
      })
      .on('error', reject);
  });
}

const HEADER = (value: string) => `function handle(req) {\n  return { headers: { 'X-Edge-Fn': '${value}' } };\n}\n`;

// The real host, three real edges (nginx + njs each): functions checked by the host's nginx, rolled out
// to every edge in one go, a canary, a refusal, and a rollback that happens by itself.
describe.skipIf(needs('nginx'))('edge functions on a fleet of three edges', () => {
  let host: HostProcess;
  const edges: EdgeProcess[] = [];
  const fn = async (name: string): Promise<any> => (await api(host, 'GET', `/api/v1/cdn/functions/${name}`)).json;

  beforeAll(async () => {
    host = await startHost();
    for (const region of ['eu', 'us', 'ap']) edges.push(await startEdge({ origin: host.url, token: host.token, region }));
    await waitFor('three edges in rotation', async () => ((await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[]).filter((e) => e.healthy).length === 3, 30_000);
  });

  afterAll(async () => {
    for (const edge of edges) {
      await edge.stop();
      expect(pidsMatching(edge.dir)).toEqual([]);
      edge.remove();
    }
    await host?.stop();
  });

  it('a function that adds a header and one that redirects ?region= reach all three edges in one rollout', async () => {
    const created = await api(host, 'POST', '/api/v1/cdn/functions', { name: 'add-header', route: '/live/**', phase: 'request', code: HEADER('one') });
    expect(created.status, created.text).toBe(201);
    expect(created.json.version).toBe(1);
    expect(created.json.edges.map((e: any) => e.status)).toEqual(['applied', 'applied', 'applied']);
    const region = await api(host, 'POST', '/api/v1/cdn/functions', {
      name: 'region',
      route: '/live/**',
      phase: 'request',
      code: `function handle(req) {\n  if (req.args.region === 'eu') return { redirect: 'https://eu.edge.example' + req.uri, status: 302 };\n}\n`,
    });
    expect(region.status, region.text).toBe(201);
    for (const edge of edges) {
      // Answered once applied: the next request on each edge runs both.
      const plain = await get(`${edge.url}/live/demo/index.m3u8`);
      expect(plain.headers['x-edge-fn']).toBe('one');
      const moved = await get(`${edge.url}/live/demo/index.m3u8?region=eu`);
      expect(moved.status).toBe(302);
      expect(moved.headers.location).toBe('https://eu.edge.example/live/demo/index.m3u8');
      // Outside the route nothing runs.
      expect((await get(`${edge.url}/vod/x/index.m3u8`)).headers['x-edge-fn']).toBeUndefined();
    }
    const listed = (await api(host, 'GET', '/api/v1/cdn/functions')).json as unknown as any[];
    expect(listed.map((f) => [f.name, f.version])).toEqual([['add-header', 1], ['region', 1]]);
  });

  it('refuses a function that does not compile, or that never returns, before any edge sees it', async () => {
    const broken = await api(host, 'POST', '/api/v1/cdn/functions', { name: 'broken', route: '/live/**', phase: 'request', code: 'function handle(req) {\n  return { status: 403 ;\n}\n' });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe('FUNCTION_INVALID');
    expect(broken.json.error.message).toMatch(/^nginx refused "broken": SyntaxError: .* at line 2 of "broken"$/);
    const loops = await api(host, 'POST', '/api/v1/cdn/functions', { name: 'loops', route: '/live/**', phase: 'request', code: 'function handle(req) { for (;;) {} }' });
    expect(loops.status).toBe(400);
    expect(loops.json.error).toMatchObject({ code: 'FUNCTION_INVALID', message: expect.stringMatching(/ran longer than 50 ms on a sample request/) });
    const bad = await api(host, 'POST', '/api/v1/cdn/functions', { name: 'Bad Name', route: 'live', phase: 'later', code: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.fields.map((f: any) => f.path).sort()).toEqual(['code', 'name', 'phase', 'route']);
    expect(((await api(host, 'GET', '/api/v1/cdn/functions')).json as unknown as any[]).map((f) => f.name)).toEqual(['add-header', 'region']);
    for (const edge of edges) {
      const state = JSON.parse(fs.readFileSync(`${edge.dir}/state.json`, 'utf8'));
      expect(state.functions.map((f: any) => f.name)).toEqual(['add-header', 'region']);
    }
  });

  it('a version that throws answers 500 on its route, and is rolled back by itself past its threshold', async () => {
    const patched = await api(host, 'PATCH', '/api/v1/cdn/functions/add-header', {
      code: 'function handle(req) {\n  return { headers: { "X-Edge-Fn": req.args.missing.length } };\n}\n',
      rollback: { errorRate: 0.5, minErrors: 3 },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.json.version).toBe(2);
    for (const edge of edges) expect((await get(`${edge.url}/live/demo/index.m3u8`)).status).toBe(500);
    await get(`${edges[0]!.url}/live/demo/v0.m3u8`);
    const rolled = await waitFor('the automatic rollback', async () => ((await fn('add-header')).version === 1 ? fn('add-header') : null), 20_000);
    expect(rolled.versions[1]).toMatchObject({ version: 2, state: 'rolled-back', rolledBack: { automatic: true, reason: expect.stringMatching(/^\d+ of \d+ calls threw on the edges \(last: TypeError: cannot get property "length" of undefined\)$/) } });
    expect(rolled.recentErrors[0]).toMatchObject({ version: 2, uri: expect.stringMatching(/^\/live\/demo\//), message: 'TypeError: cannot get property "length" of undefined' });
    await waitFor('every edge back on version 1', async () => {
      const headers = await Promise.all(edges.map(async (edge) => (await get(`${edge.url}/live/demo/index.m3u8`)).headers['x-edge-fn']));
      return headers.every((h) => h === 'one');
    }, 10_000);
    const audit = await waitFor('the rollback in the audit log', async () => (await api(host, 'GET', '/api/v1/audit?action=edge.function.rollback')).json.entries?.length > 0 ? (await api(host, 'GET', '/api/v1/audit?action=edge.function.rollback')).json : null, 5000);
    expect(audit.entries[0]).toMatchObject({ actor: 'system', target: 'add-header', detail: expect.stringMatching(/^version 2 -> 1: /) });
  });

  it('a canary runs on a share of the edges until it is promoted; a rollback on request puts the last version back', async () => {
    const canary = await api(host, 'PATCH', '/api/v1/cdn/functions/add-header', { code: HEADER('three'), canaryPercent: 34 });
    expect(canary.status, canary.text).toBe(200);
    expect(canary.json.canary).toMatchObject({ version: 3, percent: 34 });
    expect(canary.json.canary.edges).toHaveLength(1);
    const ids = ((await api(host, 'GET', '/api/v1/cdn/edges')).json as unknown as any[]).map((e) => ({ id: e.id, url: e.url }));
    for (const { id, url } of ids) {
      expect((await get(`${url}/live/demo/index.m3u8`)).headers['x-edge-fn']).toBe(canary.json.canary.edges.includes(id) ? 'three' : 'one');
    }
    const promoted = await api(host, 'POST', '/api/v1/cdn/functions/add-header/promote');
    expect(promoted.json).toMatchObject({ version: 3, canary: null });
    for (const edge of edges) expect((await get(`${edge.url}/live/demo/index.m3u8`)).headers['x-edge-fn']).toBe('three');
    const back = await api(host, 'POST', '/api/v1/cdn/functions/add-header/rollback', {});
    expect(back.json.version).toBe(1);
    for (const edge of edges) expect((await get(`${edge.url}/live/demo/index.m3u8`)).headers['x-edge-fn']).toBe('one');
    expect((await api(host, 'DELETE', '/api/v1/cdn/functions/region')).json).toEqual({ name: 'region', deleted: true });
    for (const edge of edges) expect((await get(`${edge.url}/live/demo/index.m3u8?region=eu`)).status).not.toBe(302);
  });

  it('an edge that restarts runs its functions from its first request, before it reaches the origin', async () => {
    const old = edges.pop()!;
    await old.stop();
    const port = Number(new URL(old.url).port);
    // The same folder (its state keeps the last set), an origin that does not answer: nginx still runs the set.
    const again = await startEdge({ origin: 'http://127.0.0.1:9', token: host.token, dir: old.dir, port, region: 'ap' });
    edges.push(again);
    expect((await get(`${again.url}/live/demo/index.m3u8`)).headers['x-edge-fn']).toBe('one');
  });
});
