import path from 'node:path';
import { EDGE_PROBE_ORIGIN_PATH, EDGE_PROBE_PATH } from '../../src-shared/contract/cdn.js';
import type { EdgeFunctionSpec } from '../../src-shared/contract/cdn.js';
import { FUNCTION_LOG, functionsConf } from './njs-functions.js';
import { PLAYLIST_CACHE_CONTROL } from './playlist-plan.js';

/**
 * The nginx configuration of an edge: a caching reverse proxy of the origin's `/live/...` and `/vod/...`
 * paths.
 *
 * - Two tiers (see `MIRROR` for the measurements): immutable media (standard live segments and init
 *   files, VOD segments, signed recording downloads) are kept as plain files in a mirror tree that nginx
 *   serves as static files; a miss falls back to a loopback server whose `proxy_cache` (zone
 *   `edge_fill`, with the cache lock) fetches the origin once however many viewers miss at once, and
 *   `proxy_store` writes the answer into the mirror. Live playlists and manifests that viewers ask for
 *   are files too, kept fresh by the agent (playlist-plan.ts); everything else (the first request of a
 *   playlist, LL-HLS blocking and delta requests, LL parts and LL segments, the probe) stays in
 *   `proxy_cache` zones `edge_live` and `edge`.
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
  /** Holds `hot/` (zone edge), `live/`, `fill/` (zone edge_fill), `mirror/{s,p}/`, `playlists/{s,p}/` and `store-tmp/`; see `cacheLayout`. */
  cacheDir: string;
  /** The whole disk budget, e.g. `1g`; split by `cacheBudget`. */
  cacheSize: string;
  /** Public listener. */
  port: number;
  bind: string;
  /** Purge/refresh listener, 127.0.0.1 only. */
  controlPort: number;
  /** The fill server (misses of mirrored objects), 127.0.0.1 only. */
  fillPort: number;
  /** The agent's own HTTP server (metrics, health), proxied at `/metrics` and `/edge/health`. */
  agentPort: number;
  /** Origin base URL, e.g. `http://origin.example:8080`. */
  origin: string;
  /** URL signing keys; njs verifies with both during a rotation. The host's JWT keys (by kid) too. */
  keys: { current: string; previous: string | null; jwt?: { kid: string; secret: string }[] };
  /** Where the dynamic modules live (Debian: /usr/lib/nginx/modules). */
  modulesDir: string;
  workerProcesses?: number;
  /** Hot tier: size of the in-memory keys zone, e.g. `32m`. */
  keysZone?: string;
  /** Counted up by every (re)write: the control server answers it at /generation once nginx applied it. */
  generation?: number;
  /** Edge functions (njs-functions.ts): the module is written beside the config (FUNCTIONS_NJS_FILE). */
  functions?: readonly EdgeFunctionSpec[];
  /** Under a root master: the user and group the workers run as (`user` directive). */
  workerUser?: { user: string; group: string };
}

/** The temp folders (under `dir`) nginx's workers write request and response bodies to. */
export const TEMP_DIRS = ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi'] as const;

/** Requests served without the origin (hits): written in 64 KB blocks, at least once a second. */
export const ACCESS_LOG = 'access.json.log';
/** Requests that reached an upstream (what entered a cache, with its tags): written at once, for purges. */
export const FETCH_LOG = 'fetch.json.log';
/** One playlist hit in this many is written to ACCESS_LOG, standing for them all (the last digit of the millisecond). */
export const PLAYLIST_HIT_SAMPLE = 10;
/** How long a line may wait in nginx's buffer of ACCESS_LOG. */
export const ACCESS_LOG_FLUSH_MS = 1000;
/** Requests of podcast episode files, with the listener's address and user agent (the origin counts downloads from them). */
export const PODCAST_LOG = 'podcast.json.log';
export const ERROR_LOG = 'error.log';
export const NJS_FILE = 'edge-signing.js';

/** One JSON object per request served without an upstream (the fields of LOG_FORMAT that are not empty then). */
const HIT_LOG_FORMAT =
  '\'{"t":$msec,"m":"$request_method","u":"$uri","s":$status,"b":$body_bytes_sent,"rt":$request_time,' +
  '"c":"$upstream_cache_status","v":"$edge_variant","pf":"$http_x_edge_prefetch","w":$edge_hit_weight}\'';

/** One JSON object per request (see access-log.ts for the reader). */
const LOG_FORMAT =
  '\'{"t":$msec,"m":"$request_method","u":"$uri","s":$status,"b":$body_bytes_sent,"rt":$request_time,' +
  '"c":"$upstream_cache_status","up":"$upstream_addr","k":"$upstream_http_surrogate_key","v":"$edge_variant","pf":"$http_x_edge_prefetch","f":"$upstream_http_x_edge_fill"}\'';

