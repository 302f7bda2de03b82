/**
 * Edge functions as an operator writes them: the route pattern, the phases, what a function may return,
 * and the templates the Edges page offers. Pure: shared by the API's checks, the edge's njs module
 * (src-main/edge/njs-functions.ts) and the form.
 *
 * A function is njs JavaScript defining `function handle(req, res)`:
 * - `req`: `{ method, uri, args, headers, remoteAddress }` (header names in lower case; a copy, not
 *   nginx's request object: a function makes no subrequests);
 * - phase `request` (before the edge looks anything up): return nothing to go on, or an object with
 *   `redirect` (an URL; `status` 301, 302, 303, 307 or 308, default 302), `rewrite` (another path on this
 *   edge, e.g. the other ladder of an A/B test), `status` alone to refuse (one of DENY_STATUSES), and
 *   `headers` to add to the answer;
 * - phase `response` (as the answer's headers go out): `res` is `{ status, headers }`; return
 *   `{ headers: { name: value | null } }` to set or (null) remove headers.
 * A request function that throws answers that request 500; a response function that throws leaves the
 * answer as it was (njs cannot change the status of a proxied answer from a header filter). Either way
 * only requests of its route run it, and the error is counted.
 */

export type EdgeFunctionPhase = 'request' | 'response';

export const EDGE_FUNCTION_NAME_RE = /^[a-z][a-z0-9-]{0,47}$/;
/** The statuses a request function may refuse with (nginx's `return` takes them as literals). */
export const DENY_STATUSES = [400, 401, 403, 404, 405, 410, 429, 451, 503] as const;
export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;
export const EDGE_FUNCTION_CODE_MAX = 32 * 1024;

/**
 * A route pattern: a path starting with `/`; `*` matches within one path segment, `**` across segments.
 * E.g. `/live/**`, `/live/*\/index.m3u8`, `/vod/**`. Letters, digits and `/ . _ - ~ * %` only.
 */
export const ROUTE_RE = /^\/[A-Za-z0-9/._~%*-]{0,200}$/;

/** Why `route` is not a pattern, or null. */
export function routeProblem(route: string): string | null {
  if (!ROUTE_RE.test(route)) return 'a path starting with /, of letters, digits and / . _ - ~ % *, e.g. /live/** or /live/*/index.m3u8';
  if (/\*{3,}/.test(route)) return 'use * (within a path segment) or ** (across segments)';
  return null;
}

/** The regular expression (source, anchored) a route pattern stands for: the same in JavaScript and in nginx's PCRE. */
export function routeRegexSource(route: string): string {
  let out = '^';
  for (let i = 0; i < route.length; i++) {
    const c = route[i]!;
    if (c === '*') {
      if (route[i + 1] === '*') {
        out += '.*';
        i++;
      } else out += '[^/]*';
    } else if (/[A-Za-z0-9/_~%-]/.test(c)) out += c === '/' ? '\\/' : c;
    else out += `\\${c}`;
  }
  return `${out}$`;
}

export function routeMatches(route: string, path: string): boolean {
  return new RegExp(routeRegexSource(route)).test(path);
}

export interface EdgeFunctionTemplate {
  id: string;
  title: string;
  description: string;
  name: string;
  route: string;
  phase: EdgeFunctionPhase;
  code: string;
}

/** What the Edges page offers to start from (GET /api/v1/cdn/function-templates). */
export const EDGE_FUNCTION_TEMPLATES: readonly EdgeFunctionTemplate[] = [
  {
    id: 'region-redirect',
    title: 'Region redirect',
    description: 'Sends viewers to the edge of their region, from a ?region= argument or a geo header set by a load balancer (X-Region, CF-IPCountry).',
    name: 'region-redirect',
    route: '/live/**',
    phase: 'request',
    code: `// Where each region's viewers play. Requests already at their edge go on.
var EDGES = {
  eu: 'https://eu.edge.example.com',
  us: 'https://us.edge.example.com',
};

function handle(req) {
  var region = req.args.region || req.headers['x-region'] || req.headers['cf-ipcountry'];
  var target = region && EDGES[String(region).toLowerCase()];
  // Already at that region's edge: go on.
  if (!target || target.split('//')[1] === req.headers.host) return;
  var query = [];
  for (var k in req.args) if (k !== 'region') query.push(k + '=' + encodeURIComponent(req.args[k]));
  return { redirect: target + req.uri + (query.length ? '?' + query.join('&') : ''), status: 302 };
}
`,
  },
  {
    id: 'token-check',
    title: 'Token check',
    description: 'Refuses requests without the shared token (a ?token= argument or an X-Token header): 403.',
    name: 'token-check',
    route: '/live/**',
    phase: 'request',
    code: `// Change this token, or compare against a list of them.
var TOKEN = 'change-me';

function handle(req) {
  var given = req.args.token || req.headers['x-token'];
  if (given !== TOKEN) return { status: 403, headers: { 'X-Denied-By': 'token-check' } };
}
`,
  },
  {
    id: 'ab-ladders',
    title: 'A/B of two ladders',
    description: 'Half the viewers (by address) play another stream\'s ladder: the master playlist of stream A is answered with stream B\'s.',
    name: 'ab-ladders',
    route: '/live/show-a/index.m3u8',
    phase: 'request',
    code: `// Viewers whose address hashes odd get stream "show-b" instead of "show-a".
function handle(req) {
  var h = 0;
  var a = String(req.remoteAddress);
  for (var i = 0; i < a.length; i++) h = (h * 31 + a.charCodeAt(i)) >>> 0;
  if (h % 2 === 1) return { rewrite: '/live/show-b/index.m3u8', headers: { 'X-Variant': 'b' } };
  return { headers: { 'X-Variant': 'a' } };
}
`,
  },
  {
    id: 'cors',
    title: 'CORS',
    description: 'Lets the listed sites embed the player: Access-Control-Allow-Origin for them only, with Vary: Origin.',
    name: 'cors',
    route: '/live/**',
    phase: 'response',
    code: `var ALLOWED = ['https://www.example.com', 'https://example.com'];

function handle(req, res) {
  var origin = req.headers.origin;
  if (origin && ALLOWED.indexOf(origin) >= 0) {
    return { headers: { 'Access-Control-Allow-Origin': origin, 'Vary': 'Origin' } };
  }
  return { headers: { 'Access-Control-Allow-Origin': null } };
}
`,
  },
];
