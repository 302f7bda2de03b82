import type { EdgeFunctionSpec } from '../../src-shared/contract/cdn.js';
import { DENY_STATUSES, REDIRECT_STATUSES, routeRegexSource } from '../../src-shared/edge-functions.js';

/**
 * Edge functions in nginx (njs 0.7, Debian 12): the module that runs the operator's functions and the
 * directives that call it. Measured on nginx 1.22 + njs 0.7.9 before this was written:
 * - Request phase: `js_set $edge_fn_req` behind a map on `$uri`, so njs runs only for requests of a
 *   function's route, read by `if`s at server level (before any location): they `return` a redirect
 *   or a refusal, or `rewrite ... last` to another path. A js_set value is kept for the whole request,
 *   also across internal redirects, which would rewrite again (a "rewrite or internal redirection
 *   cycle" 500): `$edge_fn_applied` (a js_var, set by `set`) lets the rewrite happen once.
 * - Response phase: `js_header_filter` in each of the public server's locations (it is not allowed at
 *   server level). A header filter that throws makes nginx close the connection without an answer,
 *   and it cannot answer 500 instead: setting `r.status` there changes the status of a file's answer
 *   but not of a proxied one (nginx keeps the upstream's status line; measured). So a response
 *   function that throws is skipped: the answer goes out as it came, without that function's headers,
 *   and the call is counted as an error (which rolls the version back past its threshold).
 * - njs 0.7 has no shared memory (js_shared_dict_zone came in 0.8.0): each call is written to its own
 *   log ($edge_fn_log, a js_var) and the agent counts them (function-log.ts).
 * - Limits: njs 0.7 has no per-call time or memory limit; a function gets a copy of the request (no
 *   subrequests) and `ngx`, `require` and `process` are hidden from it; the origin runs each function
 *   on a sample request with a time limit before it rolls it out (cdn/function-check.ts).
 */

export const FUNCTIONS_NJS_FILE = 'edge-functions.js';
export const FUNCTION_LOG = 'fn.json.log';

/** What the generated module writes per call into $edge_fn_log (one JSON object per line). */
export interface FunctionCallRecord {
  f: string;
  v: number;
  ok: boolean;
  ms: number;
  e?: string;
}

