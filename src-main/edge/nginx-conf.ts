import path from 'node:path';
import { EDGE_PROBE_ORIGIN_PATH, EDGE_PROBE_PATH } from '../../src-shared/contract/cdn.js';

/**
 * The nginx configuration of an edge: a caching reverse proxy of the origin's `/live/...` paths.
 *
 * - Cache key `<uri>|<variant>`: `s` for requests whose signature njs verified, `p` for unsigned ones,
 *   so that an object fetched with a valid signature is never handed to an unsigned request. Query
 *   strings (viewer ids, signatures) are not part of the key: one copy serves every viewer. LL-HLS
 *   playlist requests add their `_HLS_msn`/`_HLS_part`/`_HLS_skip` (see `hlsKeyMaps`).
 * - Freshness comes from the origin (Cache-Control: playlists max-age=1, segments max-age=600,
 *   X-Accel-Expires on 404s); `proxy_cache_valid` only applies where the origin says nothing.
 * - `proxy_cache_lock` (one origin fetch per object however many viewers ask at once) only where a
 *   waiter can afford nginx's re-check of a locked entry, every 500 ms (hard-coded): standard segments
 *   and init files; playlists and low-latency parts and segments wait 100 ms at most (see `LOW_LATENCY`).
 * - `proxy_cache_use_stale`: when the origin fails, the last copy is served (media objects also while
 *   they are refreshed; playlists never: see staleWhileUpdating).
 * - A control server on 127.0.0.1 purges keys (cache-purge module) and refreshes them (soft purge:
 *   the origin is asked again, the old copy stays when it cannot answer).
 */

export interface EdgeNginxOptions {
  /** The edge's own folder: pid, temp paths, logs, njs script. */
  dir: string;
  cacheDir: string;
  /** `max_size` of the cache, e.g. `1g`. */
  cacheSize: string;
  /** Public listener. */
  port: number;
  bind: string;
  /** Purge/refresh listener, 127.0.0.1 only. */
  controlPort: number;
  /** The agent's own HTTP server (metrics, health), proxied at `/metrics` and `/edge/health`. */
  agentPort: number;
  /** Origin base URL, e.g. `http://origin.example:8080`. */
  origin: string;
  /** URL signing keys; njs verifies with both during a rotation. */
  keys: { current: string; previous: string | null };
  /** Where the dynamic modules live (Debian: /usr/lib/nginx/modules). */
  modulesDir: string;
  workerProcesses?: number;
  /** Hot tier: size of the in-memory keys zone, e.g. `32m`. */
  keysZone?: string;
  /** Under a root master: the user and group the workers run as (`user` directive). */
  workerUser?: { user: string; group: string };
}

/** The temp folders (under `dir`) nginx's workers write request and response bodies to. */
export const TEMP_DIRS = ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi'] as const;

export const ACCESS_LOG = 'access.json.log';
export const ERROR_LOG = 'error.log';
export const NJS_FILE = 'edge-signing.js';

/** One JSON object per request (see access-log.ts for the reader). */
const LOG_FORMAT =
  '\'{"t":$msec,"m":"$request_method","u":"$uri","s":$status,"b":$body_bytes_sent,"rt":$request_time,' +
  '"c":"$upstream_cache_status","up":"$upstream_addr","k":"$upstream_http_surrogate_key","v":"$edge_variant","pf":"$http_x_edge_prefetch"}\'';

