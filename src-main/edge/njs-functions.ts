import type { EdgeFunctionSpec } from '../../src-shared/contract/cdn.js';
import { DENY_STATUSES, REDIRECT_STATUSES, routeRegexSource } from '../../src-shared/edge-functions.js';

/**
 * Edge functions in nginx (njs 0.7, Debian 12): the module that runs the operator's functions and the
 * directives that call it. Measured on nginx 1.22 + njs 0.7.9 before this was written:
 * - Request phase: `js_set $edge_fn_req` behind a map on `$uri`, so njs runs only for requests of a
 *   function's route, read by `if`s at server level (before any location): they `return` a redirect
 *   or a refusal, or `rewrite ... last` to another path. A js_set value is kept for the whole request,
 *   also across internal redirects, which would rewrite again (a "rewrite or internal redirection
 *   cycle" 500): `$edge_fn_applied` (a js_var, set by `set`) lets the rewrite happen once. Headers a
 *   request function adds are set on the answer there and then (`r.headersOut` set before any location
 *   stays on a file's answer, a proxied one, a cached one and a refusal: measured), so a set of request
 *   functions needs no header filter.
 * - Response phase: `js_header_filter` in each of the public server's locations (it is not allowed at
 *   server level). A header filter that throws makes nginx close the connection without an answer,
 *   and it cannot answer 500 instead: setting `r.status` there changes the status of a file's answer
 *   but not of a proxied one (nginx keeps the upstream's status line; measured). So a response
 *   function that throws is skipped: the answer goes out as it came, without that function's headers,
 *   and the call is counted as an error (which rolls the version back past its threshold).
 * - njs 0.7 has no shared memory (js_shared_dict_zone came in 0.8.0): each call is written to its own
 *   log ($edge_fn_log, a js_var) and the agent counts them (function-log.ts).
 * - Limits: njs 0.7 has no per-call time or memory limit; a function gets the request's method, path,
 *   arguments, headers and address, not the request object (no subrequests), and `ngx`, `require` and
 *   `process` are hidden from it; the origin runs each function on a sample request with a time limit
 *   before it rolls it out (cdn/function-check.ts).
 * - Cost (bench/edge, 1 worker): njs runs each request in a copy of the VM (the signing module's and
 *   this one's), and a call is interpreted: a function that adds a header costs about 5-7 us of worker
 *   time per request. Two functions (one per phase) took a 200 KB segment hit to 0.75-0.84x and a
 *   playlist hit, ~10 us by itself, to 0.44x; the same two headers written by hand in njs keep a
 *   static nginx at 0.95-1.03x. Functions run only on their routes: a route as narrow as the need
 *   (`/live/*\/index.m3u8`) keeps the rest at full speed.
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

/**
 * What every module holds besides the operator's functions. No object, array or RegExp at module level:
 * njs 0.7 copies the module's global objects into every request's VM (measured, 1 worker, a static
 * file: 12 global objects took it from 86k to 53k requests/s; 12 functions cost nothing), so lists are
 * tests and each function's own top-level code runs inside it, per call.
 */
const HELPERS = `
function line(tag, ms, message) {
  return tag + ms + (message === undefined ? ',"ok":true}' : ',"ok":false,"e":' + JSON.stringify(String(message).slice(0, 300)) + '}');
}

function problem(e) {
  return e && e.message !== undefined ? (e.name ? e.name + ': ' : '') + e.message : String(e);
}

// The request as a function sees it: nginx's header and argument objects (read by name, headers in
// any case), not the request object (no subrequests).
function reqOf(r, uri) {
  return { method: r.method, uri: uri, args: r.args, headers: r.headersIn, remoteAddress: r.remoteAddress };
}

function headersOf(out, into) {
  if (out.headers === undefined) return;
  if (out.headers === null || typeof out.headers !== 'object') throw new TypeError('headers must be an object of name: value');
  for (var name in out.headers) {
    var value = out.headers[name];
    if (!/^[!#$%&'*+.^_\`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError('not a header name: ' + name);
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
    if (${REDIRECT_STATUSES.map((c) => `status !== ${c}`).join(' && ')}) throw new TypeError('a redirect status is one of ${REDIRECT_STATUSES.join(', ')}');
    if (!/^(https?:\\/\\/|\\/)[^\\s]*$/.test(to)) throw new TypeError('redirect must be an http(s) URL or a path: ' + to);
    return 'redirect:' + status + ':' + to;
  }
  if (out.rewrite !== undefined) {
    var path = String(out.rewrite);
    if (!/^\\/[^\\s]*$/.test(path)) throw new TypeError('rewrite must be a path starting with /: ' + path);
    return 'rewrite:' + path;
  }
  if (out.status !== undefined) {
    var code = out.status;
    if (${DENY_STATUSES.map((c) => `code !== ${c}`).join(' && ')}) throw new TypeError('a refusal status is one of ${DENY_STATUSES.join(', ')}');
    return 'deny:' + code;
  }
  return '';
}

function responseHeaders(out, into) {
  if (out === undefined || out === null) return;
  if (typeof out !== 'object') throw new TypeError('handle must return nothing or { headers }, not ' + typeof out);
  headersOf(out, into);
}

function apply(r, headers) {
  for (var name in headers) {
    if (headers[name] === null) delete r.headersOut[name];
    else r.headersOut[name] = headers[name];
  }
}
`;