const RUNTIME = `
var DENY = ${JSON.stringify(DENY_STATUSES)};
var REDIRECT = ${JSON.stringify(REDIRECT_STATUSES)};
var TOKEN = /^[!#$%&'*+.^_\`|~0-9A-Za-z-]+$/;

function note(r, f, ok, ms, message) {
  var e = { f: f.name, v: f.version, ok: ok, ms: ms };
  if (message !== undefined) e.e = String(message).slice(0, 300);
  var log = r.variables.edge_fn_log;
  r.variables.edge_fn_log = (log ? log + '\\n' : '') + JSON.stringify(e);
}

function problem(e) {
  return e && e.message !== undefined ? (e.name ? e.name + ': ' : '') + e.message : String(e);
}

function reqOf(r, uri) {
  var headers = {};
  var raw = r.rawHeadersIn;
  for (var i = 0; i < raw.length; i++) {
    var k = raw[i][0].toLowerCase();
    headers[k] = headers[k] === undefined ? raw[i][1] : headers[k] + ', ' + raw[i][1];
  }
  var args = {};
  for (var a in r.args) args[a] = r.args[a];
  return { method: r.method, uri: uri, args: args, headers: headers, remoteAddress: r.remoteAddress };
}

function headersOf(out, into) {
  if (out.headers === undefined) return;
  if (out.headers === null || typeof out.headers !== 'object') throw new TypeError('headers must be an object of name: value');
  for (var name in out.headers) {
    var value = out.headers[name];
    if (!TOKEN.test(name)) throw new TypeError('not a header name: ' + name);
    if (value !== null && /[\\r\\n]/.test(String(value))) throw new TypeError('a header value may not hold a line break: ' + name);
    into[name] = value === null ? null : String(value);
  }
}

function decide(out, headers) {
  if (out === undefined || out === null) return '';
  if (typeof out !== 'object') throw new TypeError('handle must return nothing or an object, not ' + typeof out);
  headersOf(out, headers);
  if (out.redirect !== undefined) {
    var to = String(out.redirect);
    var status = out.status === undefined ? 302 : out.status;
    if (REDIRECT.indexOf(status) < 0) throw new TypeError('a redirect status is one of ' + REDIRECT.join(', '));
    if (!/^(https?:\\/\\/|\\/)[^\\s]*$/.test(to)) throw new TypeError('redirect must be an http(s) URL or a path: ' + to);
    return 'redirect:' + status + ':' + to;
  }
  if (out.rewrite !== undefined) {
    var path = String(out.rewrite);
    if (!/^\\/[^\\s]*$/.test(path)) throw new TypeError('rewrite must be a path starting with /: ' + path);
    return 'rewrite:' + path;
  }
  if (out.status !== undefined) {
    if (DENY.indexOf(out.status) < 0) throw new TypeError('a refusal status is one of ' + DENY.join(', '));
    return 'deny:' + out.status;
  }
  return '';
}

function request(r) {
  if (r.variables.edge_fn_ran) return '';
  r.variables.edge_fn_ran = '1';
  var req = null;
  var headers = {};
  var decision = '';
  for (var i = 0; i < FUNCTIONS.length && !decision; i++) {
    var f = FUNCTIONS[i];
    if (f.phase !== 'request' || !f.route.test(r.uri)) continue;
    if (req === null) req = reqOf(r, r.uri);
    var t0 = Date.now();
    try {
      decision = decide(f.handle(req), headers);
    } catch (e) {
      note(r, f, false, Date.now() - t0, problem(e));
      return 'error';
    }
    note(r, f, true, Date.now() - t0);
  }
  for (var k in headers) {
    r.variables.edge_fn_headers = JSON.stringify(headers);
    break;
  }
  return decision;
}

function pathOf(r) {
  var p = r.variables.request_uri;
  var q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  try {
    return decodeURIComponent(p);
  } catch (e) {
    return p;
  }
}

function apply(r, headers) {
  for (var name in headers) {
    if (headers[name] === null) delete r.headersOut[name];
    else r.headersOut[name] = headers[name];
  }
}

function response(r) {
  var given = r.variables.edge_fn_headers;
  if (given) apply(r, JSON.parse(given));
  var path = null;
  var req = null;
  for (var i = 0; i < FUNCTIONS.length; i++) {
    var f = FUNCTIONS[i];
    if (f.phase !== 'response') continue;
    if (path === null) path = pathOf(r);
    if (!f.route.test(path)) continue;
    if (req === null) req = reqOf(r, path);
    var res = { status: r.status, headers: {} };
    for (var h in r.headersOut) res.headers[h.toLowerCase()] = r.headersOut[h];
    var t0 = Date.now();
    var headers = {};
    try {
      var out = f.handle(req, res);
      if (out !== undefined && out !== null) {
        if (typeof out !== 'object') throw new TypeError('handle must return nothing or { headers }, not ' + typeof out);
        headersOf(out, headers);
      }
    } catch (e) {
      // The answer goes out without this function's headers (see the header above).
      note(r, f, false, Date.now() - t0, problem(e));
      continue;
    }
    note(r, f, true, Date.now() - t0);
    apply(r, headers);
  }
}

export default { request: request, response: response };
`;

/**
 * The njs module of a set of functions, and the line each function's code starts on (njs reports
 * errors by line of the module: see explainNjsError).
 */
