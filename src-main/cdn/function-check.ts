import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type { EdgeFunctionSpec } from '../../src-shared/contract/cdn.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import { findModulesDir, findNginx } from '../edge/nginx-process.js';
import { explainNjsError, functionsModule, FUNCTIONS_NJS_FILE } from '../edge/njs-functions.js';

/** How long a function may run on a sample request before it is refused (njs itself has no time limit). */
export const SAMPLE_RUN_LIMIT_MS = 50;

/**
 * How many times a run past the limit is tried before the function is refused. V8's limit is wall-clock
 * time: on a busy machine a run of microseconds can be descheduled past it. A loop is past it every time.
 */
const SAMPLE_RUN_TRIES = 3;

const timedOut = (error: unknown): boolean => (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';

/** `run`, again while it runs out of time, up to SAMPLE_RUN_TRIES: the last time-out (or any other error) is thrown. */
function withinLimit<T>(run: () => T): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return run();
    } catch (error) {
      if (!timedOut(error) || attempt >= SAMPLE_RUN_TRIES) throw error;
    }
  }
}

/** A path the route matches (its `**` and `*` filled in), for the sample request. */
export function samplePath(route: string): string {
  return route.replace(/\*\*/g, 'a/b').replace(/\*/g, 'x');
}

/**
 * Runs `spec` once on a sample request in a V8 context with a time limit: a function that loops (which
 * would hold an nginx worker for good: njs 0.7 has no time limit) or defines no `handle` is refused.
 * What it returns, or that it throws on the sample, is not judged: real requests decide that.
 */
export function sampleRun(spec: Pick<EdgeFunctionSpec, 'name' | 'route' | 'phase' | 'code'>): void {
  const req = { method: 'GET', uri: samplePath(spec.route), args: {}, headers: { host: 'edge.example', 'user-agent': 'streams-function-check' }, remoteAddress: '192.0.2.1' };
  const res = { status: 200, headers: { 'content-type': 'application/vnd.apple.mpegurl' } };
  const source = `(function (ngx, require, process) {\n${spec.code}\n;return typeof handle === 'function' ? handle : null; })()`;
  let handle: unknown;
  try {
    handle = withinLimit(() => vm.runInNewContext(source, {}, { timeout: SAMPLE_RUN_LIMIT_MS, filename: spec.name }));
  } catch (error) {
    if (timedOut(error)) {
      throw new StudioError('FUNCTION_INVALID', `"${spec.name}" ran longer than ${SAMPLE_RUN_LIMIT_MS} ms when it was loaded: njs has no time limit, so it would hold an nginx worker`);
    }
    return; // a syntax njs accepts and V8 does not (nginx already accepted it), or a throw at load: nginx's run decides
  }
  if (typeof handle !== 'function') throw new StudioError('FUNCTION_INVALID', `"${spec.name}" defines no function handle(req${spec.phase === 'response' ? ', res' : ''})`);
  try {
    // A new context each time: a run cut short may have left its objects half changed.
    withinLimit(() => vm.runInContext('handle(req, res)', vm.createContext({ handle, req: structuredClone(req), res: structuredClone(res) }), { timeout: SAMPLE_RUN_LIMIT_MS }));
  } catch (error) {
    if (timedOut(error)) {
      throw new StudioError(
        'FUNCTION_INVALID',
        `"${spec.name}" ran longer than ${SAMPLE_RUN_LIMIT_MS} ms on a sample request (GET ${req.uri}): njs has no time limit, so it would hold an nginx worker`,
      );
    }
  }
}

/**
 * nginx's verdict on a function (`nginx -t` with the function's module on a scratch config, the js
 * module as the edges load it), then the sample run. Throws FUNCTION_INVALID with nginx's message
 * (its line turned into the function's own), or UNAVAILABLE when this host has no nginx with njs.
 */
export async function checkFunction(spec: EdgeFunctionSpec, deps: { children: ChildRegistry; nginx?: string | null; modulesDir?: string | null }): Promise<void> {
  const nginx = deps.nginx === undefined ? findNginx() : deps.nginx;
  const modulesDir = deps.modulesDir === undefined ? findModulesDir() : deps.modulesDir;
  if (!nginx || !modulesDir) {
    throw new StudioError('UNAVAILABLE', 'edge functions are checked by nginx and its njs module on this host before any edge sees them: install nginx and libnginx-mod-http-js');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-fn-check-'));
  try {
    const module = functionsModule([spec]);
    fs.writeFileSync(path.join(dir, FUNCTIONS_NJS_FILE), module.text);
    const d = (name: string): string => JSON.stringify(path.join(dir, name));
    fs.writeFileSync(
      path.join(dir, 'nginx.conf'),
      [
        `load_module ${JSON.stringify(path.join(modulesDir, 'ngx_http_js_module.so'))};`,
        `pid ${d('nginx.pid')};`,
        `error_log ${d('error.log')} warn;`,
        'events {}',
        'http {',
        `  client_body_temp_path ${d('tmp')}; proxy_temp_path ${d('tmp')}; fastcgi_temp_path ${d('tmp')}; uwsgi_temp_path ${d('tmp')}; scgi_temp_path ${d('tmp')};`,
        `  access_log off; js_path ${JSON.stringify(dir)}; js_import edgefn from ${FUNCTIONS_NJS_FILE};`,
        '  js_set $edge_fn_req edgefn.request; js_var $edge_fn_log;',
        // njs compiles a module where a server uses it (with none, a broken module passes -t).
        `  server { listen ${JSON.stringify(`unix:${path.join(dir, 'check.sock')}`)}; location / { js_header_filter edgefn.response; return 204; } }`,
        '}',
        '',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(dir, 'tmp'));
    const result = await deps.children.run(nginx, ['-t', '-q', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { timeoutMs: 15_000 });
    if (result.code !== 0) {
      const message = explainNjsError(result.stderr, module.codeLines);
      throw new StudioError('FUNCTION_INVALID', `nginx refused "${spec.name}": ${message}`, { nginx: message });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  sampleRun(spec);
}