/** One JSON object per request of an episode's MP3 or M4A: who asked (address, user agent), what range went out and how much. */
const PODCAST_LOG_FORMAT =
  '\'{"t":$msec,"ip":"$remote_addr","ua":"$http_user_agent","m":"$request_method","u":"$uri","s":$status,"b":$body_bytes_sent,"cr":"$sent_http_content_range"}\'';

/** A podcast's files on the origin: its own edge fetches say so (podcasts/routes.ts), so that only listeners are counted there. */
const PODCAST_FETCH = 'proxy_set_header X-Streams-Edge 1;';

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
  /** The proxy_cache zone (see `CacheZone`); `edge` unless told. */
  zone?: CacheZone;
  /** Tell the origin the address viewers asked (X-Forwarded-Host): an encrypted MPD names its licence server there (the live zone always does). */
  forwardHost?: boolean;
  key: string;
  /** For 200/206 answers without Cache-Control or X-Accel-Expires. */
  ttl: string;
  lock: boolean;
  /** How long a request waits for another's fetch of the same object before it asks the origin itself. */
  lockTimeout?: string;
  readTimeout: string;
  notFoundTtl: string;
  /**
   * What an expired copy is good for while it is being refreshed:
   * - `background`: answered at once to everyone, refreshed in the background. Right for immutable
   *   media; wrong for playlists: after a quiet spell the first viewer would get a playlist tens of
   *   seconds old and start that far behind live (measured: LL-HLS joins 31-38 s late).
   * - `others`: the request that finds it expired fetches it (and waits, so it gets the new one); the
   *   requests that arrive during that fetch get the copy it replaces, instead of each going to the
   *   origin. Measured (bench/edge playlists, 100 connections): 1 origin request a second instead of
   *   ~50. The copy handed out is at most the zone's `inactive` (PLAYLIST_INACTIVE) plus max-age old, and only in a
   *   burst right after a quiet spell; measured under load (30 viewers, playlist rewritten every
   *   100 ms): age p99 2.04 s either way, max 2.6 s instead of 2.1 s.
   * - `never`.
   * Stale copies are still served when the origin fails.
   */
  staleWhileUpdating: 'background' | 'others' | 'never';
}

/** `edge`: LL parts and segments, VOD manifests; `edge_live`: live playlists; `edge_fill`: misses of mirrored objects. */
export type CacheZone = 'edge' | 'edge_live' | 'edge_fill';
export const CACHE_ZONES: readonly CacheZone[] = ['edge', 'edge_live', 'edge_fill'];

/**
 * For proxy_cache locations only. Measured on playlist hits: 12.5 -> 10.3 us of worker CPU per request.
 * The price, as for the playlist tier's files (PLAYLIST_FILE_CACHE): a purged object can still be
 * served from a worker's cached descriptor until nginx checks the name again, at most
 * `open_file_cache_valid` (1 s) after the purge. Seen in e2e/edge (a stream made private: one request
 * in three or so answered from the purged playlist 60 ms after the purge; none with this off). So a
 * purge is whole 1 s after the edge applied it. Not in the mirror's locations, whose files stay for
 * minutes and are served without a zone lookup.
 */
const OPEN_FILE_CACHE = ['open_file_cache max=10000 inactive=30s;', 'open_file_cache_valid 1s;', 'open_file_cache_min_uses 1;'];

/** How every request to the origin goes: its name for TLS and Host, kept-alive HTTP/1.1 connections. */
const originRequest = (hostHeader: string): string[] => [
  'proxy_ssl_server_name on;',
  `proxy_set_header Host ${quote(hostHeader)};`,
  'proxy_http_version 1.1;',
  'proxy_set_header Connection "";',
];