export function functionsModule(specs: readonly EdgeFunctionSpec[]): { text: string; codeLines: { name: string; first: number; last: number }[] } {
  const lines = ['// Edge functions, written by the streams edge agent from the origin\'s functions; rewritten on every change.', 'var FUNCTIONS = [];'];
  const codeLines: { name: string; first: number; last: number }[] = [];
  for (const spec of specs) {
    lines.push(
      `FUNCTIONS.push({ name: ${JSON.stringify(spec.name)}, version: ${spec.version}, phase: ${JSON.stringify(spec.phase)}, route: new RegExp(${JSON.stringify(routeRegexSource(spec.route))}),`,
      // The operator's code in its own scope, without nginx's objects (no subrequests, no fetch).
      '  handle: (function (ngx, require, process) {',
    );
    const code = spec.code.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
    codeLines.push({ name: spec.name, first: lines.length + 1, last: lines.length + code.length });
    lines.push(...code, `;return typeof handle === 'function' ? handle : function () { throw new Error('function "${spec.name}" defines no handle(req, res)'); };`, '  })() });');
  }
  lines.push(RUNTIME);
  return { text: lines.join('\n'), codeLines };
}

/** The directives of a set of functions: at http level, at the public server's level, and in each of its locations. */
export function functionsConf(specs: readonly EdgeFunctionSpec[], logFile: string): { http: string[]; server: string[]; location: string[] } {
  if (specs.length === 0) return { http: [], server: [], location: [] };
  const requestRoutes = [...new Set(specs.filter((s) => s.phase === 'request').map((s) => routeRegexSource(s.route)))];
  const http = [
    `js_import edgefn from ${FUNCTIONS_NJS_FILE};`,
    'js_var $edge_fn_log;',
    'js_var $edge_fn_headers;',
    'js_var $edge_fn_ran;',
    'js_var $edge_fn_applied;',
    'log_format edge_fn escape=json \'{"t":$msec,"u":"$uri","s":$status,"fn":"$edge_fn_log"}\';',
    `access_log ${logFile} edge_fn if=$edge_fn_log;`,
  ];
  const server: string[] = [];
  if (requestRoutes.length > 0) {
    http.push('js_set $edge_fn_req edgefn.request;', `map $uri $edge_fn_guard { ${requestRoutes.map((re) => `"~${re.replace(/\\\//g, '/')}" $edge_fn_req;`).join(' ')} default ""; }`);
    server.push(
      '# Edge functions, request phase (see njs-functions.ts): once per request.',
      'set $edge_fn_d $edge_fn_guard;',
      'if ($edge_fn_applied) { set $edge_fn_d ""; }',
      'if ($edge_fn_d = error) { set $edge_fn_applied 1; return 500; }',
      ...REDIRECT_STATUSES.map((s) => `if ($edge_fn_d ~ "^redirect:${s}:(.+)$") { set $edge_fn_applied 1; return ${s} $1; }`),
      ...DENY_STATUSES.map((s) => `if ($edge_fn_d = "deny:${s}") { set $edge_fn_applied 1; return ${s}; }`),
      'if ($edge_fn_d ~ "^rewrite:(.+)$") { set $edge_fn_to $1; set $edge_fn_applied 1; rewrite ^ $edge_fn_to last; }',
    );
  }
  return { http, server, location: ['js_header_filter edgefn.response;'] };
}

/**
 * nginx's message about a module that does not compile, with the module's line turned into the
 * function's own (`line 3 of "cors"`), and without the scratch folder's path.
 */
export function explainNjsError(stderr: string, codeLines: readonly { name: string; first: number; last: number }[]): string {
  const line = stderr.split('\n').find((l) => /\[emerg\]|\[error\]/.test(l)) ?? stderr.trim().split('\n')[0] ?? '';
  let message = line.replace(/^.*?\[(?:emerg|error)\]\s*(?:\d+#\d+:\s*)?/, '');
  message = message.replace(/\s+in\s+\S*?edge-functions\.js:(\d+)/, (_all, n: string) => {
    const at = Number(n);
    const fn = codeLines.find((c) => at >= c.first && at <= c.last + 1);
    return fn ? ` at line ${Math.min(at, fn.last) - fn.first + 1} of "${fn.name}"` : '';
  });
  return message.replace(/\s+in\s+\S+nginx\.conf:\d+$/, '').trim();
}
