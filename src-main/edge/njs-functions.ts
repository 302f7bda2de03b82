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
 *   this one's), and a call is interpreted. Measured per use in njs 0.7.9 (a loop in js_content): a
 *   RegExp test or replace 1.2-1.7 us (a playlist hit is ~10 us by itself), `startsWith` 0.05, an
 *   `indexOf` 0.2, the full `req` object 0.5; and every object, call and variable write of the wrapper
 *   adds up besides. So no RegExp on the way of a call that goes well (routes are string tests, header
 *   checks one native call each), and `req`/`res` carry only what the code names. Two functions (one
 *   per phase) keep 0.77x of a 200 KB segment hit's req/s and 0.37x of a playlist hit's (0.68x and
 *   0.30x with the RegExps); the same two headers written by hand in njs keep a static nginx at
 *   0.95x and 0.77x: the rest is the wrapper (timing, the call's log line, checks, isolation), ~13 us
 *   over the hand-written pair on a playlist hit. Functions run only on their routes: a route as narrow
 *   as the need (`/live/*\/index.m3u8`) keeps the rest at full speed.
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

// The headers a function returned, checked and copied into \`into\` (a null removes). The checks of all
// names and of all values are one native call each on their concatenation (a RegExp costs ~1.5 us per
// use in njs 0.7, a whole hit's worth): any name that encodeURIComponent keeps as it is, without ( or ),
// is an RFC 9110 token; only a name that is not goes through the token RegExp.
function headersOf(out, into) {
  if (out.headers === undefined) return;
  if (out.headers === null || typeof out.headers !== 'object') throw new TypeError('headers must be an object of name: value');
  var names = '', values = '', name, value;
  for (name in out.headers) {
    value = out.headers[name];
    if (name === '') throw new TypeError('not a header name: (empty)');
    names += name;
    if (value !== null) {
      if (typeof value !== 'string') value = String(value);
      values += value;
    }
    into[name] = value;
  }
  if (encodeURIComponent(names) !== names || names.indexOf('(') >= 0 || names.indexOf(')') >= 0) {
    for (name in out.headers) if (!/^[!#$%&'*+.^_\`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError('not a header name: ' + name);
  }
  if (values.indexOf('\\n') >= 0 || values.indexOf('\\r') >= 0) {
    for (name in out.headers) if (into[name] !== null && (into[name].indexOf('\\n') >= 0 || into[name].indexOf('\\r') >= 0)) throw new TypeError('a header value may not hold a line break: ' + name);
  }
}

// Whether s has no / between from and to (a route's single *).
function noSlash(s, from, to) {
  var at = s.indexOf('/', from);
  return at < 0 || at >= to;
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

/** The properties of `req` (and `res`) and where njs reads them. */
const REQ_PROPERTIES = { method: 'r.method', uri: '', args: 'r.args', headers: 'r.headersIn', remoteAddress: 'r.remoteAddress' } as const;
const RES_PROPERTIES = { status: 'r.status', headers: 'r.headersOut' } as const;
/** Code that may read an object's properties without naming them. */
const ENUMERATES = /\bObject\s*\.|\bJSON\s*\.|\bin\s+[A-Za-z_$][\w$]*\s*\)|\.\.\.|\bReflect\b/;

/**
 * The object literal a phase hands its functions, with only the properties their code names (each is a
 * native read and a string or object made per request in njs: ~0.1 us each, the whole object ~0.5 us of
 * a hit's ~10). Code that could read a property without naming it (enumerating, serialising) gets all.
 */
function objectSource(codes: readonly string[], properties: Readonly<Record<string, string>>, own: Readonly<Record<string, string>> = {}): string {
  const all = codes.some((code) => ENUMERATES.test(code));
  const named = Object.entries(properties).filter(([name]) => all || codes.some((code) => new RegExp(`\\b${name}\\b`).test(code)));
  return named.length === 0 ? '{}' : `{ ${named.map(([name, from]) => `${name}: ${own[name] ?? from}`).join(', ')} }`;
}
const reqSource = (codes: readonly string[], uri: string): string => objectSource(codes, REQ_PROPERTIES, { uri });
const resSource = (code: string): string => objectSource([code], RES_PROPERTIES);

/**
 * A route's test as njs string operations (a RegExp costs ~1.5 us per use in njs 0.7, `startsWith`
 * ~0.05): a path, `prefix**`, `prefix**suffix`, `**suffix` and `prefix*suffix`; any other pattern its RegExp.
 */
export function routeTestSource(route: string, on: string): string {
  const parts = route.split(/(\*\*|\*)/);
  const literals = parts.filter((_, k) => k % 2 === 0);
  const stars = parts.filter((_, k) => k % 2 === 1);
  const q = (text: string): string => JSON.stringify(text);
  if (stars.length === 0) return `${on} === ${q(route)}`;
  if (stars.length === 1) {
    const [prefix, suffix] = literals as [string, string];
    const checks = [];
    if (suffix !== '') checks.push(`${on}.length >= ${prefix.length + suffix.length}`);
    if (prefix !== '') checks.push(`${on}.startsWith(${q(prefix)})`);
    if (suffix !== '') checks.push(`${on}.endsWith(${q(suffix)})`);
    if (stars[0] === '*') checks.push(`noSlash(${on}, ${prefix.length}, ${on}.length - ${suffix.length})`);
    return checks.length === 0 ? 'true' : `(${checks.join(' && ')})`;
  }
  return `/${routeRegexSource(route)}/.test(${on})`;
}

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
  const requests = specs.map((spec, i) => ({ spec, i })).filter(({ spec }) => spec.phase === 'request');
  const responses = specs.map((spec, i) => ({ spec, i })).filter(({ spec }) => spec.phase === 'response');
  // The request phase runs only when nginx's map found one of the request routes: with one route, no test here.
  const oneRequestRoute = new Set(requests.map(({ spec }) => routeRegexSource(spec.route))).size === 1;
  const test = (spec: EdgeFunctionSpec, on: string): string => (spec.phase === 'request' && oneRequestRoute ? 'true' : routeTestSource(spec.route, on));
  lines.push(HELPERS, 'function request(r) {', '  var uri = r.uri;', "  var req = null, headers = null, decision = '', log = '', t0;");
  for (const { spec, i } of requests) {
    lines.push(
      `  if (!decision && ${test(spec, 'uri')}) {`,
      `    if (req === null) { req = ${reqSource(requests.map(({ spec }) => spec.code), 'uri')}; headers = {}; }`,
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
    lines.push("  var path = r.uri;", "  if (path.startsWith('/_edge_')) path = path.slice(path.indexOf('/', 1));", "  var req = null, log = '', t0, h;");
    for (const { spec, i } of responses) {
      lines.push(
        `  if (${test(spec, 'path')}) {`,
        `    if (req === null) req = ${reqSource(responses.map(({ spec }) => spec.code), 'path')};`,
        '    t0 = Date.now();',
        '    h = {};',
        // A response function that throws: the answer goes out without its headers (see the header above).
        `    try { responseHeaders(fn_${i}(req, ${resSource(spec.code)}), h); log += (log ? '\\n' : '') + line(${tag(spec)}, Date.now() - t0); apply(r, h); }`,
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