/** The proxy/caching directives shared by the live locations. */
function cacheBlock(scheme: string, hostHeader: string, p: CachePolicy): string[] {
  return [
    `proxy_pass ${scheme}://edge_origin;`,
    ...originRequest(hostHeader),
    // Behind the fill server's loopback hop, the viewer's address is already in the header.
    `proxy_set_header X-Forwarded-For ${p.zone === 'edge_fill' ? '$http_x_forwarded_for' : '$proxy_add_x_forwarded_for'};`,
    // The address viewers ask this edge by: where an encrypted stream's MPD sends their licence requests.
    ...(p.zone === 'edge_live' || p.forwardHost ? ['proxy_set_header X-Forwarded-Host $http_host;'] : []),
    `proxy_cache ${p.zone ?? 'edge'};`,
    `proxy_cache_key "${p.key}";`,
    `proxy_cache_valid 200 206 ${p.ttl};`,
    `proxy_cache_valid 404 ${p.notFoundTtl};`,
    ...(p.lock
      ? ['proxy_cache_lock on;', `proxy_cache_lock_timeout ${p.lockTimeout ?? '30s'};`, `proxy_cache_lock_age ${p.lockTimeout ?? '30s'};`]
      : ['proxy_cache_lock off;']),
    `proxy_cache_use_stale error timeout invalid_header${p.staleWhileUpdating !== 'never' ? ' updating' : ''} http_500 http_502 http_503 http_504;`,
    `proxy_cache_background_update ${p.staleWhileUpdating === 'background' ? 'on' : 'off'};`,
    'proxy_cache_revalidate on;',
    'proxy_connect_timeout 3s;',
    `proxy_read_timeout ${p.readTimeout};`,
    'proxy_next_upstream off;',
    'add_header X-Cache $upstream_cache_status always;',
    // Once, on answers of the edge itself (403, 404) as on proxied ones.
    'proxy_hide_header Access-Control-Allow-Origin;',
    'add_header Access-Control-Allow-Origin * always;',
    ...OPEN_FILE_CACHE,
  ];
}

const MEDIA_KEY = '$uri|$edge_variant';

/** How long the origin may take to answer a playlist request that does not block (it answers at once). */
const PLAYLIST_READ_TIMEOUT = '4s';

/**
 * Answers of last resort while the origin is cut off (the fleet bed's origin cut, bench/fleet): a
 * viewer that moves to this edge then, or an LL player whose blocking reload the origin cannot answer,
 * would otherwise get an error where the edge can still give the last playlist it had.
 * - Masters (`index.m3u8`): the origin mints a viewer id (sid) in each sid-less one and answers it
 *   `private`, so none is cached: every player's first request (and every move between edges) asks the
 *   origin. Each answer is also stored (`proxy_store`, ~1 KB) under `<cacheDir>/last/`; a 502/504 (the
 *   origin unreachable) is answered from that copy, the previous viewer's sid and all.
 * - LL-HLS blocking reloads: a 502/504 is answered with the plain playlist (internal redirect without
 *   the query): its cached or stale copy, which does not list the part asked for; the player asks again.
 * Measured on the fleet bed (origin cut 30 s, 300 viewers): before, every move between edges during the
 * cut failed on the master (504 after the 3 s connect timeout).
 */
export const LAST_RESORT_DIR = 'last';

/**
 * How long an unused playlist stays in zone `edge_live` (fleet2 hunk; was 3 s). With 3 s, the origin cut
 * of the fleet bed gave viewers 504s: stalled viewers move between edges (the failover rule), so an
 * edge left by every viewer of a rendition for 3 s had dropped that playlist, and the next viewer to
 * arrive got no stale copy (measured, 300 viewers, cut 30 s: hundreds of 504s on v<N>.m3u8; with 60 s,
 * none). The price: a request that arrives while a playlist unused for up to 60 s is refreshed gets
 * that old copy ('others'), instead of one at most 3 s old. A bound that does not depend on this would
 * be the origin's `stale-while-revalidate` with `updating` left out (nginx honours it).
 */
const PLAYLIST_INACTIVE = '60s';

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
    'map "$edge_hls_msn&$edge_hls_part&$edge_hls_skip" $edge_hls_key_args { "&&" ""; default "|$edge_hls_msn&$edge_hls_part&$edge_hls_skip"; }',
    // Most requests have no query: one hash lookup instead of four regexes (a playlist hit's budget is ~10 us).
    'map $args $edge_hls_key { "" ""; default $edge_hls_key_args; }',
    'map $args $edge_args_odd { "" 0; "~(?:^|&)[^=&]*%" 1; default 0; }',
    'map $edge_hls_msn $edge_blocking { "" 0; default 1; }',
    // A plain request (no LL-HLS argument, nothing odd) may be served from the playlist tier's file.
    'map "$edge_hls_key:$edge_args_odd" $edge_playlist_file { ":0" 1; default 0; }',
  ];
}

/**
 * Objects kept in the mirror (immutable: a name is never reused for other bytes): standard live
 * segments and init files (not LL parts and LL segments, which may be answered while still written),
 * and everything under `/vod/<id>/` but its playlists and manifests (VOD segment names carry the
 * conversion's generation; signed recording downloads). The agent purges and evicts by the same rule.
 */
