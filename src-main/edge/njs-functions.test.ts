import { describe, expect, it } from 'vitest';
import { routeMatches } from '../../src-shared/edge-functions.js';
import { explainNjsError, functionsConf, functionsModule, routeTestSource } from './njs-functions.js';

const spec = (name: string, phase: 'request' | 'response', code: string) => ({ name, version: 2, route: '/live/*/index.m3u8', phase, code });

// The module and directives in nginx + njs: functions.int.test.ts. Here, what they are made of.
describe('the njs module of edge functions', () => {
  it('places each function\'s code as the body of its own function and says on which lines', () => {
    const { text, codeLines } = functionsModule([spec('a', 'request', 'var X = 1;\nfunction handle() {}'), spec('b', 'response', 'function handle() {}\n')]);
    const lines = text.split('\n');
    expect(codeLines).toEqual([{ name: 'a', first: 3, last: 4 }, { name: 'b', first: 9, last: 9 }]);
    expect(lines[1]).toBe('function fn_0(req, res, ngx, require, process) {');
    expect(lines.slice(2, 4)).toEqual(['var X = 1;', 'function handle() {}']);
    expect(lines[8]).toBe('function handle() {}');
    // One request route: nginx's map ran the phase only for it, so no test in njs.
    expect(text).toContain('if (!decision && true)');
    expect(text).toContain('"{\\"f\\":\\"a\\",\\"v\\":2,\\"ms\\":"');
    // Nothing but functions at the module's top level (njs copies top-level objects into every request).
    expect(lines.filter((l) => /^(var|let|const) /.test(l))).toEqual(['var X = 1;']);
  });

  it('turns nginx\'s line of the module into the function\'s own', () => {
    const { codeLines } = functionsModule([spec('a', 'request', 'function handle() {}'), spec('cors', 'response', 'var a = 1;\nfunction handle() {\n  return { ;\n}')]);
    const stderr = 'nginx: [emerg] 1234#1234: SyntaxError: Unexpected token ";" in /tmp/streams-fn-check-x/edge-functions.js:10 in /tmp/streams-fn-check-x/nginx.conf:8\nnginx: configuration file /tmp/x/nginx.conf test failed\n';
    expect(explainNjsError(stderr, codeLines)).toBe('SyntaxError: Unexpected token ";" at line 3 of "cors"');
  });

  it('adds the request phase\'s server directives only for request functions, and the header filter only for response ones', () => {
    expect(functionsConf([], 'log')).toEqual({ http: [], server: [], location: [] });
    const onlyResponse = functionsConf([spec('b', 'response', '')], 'log');
    expect(onlyResponse.server).toEqual([]);
    expect(onlyResponse.location).toEqual(['js_header_filter edgefn.response;']);
    const onlyRequest = functionsConf([spec('a', 'request', '')], 'log');
    expect(onlyRequest.location).toEqual([]);
    expect(onlyRequest.http).toContain('map $uri $edge_fn_guard { "~^/live/[^/]*/index\\.m3u8$" $edge_fn_req; default ""; }');
    expect(onlyRequest.server).toContain('if ($edge_fn_d = "deny:403") { set $edge_fn_applied 1; return 403; }');
  });

  it('tests routes with string operations that agree with the route\'s RegExp, and a RegExp only for what they cannot say', () => {
    const noSlash = (str: string, from: number, to: number): boolean => {
      const at = str.indexOf('/', from);
      return at < 0 || at >= to;
    };
    const routes = ['/live/**', '/live/*/index.m3u8', '/live/show/v0.m3u8', '/**', '**.m3u8', '/vod/**/master.m3u8', '/live/*', '/live/*.m4s', '/a/*/b/*/c', '/live/**/s/*.m4s'];
    const paths = ['/live/', '/live/a', '/live/a/index.m3u8', '/live/a/b/index.m3u8', '/live/index.m3u8', '/live/show/v0.m3u8', '/live/show/v0.m3u8x', '/vod/x/master.m3u8',
      '/vod/master.m3u8', '/vod//master.m3u8', '/live/seg.m4s', '/live/a/seg.m4s', '/a/1/b/2/c', '/a/1/b/2/3/c', '/live/x/s/1.m4s', '/', '', '/livex/a', '/live.m3u8'];
    for (const route of routes) {
      const source = routeTestSource(route, 'p');
      const run = new Function('p', 'noSlash', `return ${source};`) as (p: string, n: typeof noSlash) => boolean;
      for (const p of paths) expect(run(p, noSlash), `${route} on ${p} (${source})`).toBe(routeMatches(route, p));
    }
    expect(routeTestSource('/live/**', 'p')).toBe('(p.startsWith("/live/"))');
    expect(routeTestSource('/live/show/v0.m3u8', 'p')).toBe('p === "/live/show/v0.m3u8"');
    expect(routeTestSource('/a/*/b/*/c', 'p')).toMatch(/^\/.*\/\.test\(p\)$/);
  });

  it('hands a function only the properties of req and res its code names, and all of them to code that enumerates', () => {
    const named = functionsModule([spec('a', 'request', 'function handle(req) { return { headers: { X: req.args.x } }; }'), spec('b', 'response', 'function handle(req, res) { return res.status === 200 ? {} : null; }')]).text;
    expect(named).toContain('req = { args: r.args, headers: r.headersIn }');
    expect(named).toContain('fn_1(req, { status: r.status })');
    expect(named).toContain('req = {};');
    const all = functionsModule([spec('a', 'request', 'function handle(req) { return { headers: { X: JSON.stringify(req) } }; }')]).text;
    expect(all).toContain('req = { method: r.method, uri: uri, args: r.args, headers: r.headersIn, remoteAddress: r.remoteAddress }');
  });
});