/** A double-quoted nginx string; values that nginx would expand or split are refused. */
export function quote(value: string): string {
  if (/["\\$\r\n]/.test(value)) throw new Error(`not allowed in the nginx config: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

export function originParts(origin: string): { scheme: 'http' | 'https'; server: string; hostHeader: string } {
  const url = new URL(origin);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the origin must be an http(s) URL: ${origin}`);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port || (scheme === 'https' ? '443' : '80');
  return { scheme, server: `${url.hostname}:${port}`, hostHeader: url.host };
}

/**
 * Low-latency requests (blocking playlist reloads, preload-hinted parts, LL-DASH segments in progress)
 * are held by the origin until the object exists, and the origin answers every waiter of one object at
 * the same instant: it collapses identical requests itself. Measured (bench/edge-ll, 20 identical
 * requests for a part that appears 200 ms after the first): with `proxy_cache_lock` the waiters got it
 * ~310 ms after the origin answered (the 500 ms re-check), without it ~5 ms, for 20 origin requests
 * instead of 1. A part lasts 200 ms. So the lock waits 100 ms at most (`proxy_cache_lock_timeout`):
 * a complete object (a finished segment 500 viewers ask for at once) still costs one origin fetch,
 * since it is cached within those 100 ms (measured: max 102 ms, 1 fetch), while a waiter of an object
 * that is still being produced gives up after 100 ms and asks the origin itself, uncached.
 * - `proxy_read_timeout`: the origin may hold a blocking request up to three target durations.
 * - 404s: the origin marks "not produced yet" `no-store` + `X-Accel-Expires: 0` (honoured: nothing is
 *   ignored); one without those is kept 1 s only, as the object may appear within the next part.
 * - Buffering stays on, so that a complete answer is cached. nginx passes a partly filled buffer on
 *   only when the response ends, so a response the origin is still writing (chunked) must carry
 *   `X-Accel-Buffering: no`: it then streams through as written, and is not cached; the next request,
 *   once the object is complete, is.
 */
const LOW_LATENCY = { lock: true, lockTimeout: '100ms', readTimeout: '20s', notFoundTtl: '1s' } as const;

interface CachePolicy {
  key: string;
  /** For 200/206 answers without Cache-Control or X-Accel-Expires. */
  ttl: string;
  lock: boolean;
  /** How long a request waits for another's fetch of the same object before it asks the origin itself. */
  lockTimeout?: string;
  readTimeout: string;
  notFoundTtl: string;
  /**
   * Answer an expired copy at once while refreshing it in the background. Right for immutable media;
   * wrong for playlists: after a quiet spell the first viewer would get a playlist tens of seconds old
   * and start that far behind live (measured: LL-HLS joins 31-38 s late). Stale copies are still served
   * when the origin fails.
   */
  staleWhileUpdating: boolean;
}

/** The proxy/caching directives shared by the live locations. */
function cacheBlock(scheme: string, hostHeader: string, p: CachePolicy): string[] {
  return [
    `proxy_pass ${scheme}://edge_origin;`,
    'proxy_ssl_server_name on;',
    `proxy_set_header Host ${quote(hostHeader)};`,
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_http_version 1.1;',
    'proxy_set_header Connection "";',
    'proxy_cache edge;',
    `proxy_cache_key "${p.key}";`,
    `proxy_cache_valid 200 206 ${p.ttl};`,
    `proxy_cache_valid 404 ${p.notFoundTtl};`,
    ...(p.lock
      ? ['proxy_cache_lock on;', `proxy_cache_lock_timeout ${p.lockTimeout ?? '30s'};`, `proxy_cache_lock_age ${p.lockTimeout ?? '30s'};`]
      : ['proxy_cache_lock off;']),
    `proxy_cache_use_stale error timeout invalid_header${p.staleWhileUpdating ? ' updating' : ''} http_500 http_502 http_503 http_504;`,
    `proxy_cache_background_update ${p.staleWhileUpdating ? 'on' : 'off'};`,
    'proxy_cache_revalidate on;',
    'proxy_connect_timeout 3s;',
    `proxy_read_timeout ${p.readTimeout};`,
    'proxy_next_upstream off;',
    'add_header X-Cache $upstream_cache_status always;',
    // Once, on answers of the edge itself (403, 404) as on proxied ones.
    'proxy_hide_header Access-Control-Allow-Origin;',
    'add_header Access-Control-Allow-Origin * always;',
  ];
}

const MEDIA_KEY = '$uri|$edge_variant';

/**
 * `$edge_hls_key`: empty for a plain request (today's key), else `|msn=<n>&part=<n>&skip=<v>` from
 * the request's `_HLS_msn`, `_HLS_part`, `_HLS_skip`, so that identical blocking requests share one
 * entry and different ones never share an answer. Names are matched case-sensitively, first
 * occurrence, as the origin reads them (nginx's `$arg_*` would not be); numbers lose leading zeros.
 * A request with a percent-encoded argument name (which the origin would decode and the maps would not
 * see) is neither served from nor stored in the cache (`$edge_args_odd`), so that a delta or blocking
 * answer can never land under the plain key.
 */
function hlsKeyMaps(): string[] {
  const arg = (name: string, label: string, numeric: boolean): string =>
    `map $args $edge_hls_${label} { ${numeric ? `"~(?:^|&)_HLS_${name}=0*(?<hls_${label}>[0-9]+)(?:&|$)" "${label}=$hls_${label}"; ` : ''}` +
    `"~(?:^|&)_HLS_${name}=(?<hls_${label}_raw>[^&]*)" "${label}=$hls_${label}_raw"; default ""; }`;
  return [
    arg('msn', 'msn', true),
    arg('part', 'part', true),
    arg('skip', 'skip', false),
    'map "$edge_hls_msn&$edge_hls_part&$edge_hls_skip" $edge_hls_key { "&&" ""; default "|$edge_hls_msn&$edge_hls_part&$edge_hls_skip"; }',
    'map $args $edge_args_odd { "~(?:^|&)[^=&]*%" 1; default 0; }',
  ];
}

export function buildNginxConf(o: EdgeNginxOptions): string {
  const { scheme, server, hostHeader } = originParts(o.origin);
  const d = (name: string): string => quote(path.join(o.dir, name));
  const indent = (lines: string[], n: number): string => lines.map((l) => ' '.repeat(n) + l).join('\n');
  const forbidden =
    'return 403 \'{"error":{"code":"FORBIDDEN","message":"signed URL refused ($edge_sig)","details":{"reason":"$edge_sig"}}}\';';
  return `# Written by the streams edge agent; rewritten on every start and key rotation.
load_module ${quote(path.join(o.modulesDir, 'ngx_http_js_module.so'))};
load_module ${quote(path.join(o.modulesDir, 'ngx_http_cache_purge_module.so'))};
daemon off;
master_process on;
${o.workerUser ? `user ${quote(o.workerUser.user)} ${quote(o.workerUser.group)};\n` : ''}worker_processes ${o.workerProcesses ?? 'auto'};
pid ${d('nginx.pid')};
error_log ${d(ERROR_LOG)} warn;
events { worker_connections 4096; }

http {
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    server_tokens off;
    client_body_temp_path ${d('tmp/body')};
    proxy_temp_path ${d('tmp/proxy')};
    fastcgi_temp_path ${d('tmp/fastcgi')};
    uwsgi_temp_path ${d('tmp/uwsgi')};
    scgi_temp_path ${d('tmp/scgi')};

    log_format edge_json escape=json ${LOG_FORMAT};
    access_log ${d(ACCESS_LOG)} edge_json;
    # Background cache updates are subrequests: logged, so that fresh playlists trigger prefetch.
    log_subrequest on;

    proxy_cache_path ${quote(o.cacheDir)} levels=1:2 keys_zone=edge:${o.keysZone ?? '32m'} max_size=${o.cacheSize} inactive=1h use_temp_path=off;

    js_path ${quote(o.dir)};
    js_import signing from ${NJS_FILE};
    js_set $edge_sig_njs signing.verdict;
    # njs runs only for requests that carry signature parameters; the rest read "none" from the map.
    map "$arg_exp$arg_sig" $edge_sig { "" none; default $edge_sig_njs; }
    map $edge_sig $edge_variant { ok s; default p; }
    map $edge_sig $edge_refused { ok 0; none 0; default 1; }
${indent(hlsKeyMaps(), 4)}

    upstream edge_agent { server 127.0.0.1:${o.agentPort}; }
    upstream edge_origin { server ${server}; keepalive 32; }

    server {
        listen ${o.bind}:${o.port};
        default_type application/json;
        set $sign_key_current ${quote(o.keys.current)};
        set $sign_key_previous ${quote(o.keys.previous ?? '')};

        location = /metrics { proxy_pass http://edge_agent; }
        location = /edge/health { proxy_pass http://edge_agent; }

        # The agent's data-plane probe: the viewers' path (origin upstream, cache lookup and store in
        # the cache folder), for a tiny origin object kept 1 s.
        location = ${EDGE_PROBE_PATH} {
            access_log off;
            proxy_pass ${scheme}://edge_origin${EDGE_PROBE_ORIGIN_PATH};
            proxy_ssl_server_name on;
            proxy_set_header Host ${quote(hostHeader)};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache edge;
            proxy_cache_key "edge-probe";
            proxy_cache_valid 200 1s;
            proxy_connect_timeout 3s;
            proxy_read_timeout 5s;
            add_header X-Cache $upstream_cache_status always;
        }

        # Low-latency parts and segments: held by the origin until they exist, or streamed while written.
        location ~ ^/live/[^/]+/s/[^/]+/(?:part|seg)- {
            if ($edge_refused) { ${forbidden} }
${indent(cacheBlock(scheme, hostHeader, { key: MEDIA_KEY, ttl: '10m', ...LOW_LATENCY, staleWhileUpdating: true }), 12)}
        }

        # Standard segments and init files (immutable once written, answered at once).
        location ~ ^/live/[^/]+/s/ {
            if ($edge_refused) { ${forbidden} }
${indent(cacheBlock(scheme, hostHeader, { key: MEDIA_KEY, ttl: '10m', lock: true, readTimeout: '15s', notFoundTtl: '60s', staleWhileUpdating: true }), 12)}
        }

        # Playlists and manifests (about a second); LL-HLS blocking reloads and delta updates. No lock:
        # a plain playlist has one origin request in flight at a time once cached (stale-while-updating).
        location /live/ {
            if ($edge_refused) { ${forbidden} }
            proxy_cache_bypass $edge_args_odd;
            proxy_no_cache $edge_args_odd;
${indent(cacheBlock(scheme, hostHeader, { key: `${MEDIA_KEY}$edge_hls_key`, ttl: '1s', ...LOW_LATENCY, staleWhileUpdating: false }), 12)}
        }

        location / { return 404 '{"error":{"code":"NOT_FOUND","message":"an edge serves /live/ only"}}'; }
    }

    server {
        listen 127.0.0.1:${o.controlPort};
        set $sign_key_current "";
        set $sign_key_previous "";

        # Hard purge: /purge/<variant>/<uri>
        location ~ ^/purge/(?<pv>[sp])(?<pu>/.*)$ {
            allow 127.0.0.1;
            deny all;
            proxy_cache_purge edge "$pu|$pv";
        }

        # Soft purge: fetch again into the cache; the old copy stays if the origin fails.
        location ~ ^/refresh/(?<rv>[sp])(?<ru>/.*)$ {
            allow 127.0.0.1;
            deny all;
            proxy_pass ${scheme}://edge_origin$ru$is_args$args;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host ${quote(hostHeader)};
            proxy_cache edge;
            proxy_cache_key "$ru|$rv";
            proxy_cache_bypass 1;
            proxy_cache_valid 200 206 1s;
            proxy_cache_valid 404 60s;
            proxy_connect_timeout 3s;
            proxy_read_timeout 15s;
        }
    }
}
`;
}