export function isMirrored(uri: string): boolean {
  // A podcast's episode files and artwork; not its feeds, nor a subscriber's paths (never kept).
  if (uri.startsWith('/podcasts/')) return /^\/podcasts\/[^/]+\/(?:e|art)\//.test(uri);
  if (/^\/live\/[^/]+\/s\//.test(uri)) return !/^\/live\/[^/]+\/s\/[^/]+\/(?:part|seg)-/.test(uri);
  return /^\/vod\/[^/]+\/./.test(uri) && !/\.(?:m3u8|mpd)$/.test(uri);
}

/** Where each tier lives under `--cache-dir`. */
export function cacheLayout(cacheDir: string): { hot: string; live: string; fill: string; mirror: string; playlists: string; storeTmp: string } {
  return {
    playlists: path.join(cacheDir, 'playlists'),
    hot: path.join(cacheDir, 'hot'),
    live: path.join(cacheDir, 'live'),
    fill: path.join(cacheDir, 'fill'),
    mirror: path.join(cacheDir, 'mirror'),
    storeTmp: path.join(cacheDir, 'store-tmp'),
  };
}

/** `512m` -> bytes (nginx size units: none, k, m, g). */
export function parseSize(size: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(size.trim());
  if (!m) throw new Error(`not a size: ${size}`);
  return Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
}

/**
 * `--cache-size` split between the tiers: the mirror (evicted by the agent, oldest first) holds the
 * bulk, the media (70 %); the hot zone (LL parts and segments of the last minutes, VOD manifests)
 * 15 %; the playlists' zone 5 %; the fill zone only needs a missed object until the mirror has it (entries leave after 2 min
 * unused), a tenth. nginx's cache manager keeps the two zones under their `max_size`.
 */
export function cacheBudget(totalBytes: number): { mirror: number; hot: number; live: number; fill: number } {
  const hot = Math.floor(totalBytes * 0.15);
  const live = Math.floor(totalBytes * 0.05);
  const fill = Math.floor(totalBytes * 0.1);
  return { mirror: totalBytes - hot - live - fill, hot, live, fill };
}

/** A quoted path (checked by `quote`) followed by trusted variables. */
const withVariables = (fixed: string, variables: string): string => `${quote(fixed).slice(0, -1)}${variables}"`;

const kib = (bytes: number): string => `${Math.max(1024, Math.floor(bytes / 1024))}k`;

/**
 * Why a mirror (measured with bench/edge on this 2-core machine, wrk 100 connections, 1 worker each,
 * 200 KB segment): a `proxy_cache` hit served 0.33-0.45x the requests of static nginx (the cache file's
 * header is read and its stored upstream headers parsed again on every hit); a file of the mirror is
 * static nginx's own path: 21.8 vs 21.7 us of worker CPU per request, 0.71-1.04x the requests in runs
 * disturbed by other load (0.91x in the quiet one). `try_files` vs `error_page 404`, and the two `$uri`
 * maps below, made no difference within that noise (19.9-21.8 us). No `open_file_cache` here: a purged
 * file could be served from a cached descriptor. Misses take the loopback hop to the fill server
 * (nginx refuses `proxy_store` and `proxy_cache` in one location), whose lock keeps 500 simultaneous
 * misses at one origin fetch (mirror.int.test.ts).
 */
/**
 * The playlist tier's file location keeps descriptors (measured, worker CPU per hit of a 500-byte
 * playlist, same nginx, alternating: 7.6-8.6 us without, 5.7-6.7 us with; static nginx 6.0-6.7 us).
 * The price: a file replaced (renamed over) or deleted is still served from the cached descriptor
 * until nginx checks the name again, at most `open_file_cache_valid` (1 s, nginx's smallest) later.
 * So a copy is at most refresh period + fetch + 1 s old (~1.5 s; a proxy_cache copy with max-age=1
 * lives up to 2 s), and an idle or purged playlist may be served for up to 1 s after its file went.
 */
const PLAYLIST_FILE_CACHE = ['open_file_cache max=10000 inactive=10s;', 'open_file_cache_valid 1s;', 'open_file_cache_min_uses 1;'];

/** The origin's Content-Type of playlists and manifests (servers/hls/routes.ts), for the playlist tier's files. */
const PLAYLIST_TYPES = 'types { application/vnd.apple.mpegurl m3u8; application/dash+xml mpd; }';

const MIRROR_TYPES =
  'types { video/mp4 m4s mp4 m4v; audio/mp4 m4a; video/mp2t ts; audio/aac aac; text/vtt vtt; video/x-matroska mkv; image/jpeg jpg; audio/mpeg mp3; application/json json; }';

export function buildNginxConf(o: EdgeNginxOptions): string {
  const { scheme, server, hostHeader } = originParts(o.origin);
  const d = (name: string): string => quote(path.join(o.dir, name));
  const indent = (lines: string[], n: number): string => lines.map((l) => ' '.repeat(n) + l).join('\n');
  const layout = cacheLayout(o.cacheDir);
  const budget = cacheBudget(parseSize(o.cacheSize));
  const lastDir = path.join(o.cacheDir, LAST_RESORT_DIR);
  const fn = functionsConf(o.functions ?? [], d(FUNCTION_LOG));
  const forbidden =
    'return 403 \'{"error":{"code":"FORBIDDEN","message":"signed URL or token refused ($edge_sig)","details":{"reason":"$edge_sig"}}}\';';

  const playlistBlock = (p: Pick<CachePolicy, 'lock' | 'lockTimeout' | 'readTimeout' | 'notFoundTtl'>): string[] => [
    'proxy_cache_bypass $edge_args_odd;',
    'proxy_no_cache $edge_args_odd;',
    // A playlist is a few KB: read into the answer's buffer and written with the headers in one
    // writev, rather than corked writev + sendfile + uncork (measured 9.3 -> 8.7 us per hit).
    'sendfile off;',
    ...cacheBlock(scheme, hostHeader, { zone: 'edge_live', key: `${MEDIA_KEY}$edge_hls_key`, ttl: '1s', ...p, staleWhileUpdating: 'others' }),
  ];
  // A mirrored object: the file if the mirror has it (in the request's variant), else the fill server.
  const mirrorLocation = [
    `root ${withVariables(layout.mirror, '/$edge_variant')};`,
    'try_files $uri @edge_fill;',
    MIRROR_TYPES,
    'default_type application/octet-stream;',
    'add_header Cache-Control $edge_mirror_cache_control;',
    'add_header Content-Disposition $edge_disposition;',
    'add_header X-Cache HIT;',
    'add_header Access-Control-Allow-Origin * always;',
  ];
  return withFunctionFilter(`# Written by the streams edge agent; rewritten on every start and key rotation.
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
    log_format edge_hit escape=json ${HIT_LOG_FORMAT};
    log_format edge_podcast escape=json ${PODCAST_LOG_FORMAT};
    # Hits are written in blocks (a JSON line per request cost ~1 us of a playlist hit's 8-12 us of worker
    # CPU, most of it the write); what reached an upstream,
    # and so entered a cache with its tags, is written at once: a purge reads it before resolving tags.
    map $upstream_addr $edge_fetched { "" 0; default 1; }
    # Playlist and manifest hits are logged one in ${PLAYLIST_HIT_SAMPLE} (those served in a millisecond ending in 0),
    # each line standing for ${PLAYLIST_HIT_SAMPLE} requests ("w"): even buffered, a line per hit cost ~12 % of playlist
    # hit throughput and most of its p99 tail (bench/edge). Not picked by $request_id (its random bytes
    # cost as much as the line), nor by $connection_requests (a player alternating playlist and segment
    # on one connection would have its playlists never picked). Segment hits and fetches: every one.
    map $uri $edge_hit_weight { "~\\.(?:m3u8|mpd)$" ${PLAYLIST_HIT_SAMPLE}; default 1; }
    map $msec $edge_hit_pick { "~0$" 1; default 0; }
    map "$edge_fetched:$edge_hit_weight:$edge_hit_pick" $edge_served { "~^0:1:" 1; "0:${PLAYLIST_HIT_SAMPLE}:1" 1; default 0; }
    access_log ${d(ACCESS_LOG)} edge_hit buffer=64k flush=${ACCESS_LOG_FLUSH_MS / 1000}s if=$edge_served;
    access_log ${d(FETCH_LOG)} edge_json if=$edge_fetched;
    # Downloads are counted by listener (IAB rules) at the origin, from these lines: written at once.
    map $uri $edge_podcast_file { "~^/podcasts/.+/episode\\.(?:mp3|m4a)$" 1; default 0; }
    access_log ${d(PODCAST_LOG)} edge_podcast if=$edge_podcast_file;
    # Background cache updates are subrequests: logged, so that fresh playlists trigger prefetch.
    log_subrequest on;

    proxy_cache_path ${quote(layout.hot)} levels=1:2 keys_zone=edge:${o.keysZone ?? '32m'} max_size=${kib(budget.hot)} inactive=1h use_temp_path=off;
    # Playlists leave ${PLAYLIST_INACTIVE} after their last request: the bound on the age of a copy handed out while it
    # is refreshed ('others' in CachePolicy), and how long a copy is kept to serve when the origin is cut off.
    proxy_cache_path ${quote(layout.live)} levels=1:2 keys_zone=edge_live:8m max_size=${kib(budget.live)} inactive=${PLAYLIST_INACTIVE} use_temp_path=off;
    proxy_cache_path ${quote(layout.fill)} levels=1:2 keys_zone=edge_fill:8m max_size=${kib(budget.fill)} inactive=2m use_temp_path=off;

    js_path ${quote(o.dir)};
    js_import signing from ${NJS_FILE};
    js_set $edge_sig_njs signing.verdict;
${fn.http.length > 0 ? `    # Edge functions (njs-functions.ts).\n${indent(fn.http, 4)}\n` : ''}    # njs runs only for requests that carry signature parameters or a JWT; the rest read "none" from the map.
    map "$arg_exp$arg_sig$arg_jwt" $edge_sig { "" none; default $edge_sig_njs; }
    map $edge_sig $edge_variant { ok s; default p; }
    map $edge_sig $edge_refused { ok 0; none 0; default 1; }
${indent(hlsKeyMaps(), 4)}
    # The origin's Cache-Control for mirrored objects (the mirror keeps bodies, not headers).
    map $uri $edge_mirror_cache_control { "~^/vod/[^/]+/download/" "private, max-age=3600"; "~^/vod/" "public, max-age=31536000, immutable"; default "public, max-age=600, immutable"; }
    map $uri $edge_disposition { "~^/vod/[^/]+/download/" attachment; default ""; }
    # Recording downloads (large, rarely asked for at once) skip the fill zone: stored in the mirror only.
    map $uri $edge_fill_skip { "~^/vod/[^/]+/download/" 1; default 0; }

    upstream edge_agent { server 127.0.0.1:${o.agentPort}; }
    upstream edge_origin { server ${server}; keepalive 32; }
    upstream edge_fill { server 127.0.0.1:${o.fillPort}; keepalive 32; }

    server {
        listen ${o.bind}:${o.port};
        default_type application/json;
        set $sign_key_current ${quote(o.keys.current)};
        set $sign_key_previous ${quote(o.keys.previous ?? '')};
${fn.server.length > 0 ? `${indent(fn.server, 8)}\n` : ''}        set $jwt_keys ${quote((o.keys.jwt ?? []).filter((k) => /^[A-Za-z0-9_-]+$/.test(k.kid) && /^[A-Za-z0-9_-]+$/.test(k.secret)).map((k) => `${k.kid}:${k.secret}`).join(','))};

        location = /metrics { proxy_pass http://edge_agent; }
        location = /edge/health { proxy_pass http://edge_agent; }

        # The agent's data-plane probe: the viewers' path (origin upstream, cache lookup and store in
        # the cache folder), for a tiny origin object kept 1 s.
        location = ${EDGE_PROBE_PATH} {
            access_log off;
            proxy_pass ${scheme}://edge_origin${EDGE_PROBE_ORIGIN_PATH};
${indent(originRequest(hostHeader), 12)}
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
${indent(cacheBlock(scheme, hostHeader, { key: MEDIA_KEY, ttl: '10m', ...LOW_LATENCY, staleWhileUpdating: 'background' }), 12)}
        }

        # Standard segments and init files (immutable once written): the mirror.
        location ~ ^/live/[^/]+/s/ {
            if ($edge_refused) { ${forbidden} }
${indent(mirrorLocation, 12)}
        }

        # Playlists and manifests. A plain request (no _HLS_ arguments) of an active playlist is the
        # agent's file (playlist-plan.ts: refreshed from the origin every 500 ms while requested,
        # deleted when idle): a proxy_cache hit of a small playlist is ~0.86x static nginx by itself.
        # Else proxy_cache (/_edge_live/), which also tells the agent the playlist is wanted.
        location /live/ {
            if ($edge_refused) { ${forbidden} }
            # LL-HLS blocking reloads (_HLS_msn) wait at the origin: their own location, long timeout.
            if ($edge_blocking) { rewrite ^ /_edge_blocking$uri last; }
            if ($edge_playlist_file = 0) { rewrite ^ /_edge_live$uri last; }
            root ${withVariables(layout.playlists, '/$edge_variant')};
            try_files $uri /_edge_live$uri$is_args$args;
            ${PLAYLIST_TYPES}
            sendfile off;
${indent(PLAYLIST_FILE_CACHE, 12)}
            add_header Cache-Control ${quote(PLAYLIST_CACHE_CONTROL)};
            add_header X-Cache HIT;
            add_header Access-Control-Allow-Origin * always;
        }

        # Playlists and manifests through proxy_cache (about a second) and LL-HLS delta updates. No lock:
        # a plain playlist has one origin request in flight at a time once cached (stale-while-updating).
        # The origin answers these at once, so a short read timeout (PLAYLIST_READ_TIMEOUT): when it is
        # cut off, viewers get the last copy within seconds instead of waiting for the blocking requests' 20 s.
        location ^~ /_edge_live/live/ {
            internal;
            rewrite ^/_edge_live(/.*)$ $1 break;
${indent(playlistBlock({ ...LOW_LATENCY, readTimeout: PLAYLIST_READ_TIMEOUT }), 12)}
        }

        location ^~ /_edge_blocking/live/ {
            internal;
            rewrite ^/_edge_blocking(/.*)$ $1 break;
${indent(playlistBlock(LOW_LATENCY), 12)}
            # Origin cut (see LAST_RESORT_DIR): unanswered, the plain playlist (its last copy, the origin away).
            error_page 502 504 = $uri;
        }

        # Origin cut (see LAST_RESORT_DIR): masters, each answer also kept as the last copy.
        location ~ ^/live/[^/]+/index\\.m3u8$ {
            if ($edge_refused) { ${forbidden} }
            proxy_pass ${scheme}://edge_origin;
${indent(originRequest(hostHeader), 12)}
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 3s;
            proxy_read_timeout ${PLAYLIST_READ_TIMEOUT};
            proxy_store ${withVariables(lastDir, '/$edge_variant$uri')};
            proxy_store_access user:rw group:r all:r;
            proxy_temp_path ${quote(layout.storeTmp)};
            error_page 502 504 = @edge_master_last;
            proxy_hide_header Access-Control-Allow-Origin;
            add_header Access-Control-Allow-Origin * always;
        }

        location @edge_master_last {
            root ${withVariables(lastDir, '/$edge_variant')};
            try_files $uri =504;
            types { application/vnd.apple.mpegurl m3u8; }
            add_header Cache-Control "private, no-cache" always;
            add_header X-Cache STALE always;
            add_header Access-Control-Allow-Origin * always;
        }

        # VOD playlists and manifests: replaced when a recording is converted again (then purged).
        location ~ ^/vod/[^/]+/[^/]+\\.(?:m3u8|mpd)$ {
            if ($edge_refused) { ${forbidden} }
${indent(cacheBlock(scheme, hostHeader, { key: MEDIA_KEY, ttl: '60s', lock: true, lockTimeout: '5s', readTimeout: '15s', notFoundTtl: '10s', staleWhileUpdating: 'others', forwardHost: true }), 12)}
        }

        # Content keys and ClearKey licences of encrypted recordings and videos: never kept here (the mirror
        # would store them and hand them out as immutable files). The origin admits, rate-limits and audits each viewer.
        location ~ ^/vod/[^/]+/(?:keys/|licence$) {
            if ($edge_refused) { ${forbidden} }
            proxy_pass ${scheme}://edge_origin;
${indent(originRequest(hostHeader), 12)}
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 3s;
            proxy_read_timeout 15s;
            proxy_cache off;
        }

        # VOD segments and signed recording downloads: the mirror.
        location /vod/ {
            if ($edge_refused) { ${forbidden} }
${indent(mirrorLocation, 12)}
        }

        # A miss of the mirror: the fill server fetches (once for every waiter), the answer is stored.
        location @edge_fill {
            proxy_pass http://edge_fill;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Edge-Variant $edge_variant;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # The whole object, always: what is stored must be the complete 200 (ranges are cut here).
            proxy_set_header Range "";
            proxy_set_header If-Range "";
            proxy_set_header If-None-Match "";
            proxy_set_header If-Modified-Since "";
            proxy_force_ranges on;
            proxy_store ${withVariables(layout.mirror, '/$edge_variant$uri')};
            proxy_store_access user:rw group:r all:r;
            proxy_temp_path ${quote(layout.storeTmp)};
            proxy_connect_timeout 3s;
            proxy_read_timeout 60s;
            proxy_hide_header X-Edge-Fill;
            proxy_hide_header Access-Control-Allow-Origin;
            add_header Access-Control-Allow-Origin * always;
        }

        # Podcast feeds: a minute here, one copy per host asked (a feed names the host its files are fetched from).
        location ~ ^/podcasts/[^/]+/feed\\.xml$ {
${indent(cacheBlock(scheme, hostHeader, { key: '$http_host$uri', ttl: '60s', lock: true, lockTimeout: '5s', readTimeout: '15s', notFoundTtl: '10s', staleWhileUpdating: 'others', forwardHost: true }), 12)}
            ${PODCAST_FETCH}
        }

        # A subscriber's feed and files (private shows): per subscriber and revocable at once, so never kept here.
        location ~ ^/podcasts/[^/]+/s/ {
            proxy_pass ${scheme}://edge_origin;
${indent(originRequest(hostHeader), 12)}
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Host $http_host;
            ${PODCAST_FETCH}
            proxy_cache off;
            proxy_connect_timeout 3s;
            proxy_read_timeout 60s;
        }

        # Episode files, chapters, transcripts and artwork: immutable (a new encode is a new generation): the mirror.
        location /podcasts/ {
${indent(mirrorLocation, 12)}
        }

        # The P2P tracker of a stream (a WebSocket, src-main/servers/p2p/tracker.ts): the origin's, so that
        # viewers of every edge meet in one swarm; the players of this edge reach it here.
        location ~ ^/p2p/[a-z0-9-]+/announce$ {
            proxy_pass ${scheme}://edge_origin;
            proxy_ssl_server_name on;
            proxy_set_header Host ${quote(hostHeader)};
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_buffering off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }

        location / { return 404 '{"error":{"code":"NOT_FOUND","message":"an edge serves /live/, /vod/, /podcasts/ and the P2P tracker only"}}'; }
    }

    # The fill server: misses of mirrored objects, through zone edge_fill and its lock (500 viewers
    # missing one segment at once make one origin fetch). Loopback only; the variant comes from the
    # public server, which sets it on every request.
    server {
        listen 127.0.0.1:${o.fillPort};
        access_log off;

        location / {
            proxy_cache_bypass $edge_fill_skip;
            proxy_no_cache $edge_fill_skip;
${indent(cacheBlock(scheme, hostHeader, { zone: 'edge_fill', key: '$uri|$http_x_edge_variant', ttl: '10m', lock: true, readTimeout: '30s', notFoundTtl: '60s', staleWhileUpdating: 'background' }), 12)}
            add_header X-Edge-Fill $upstream_cache_status always;
            ${PODCAST_FETCH}
        }
    }

    server {
        listen 127.0.0.1:${o.controlPort};
        set $sign_key_current "";
        set $sign_key_previous "";
        set $jwt_keys "";

        # The agent's check that a reload took effect (nginx-process.ts): the generation of this config.
        location = /generation { return 200 "${o.generation ?? 0}"; }

        # Hard purge: /purge/<zone>/<variant><uri>. Soft purge: /refresh/<zone>/<variant><uri> fetches
        # again into the zone; the old copy stays if the origin fails.
${indent(CACHE_ZONES.flatMap((zone) => controlLocations(zone, scheme, hostHeader)), 8)}
    }
}
`, fn.location);
}

function controlLocations(zone: CacheZone, scheme: string, hostHeader: string): string[] {
  const v = `${zone}_v`;
  const u = `${zone}_u`;
  return [
    `location ~ ^/purge/${zone}/(?<${v}>[sp])(?<${u}>/.*)$ {`,
    '    allow 127.0.0.1;',
    '    deny all;',
    `    proxy_cache_purge ${zone} "$${u}|$${v}";`,
    '}',
    `location ~ ^/refresh/${zone}/(?<r${v}>[sp])(?<r${u}>/.*)$ {`,
    '    allow 127.0.0.1;',
    '    deny all;',
    `    proxy_pass ${scheme}://edge_origin$r${u}$is_args$args;`,
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    `    proxy_set_header Host ${quote(hostHeader)};`,
    `    proxy_cache ${zone};`,
    `    proxy_cache_key "$r${u}|$r${v}";`,
    '    proxy_cache_bypass 1;',
    '    proxy_cache_valid 200 206 1s;',
    '    proxy_cache_valid 404 60s;',
    '    proxy_connect_timeout 3s;',
    '    proxy_read_timeout 15s;',
    '}',
  ];
}

/** The zone that holds `uri` (by the locations above); a mirrored object also has its mirror file. */
export function zoneOf(uri: string): CacheZone {
  if (isMirrored(uri)) return 'edge_fill';
  if (/^\/live\/[^/]+\/s\//.test(uri)) return 'edge';
  return uri.startsWith('/live/') ? 'edge_live' : 'edge';
}

/**
 * The public server's locations with `directives` (the edge functions' header filter) added to each: the
 * header filter is a location directive. Not the agent's own (metrics, health, the probe) nor the 404 of
 * paths an edge does not serve.
 */
function withFunctionFilter(conf: string, directives: readonly string[]): string {
  if (directives.length === 0) return conf;
  const start = conf.indexOf('    server {\n');
  const end = conf.indexOf('\n    }\n', start);
  const server = conf
    .slice(start, end)
    .replace(/^( {8})(location (?!= \/metrics|= \/edge\/)[^\n{]*\{)$/gm, (_all, pad: string, head: string) => `${pad}${head}\n${directives.map((d) => `${pad}    ${d}`).join('\n')}`);
  return conf.slice(0, start) + server + conf.slice(end);
}