/**
 * The njs module of a set of functions, and the line each function's code starts on (njs reports
 * errors by line of the module: see explainNjsError). Each function's code is the body of its own
 * JavaScript function (`ngx`, `require` and `process` shadowed: no subrequests, no fetch), called per
 * request of its route; `request` (js_set: nginx keeps its value for the whole request, internal
 * redirects included, so it runs once) and `response` (the header filter) test the routes in order.
 */
export function functionsModule(specs: readonly EdgeFunctionSpec[]): { text: string; codeLines: { name: string; first: number; last: number }[] } {
  const lines = ['// Edge functions, written by the streams edge agent from the origin\'s functions; rewritten on every change.'];
  const codeLines: { name: string; first: number; last: number }[] = [];
  specs.forEach((spec, i) => {
    lines.push(`function fn_${i}(req, res, ngx, require, process) {`);
    const code = spec.code.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n');
    codeLines.push({ name: spec.name, first: lines.length + 1, last: lines.length + code.length });
    lines.push(...code, `;if (typeof handle !== 'function') throw new Error('function "${spec.name}" defines no handle(req, res)');`, 'return handle(req, res);', '}');
  });
  const tag = (spec: EdgeFunctionSpec): string => JSON.stringify(`{"f":${JSON.stringify(spec.name)},"v":${spec.version},"ms":`);
  const test = (spec: EdgeFunctionSpec, on: string): string => `/${routeRegexSource(spec.route)}/.test(${on})`;
  const requests = specs.map((spec, i) => ({ spec, i })).filter(({ spec }) => spec.phase === 'request');
  const responses = specs.map((spec, i) => ({ spec, i })).filter(({ spec }) => spec.phase === 'response');
  lines.push(HELPERS, 'function request(r) {', '  var uri = r.uri;', "  var req = null, headers = null, decision = '', log = '', t0;");
  for (const { spec, i } of requests) {
    lines.push(
      `  if (!decision && ${test(spec, 'uri')}) {`,
      '    if (req === null) { req = reqOf(r, uri); headers = {}; }',
      '    t0 = Date.now();',
      `    try { decision = decide(fn_${i}(req), headers); log += (log ? '\\n' : '') + line(${tag(spec)}, Date.now() - t0); }`,
      `    catch (e) { log += (log ? '\\n' : '') + line(${tag(spec)}, Date.now() - t0, problem(e)); decision = 'error'; }`,
      '  }',
    );
  }
  lines.push(
    '  if (log) r.variables.edge_fn_log = log;',
    // Headers set now stay on whatever answers (a file, the origin's answer, a refusal): no header filter needed.
    "  if (headers !== null && decision !== 'error') apply(r, headers);",
    '  return decision;',
    '}',
    'function response(r) {',
  );
  if (responses.length > 0) {
    // The path the viewer asked for (the edge's own internal locations put a prefix before it).
    lines.push("  var path = r.uri.replace(/^\\/_edge_[a-z]+(?=\\/)/, '');", "  var req = null, log = '', t0, h;");
    for (const { spec, i } of responses) {
      lines.push(
        `  if (${test(spec, 'path')}) {`,
        '    if (req === null) req = reqOf(r, path);',
        '    t0 = Date.now();',
        '    h = {};',
        // A response function that throws: the answer goes out without its headers (see the header above).
        `    try { responseHeaders(fn_${i}(req, { status: r.status, headers: r.headersOut }), h); log += (log ? '\\n' : '') + line(${tag(spec)}, Date.now() - t0); apply(r, h); }`,
        `    catch (e) { log += (log ? '\\n' : '') + line(${tag(spec)}, Date.now() - t0, problem(e)); }`,
        '  }',
      );
    }
    lines.push('  if (log) { var before = r.variables.edge_fn_log; r.variables.edge_fn_log = before ? before + \'\\n\' + log : log; }');
  }
  lines.push('}', 'export default { request: request, response: response };', '');
  return { text: lines.join('\n'), codeLines };
}

/** The directives of a set of functions: at http level, at the public server's level, and in each of its locations. */
export function functionsConf(specs: readonly EdgeFunctionSpec[], logFile: string): { http: string[]; server: string[]; location: string[] } {
  if (specs.length === 0) return { http: [], server: [], location: [] };
  const requestRoutes = [...new Set(specs.filter((s) => s.phase === 'request').map((s) => routeRegexSource(s.route)))];
  const http = [
    `js_import edgefn from ${FUNCTIONS_NJS_FILE};`,
    'js_var $edge_fn_log;',
    'js_var $edge_fn_applied;',
    'log_format edge_fn escape=json \'{"t":$msec,"u":"$uri","s":$status,"fn":"$edge_fn_log"}\';',
    // Buffered like the hit log (a write per request costs a hit's worth of worker time); the agent counts within a second.
    `access_log ${logFile} edge_fn buffer=64k flush=1s if=$edge_fn_log;`,
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
  // The header filter only for response functions (each njs call costs a hit's worth of worker time: bench/edge).
  return { http, server, location: specs.some((s) => s.phase === 'response') ? ['js_header_filter edgefn.response;'] : [] };
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
