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
 * Where V8 stops a run that has not returned: a function that loops. Node's vm timeout is no measure of
 * a run's length: its watchdog is a new thread, joined when the run returns, and on a busy machine (CI's
 * e2e stage) that thread is first scheduled tens of milliseconds late; past the timeout it reports one
 * for a run of microseconds. So V8's timeout only stops loops, far past the limit, and a run that
 * returned is judged by the time it measured itself, from inside the context (the watchdog's start and
 * join left out).
 */
const LOOP_STOP_MS = 1000;

/** How many runs past the limit refuse a function: a busy machine can pause one run, not every one. */
const SAMPLE_RUN_TRIES = 3;

/** The clock a sample run reads from inside its context (a name no function would choose). */
const CLOCK = '__streamsSampleClock';

const clock = (): number => performance.now();

const timedOut = (error: unknown): boolean => (error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';

/**
 * `run` (given V8's timeout; it returns its value and the time it measured itself), judged against
 * SAMPLE_RUN_LIMIT_MS: its value, or 'too long' when V8 stopped it as a loop or it took longer than the
 * limit each of SAMPLE_RUN_TRIES times. Its own errors are thrown.
 */
function withinLimit<T>(run: (timeout: number) => { value: T; ms: number }): { value: T } | 'too long' {
  for (let attempt = 1; ; attempt++) {
    let result: { value: T; ms: number };
    try {
      result = run(LOOP_STOP_MS);
    } catch (error) {
      if (timedOut(error)) return 'too long';
      throw error;
    }
    if (result.ms <= SAMPLE_RUN_LIMIT_MS) return { value: result.value };
    if (attempt >= SAMPLE_RUN_TRIES) return 'too long';
  }
}

/** A path the route matches (its `**` and `*` filled in), for the sample request. */
export function samplePath(route: string): string {
  return route.replace(/\*\*/g, 'a/b').replace(/\*/g, 'x');
}

/**
 * Runs `spec` on a sample request in a V8 context with a time limit: a function that loops (which would
 * hold an nginx worker for good: njs 0.7 has no time limit), that runs longer than SAMPLE_RUN_LIMIT_MS
 * each time it is tried, or that defines no `handle` is refused.
 * What it returns, or that it throws on the sample, is not judged: real requests decide that.
 */
export function sampleRun(spec: Pick<EdgeFunctionSpec, 'name' | 'route' | 'phase' | 'code'>): void {
  const req = { method: 'GET', uri: samplePath(spec.route), args: {}, headers: { host: 'edge.example', 'user-agent': 'streams-function-check' }, remoteAddress: '192.0.2.1' };
  const res = { status: 200, headers: { 'content-type': 'application/vnd.apple.mpegurl' } };
  // The function's code from the second line on, as before (its line numbers are its own plus one).
  const source = `(function (t0) { var h = (function (ngx, require, process) {\n${spec.code}\n;return typeof handle === 'function' ? handle : null; })(); return { value: h, ms: ${CLOCK}() - t0 }; })(${CLOCK}())`;
  let loaded: { value: unknown } | 'too long';
  try {
    loaded = withinLimit((timeout) => vm.runInNewContext(source, { [CLOCK]: clock }, { timeout, filename: spec.name }) as { value: unknown; ms: number });
  } catch {
    return; // a syntax njs accepts and V8 does not (nginx already accepted it), or a throw at load: nginx's run decides
  }
  if (loaded === 'too long') {
    throw new StudioError('FUNCTION_INVALID', `"${spec.name}" ran longer than ${SAMPLE_RUN_LIMIT_MS} ms when it was loaded: njs has no time limit, so it would hold an nginx worker`);
  }
  const handle = loaded.value;
  if (typeof handle !== 'function') throw new StudioError('FUNCTION_INVALID', `"${spec.name}" defines no function handle(req${spec.phase === 'response' ? ', res' : ''})`);
  let ran: { value: unknown } | 'too long';
  try {
    ran = withinLimit((timeout) => {
      // A new context each time: a run may have changed its objects.
      const context = vm.createContext({ handle, req: structuredClone(req), res: structuredClone(res), [CLOCK]: clock });
      return vm.runInContext(`(function (t0) { handle(req, res); return { value: null, ms: ${CLOCK}() - t0 }; })(${CLOCK}())`, context, { timeout }) as { value: null; ms: number };
    });
  } catch {
    return; // it threw on the sample: real requests decide
  }
  if (ran === 'too long') {
    throw new StudioError(
      'FUNCTION_INVALID',
      `"${spec.name}" ran longer than ${SAMPLE_RUN_LIMIT_MS} ms on a sample request (GET ${req.uri}): njs has no time limit, so it would hold an nginx worker`,
    );
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
