import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test-support/golden.js';
import { buildNginxConf, cacheBudget, isMirrored, originParts, parseSize, quote, zoneOf, type EdgeNginxOptions } from './nginx-conf.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'edge-nginx.conf');

const options: EdgeNginxOptions = {
  dir: '/srv/edge',
  cacheDir: '/srv/edge/cache',
  cacheSize: '2g',
  port: 8081,
  bind: '0.0.0.0',
  controlPort: 9001,
  fillPort: 9003,
  agentPort: 9002,
  origin: 'https://studio.example:7070',
  keys: { current: 'current-key-0123456789abcdef', previous: 'previous-key-0123456789abcdef' },
  modulesDir: '/usr/lib/nginx/modules',
  workerProcesses: 2,
};

/** The body of the location block opened by `opening` (locations here hold no nested braces but `if`'s one line). */
function location(conf: string, opening: string): string {
  const start = conf.indexOf(opening);
  expect(start, opening).toBeGreaterThanOrEqual(0);
  return conf.slice(start, conf.indexOf('\n        }', start));
}

/** The double-quoted strings and bare words of a one-line `map` body, in order. */
function tokens(body: string): string[] {
  return [...body.matchAll(/"((?:[^"\\]|\\.)*)"|([^\s";]+)/g)].map((m) => m[1] ?? m[2]!);
}

/**
 * A one-line `map` of the config evaluated as nginx does: exact strings first, then regexes in order
 * (PCRE here is within what JavaScript regexes read), else the default; `$name` in the source and in
 * values is another variable (map or given) or a named capture of the matching regex.
 */
function evalMap(conf: string, variable: string, vars: Record<string, string>): string {
  const line = new RegExp(`^\\s*map (\\S+|"[^"]*") \\$${variable} \\{ (.*) \\}$`, 'm').exec(conf);
  expect(line, variable).not.toBeNull();
  const expand = (text: string, extra: Record<string, string> = {}): string =>
    text.replace(/\$(\w+)/g, (_, name: string) => extra[name] ?? vars[name] ?? evalMap(conf, name, vars));
  const source = expand(line![1]!.replace(/^"|"$/g, ''));
  const t = tokens(line![2]!);
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < t.length; i += 2) pairs.push([t[i]!, t[i + 1]!]);
  const exact = pairs.find(([k]) => !k.startsWith('~') && k !== 'default' && k === source);
  if (exact) return expand(exact[1]);
  for (const [k, v] of pairs.filter(([p]) => p.startsWith('~'))) {
    const m = new RegExp(k.slice(1)).exec(source);
    if (m) return expand(v, m.groups ?? {});
  }
  return expand(pairs.find(([k]) => k === 'default')?.[1] ?? '');
}

describe('buildNginxConf', () => {
  it('writes the reviewed edge config (fixture)', () => {
    expectGolden(buildNginxConf(options), pathToFileURL(FIXTURE));
  });

  it('never refreshes a playlist in the background (a join would start far behind live); requests during a refresh get the copy it replaces, at most 60 s unused (kept for an origin cut)', () => {
    const conf = buildNginxConf(options);
    const block = location(conf, 'location ^~ /_edge_live/live/ {');
    expect(block).toContain('proxy_cache edge_live;');
    expect(block).toContain('proxy_cache_use_stale error timeout invalid_header updating http_500 http_502 http_503 http_504;');
    expect(block).toContain('proxy_cache_background_update off;');
    expect(block).toContain('sendfile off;');
    expect(conf).toMatch(/proxy_cache_path "\/srv\/edge\/cache\/live" levels=1:2 keys_zone=edge_live:8m max_size=\d+k inactive=60s use_temp_path=off;/);
  });

  it('serves plain playlist requests from the playlist tier\'s file per variant, with the origin\'s headers, and everything else through proxy_cache', () => {
    const conf = buildNginxConf(options);
    const front = location(conf, 'location /live/ {');
    expect(front).toContain('root "/srv/edge/cache/playlists/$edge_variant";');
    expect(front).toContain('try_files $uri /_edge_live$uri$is_args$args;');
    expect(front).toContain('if ($edge_playlist_file = 0) { rewrite ^ /_edge_live$uri last; }');
    expect(front).toContain('add_header Cache-Control "public, max-age=1";');
    expect(front).toContain('application/vnd.apple.mpegurl m3u8; application/dash+xml mpd;');
    expect(front).toContain('add_header Access-Control-Allow-Origin * always;');
    // Descriptors are kept at most 1 s (the bound on serving a replaced or deleted file).
    expect(front).toContain('open_file_cache_valid 1s;');
    expect(front).not.toContain('proxy_cache');
    expect(location(conf, 'location ^~ /_edge_live/live/ {')).toContain('internal;');
    // Plain requests (viewer ids, signatures) may use the file; LL-HLS arguments and odd ones never.
    const fileOk = (args: string): string => evalMap(conf, 'edge_playlist_file', { args });
    expect(fileOk('')).toBe('1');
    expect(fileOk('sid=h1&exp=1&sig=abc')).toBe('1');
    expect(fileOk('_HLS_skip=YES')).toBe('0');
    expect(fileOk('_HLS_msn=4&_HLS_part=1')).toBe('0');
    expect(fileOk('%5FHLS_msn=4')).toBe('0');
  });

  it('serves immutable media from the mirror as static files, per signing variant, and fills misses through the locked fill zone', () => {
    const conf = buildNginxConf(options);
    for (const opening of ['location ~ ^/live/[^/]+/s/ {', 'location /vod/ {']) {
      const block = location(conf, opening);
      expect(block).toContain('if ($edge_refused) {');
      expect(block).toContain('root "/srv/edge/cache/mirror/$edge_variant";');
      expect(block).toContain('try_files $uri @edge_fill;');
      // A purged file must not be served from a cached descriptor; no cache path either.
      expect(block).not.toContain('open_file_cache');
      expect(block).not.toContain('proxy_');
    }
    const fill = location(conf, 'location @edge_fill {');
    expect(fill).toContain('proxy_pass http://edge_fill;');
    expect(fill).toContain('proxy_set_header X-Edge-Variant $edge_variant;');
    expect(fill).toContain('proxy_store "/srv/edge/cache/mirror/$edge_variant$uri";');
    // What is stored is always the whole 200: ranges and conditions are not passed on.
    for (const header of ['Range', 'If-Range', 'If-None-Match', 'If-Modified-Since']) expect(fill).toContain(`proxy_set_header ${header} "";`);
    expect(fill).toContain('proxy_temp_path "/srv/edge/cache/store-tmp";');
    expect(conf).toContain('upstream edge_fill { server 127.0.0.1:9003; keepalive 32; }');
    const server = location(conf, 'listen 127.0.0.1:9003;');
    expect(server).toContain('access_log off;');
    const inner = location(conf, 'proxy_cache_bypass $edge_fill_skip;');
    expect(inner).toContain('proxy_cache edge_fill;');
    expect(inner).toContain('proxy_cache_key "$uri|$http_x_edge_variant";');
    expect(inner).toContain('proxy_cache_lock on;');
    expect(inner).toContain('proxy_cache_lock_timeout 30s;');
    expect(inner).toContain('add_header X-Edge-Fill $upstream_cache_status always;');
    // The viewer's address goes to the origin once, not with the loopback hop appended.
    expect(inner).toContain('proxy_set_header X-Forwarded-For $http_x_forwarded_for;');
  });

  it('writes hits in blocks flushed within a second, upstream fetches (tags) at once', () => {
    const conf = buildNginxConf(options);
    expect(conf).toContain('access_log "/srv/edge/access.json.log" edge_hit buffer=64k flush=1s if=$edge_served;');
    expect(conf).toContain('access_log "/srv/edge/fetch.json.log" edge_json if=$edge_fetched;');
    expect(evalMap(conf, 'edge_fetched', { upstream_addr: '' })).toBe('0');
    const served = (uri: string, msec: string, upstream = ''): string => evalMap(conf, 'edge_served', { upstream_addr: upstream, uri, msec });
    // Every segment hit; playlist hits one in 10 (served in a millisecond ending in 0), each standing for 10.
    expect(['0', '1', '7', '9'].map((end) => served('/live/demo/s/r1/init-0.mp4', `1795315962.12${end}`))).toEqual(['1', '1', '1', '1']);
    expect(['0', '1', '5', '9'].map((end) => served('/live/demo/v0.m3u8', `1795315962.12${end}`))).toEqual(['1', '0', '0', '0']);
    expect(served('/vod/abc/manifest.mpd', '1795315962.340')).toBe('1');
    expect(evalMap(conf, 'edge_hit_weight', { uri: '/live/demo/manifest.mpd' })).toBe('10');
    expect(evalMap(conf, 'edge_hit_weight', { uri: '/live/demo/s/r1/seg-0-1.m4s' })).toBe('1');
    // Fetches are never in the hit log.
    expect(served('/live/demo/v0.m3u8', '1795315962.120', '127.0.0.1:9003')).toBe('0');
    expect(served('/live/demo/s/r1/init-0.mp4', '1795315962.120', '127.0.0.1:9003')).toBe('0');
  });

  it('purges and refreshes through one control location pair per zone', () => {
    const conf = buildNginxConf(options);
    for (const zone of ['edge', 'edge_live', 'edge_fill']) {
      expect(conf).toContain(`location ~ ^/purge/${zone}/(?<${zone}_v>[sp])(?<${zone}_u>/.*)$ {`);
      expect(conf).toContain(`proxy_cache_purge ${zone} "$${zone}_u|$${zone}_v";`);
      expect(conf).toContain(`location ~ ^/refresh/${zone}/(?<r${zone}_v>[sp])(?<r${zone}_u>/.*)$ {`);
    }
    expect(conf).toContain('location = /generation { return 200 "0"; }');
    expect(buildNginxConf({ ...options, generation: 7 })).toContain('location = /generation { return 200 "7"; }');
  });

  it('keeps the live-media caching rules', () => {
    const conf = buildNginxConf(options);
    expect(conf).toContain('proxy_cache_lock on;');
    expect(conf).toContain('proxy_cache_use_stale error timeout invalid_header updating http_500 http_502 http_503 http_504;');
    expect(conf).toContain('proxy_cache_valid 404 60s;');
    expect(conf).toContain('proxy_cache_key "$uri|$edge_variant";');
    // Origin Cache-Control is honoured: nothing tells nginx to ignore it.
    expect(conf).not.toContain('proxy_ignore_headers');
    expect(conf.match(/proxy_cache_valid 200 206 10m;/g)).toHaveLength(2);
    // Playlists (plain and blocking), and the three zones' refresh locations.
    expect(conf.match(/proxy_cache_valid 200 206 1s;/g)).toHaveLength(5);
  });

  it('locks standard segments for 30 s, playlists and low-latency parts and segments for 100 ms at most', () => {
    const conf = buildNginxConf(options);
    const ll = location(conf, 'location ~ ^/live/[^/]+/s/[^/]+/(?:part|seg)- {');
    // Standard segments are filled (on a mirror miss) through the fill server's location.
    const standard = location(conf, 'proxy_cache_bypass $edge_fill_skip;');
    const front = location(conf, 'location /live/ {');
    const playlists = location(conf, 'location ^~ /_edge_live/live/ {');
    const blocking = location(conf, 'location ^~ /_edge_blocking/live/ {');
    // The low-latency media location comes first: nginx takes the first regex location that matches.
    expect(conf.indexOf('(?:part|seg)- {')).toBeLessThan(conf.indexOf('location ~ ^/live/[^/]+/s/ {'));
    // A blocking reload waits at the origin up to three target durations; a plain playlist is answered
    // at once, so when the origin is cut off its viewers get the last copy after 4 s, not 20.
    expect(front).toContain('if ($edge_blocking) { rewrite ^ /_edge_blocking$uri last; }');
    expect(playlists).toContain('proxy_read_timeout 4s;');
    expect(blocking).toContain('internal;');
    expect(blocking).toContain('rewrite ^/_edge_blocking(/.*)$ $1 break;');
    expect(evalMap(conf, 'edge_blocking', { args: '_HLS_msn=12&_HLS_part=3' })).toBe('1');
    expect(evalMap(conf, 'edge_blocking', { args: '_HLS_skip=YES' })).toBe('0');
    expect(evalMap(conf, 'edge_blocking', { args: '' })).toBe('0');
    for (const block of [ll, playlists, blocking]) {
      expect(block).toContain('proxy_cache_lock on;');
      expect(block).toContain('proxy_cache_lock_timeout 100ms;');
      if (block !== playlists) expect(block).toContain('proxy_read_timeout 20s;');
      expect(block).toContain('proxy_cache_valid 404 1s;');
      // Buffered, so that complete answers are cached; the origin unbuffers what it is still writing.
      expect(block).not.toContain('proxy_buffering');
    }
    expect(standard).toContain('proxy_cache_lock on;');
    expect(standard).toContain('proxy_cache_lock_timeout 30s;');
    expect(standard).toContain('proxy_cache_valid 404 60s;');
    expect(ll).toContain('proxy_cache_key "$uri|$edge_variant";');
    expect(playlists).toContain('proxy_cache_key "$uri|$edge_variant$edge_hls_key";');
    expect(playlists).toContain('proxy_cache_bypass $edge_args_odd;');
    expect(playlists).toContain('proxy_no_cache $edge_args_odd;');
  });

  it('keys LL-HLS playlist requests by their _HLS_ arguments only, normalised (the maps evaluated as nginx does)', () => {
    const conf = buildNginxConf(options);
    const key = (args: string): string => evalMap(conf, 'edge_hls_key', { args });
    // A plain request keeps the key it always had.
    expect(key('')).toBe('');
    expect(key('sid=v1&exp=1&sig=abc')).toBe('');
    expect(key('_HLS_msn=3&_HLS_part=1&sid=v1')).toBe('|msn=3&part=1&');
    // Order, leading zeros and other arguments do not matter; the first occurrence counts (as at the origin).
    expect(key('sid=v2&_HLS_part=01&_HLS_msn=003')).toBe('|msn=3&part=1&');
    expect(key('_HLS_msn=3&_HLS_part=1&_HLS_msn=9')).toBe('|msn=3&part=1&');
    expect(key('_HLS_msn=0&_HLS_part=00')).toBe('|msn=0&part=0&');
    expect(key('_HLS_msn=4&_HLS_skip=YES')).toBe('|msn=4&&skip=YES');
    expect(key('_HLS_msn=4&_HLS_skip=v2')).toBe('|msn=4&&skip=v2');
    // Values the origin refuses are kept as sent: never merged with a valid request.
    expect(key('_HLS_msn=3a')).toBe('|msn=3a&&');
    expect(key('_HLS_msn=')).toBe('|msn=&&');
    // Not these arguments: other case (the origin ignores it too), other names ending alike.
    expect(key('_hls_msn=3')).toBe('');
    expect(key('x_HLS_msn=3&a_HLS_part=1')).toBe('');
    const odd = (args: string): string => evalMap(conf, 'edge_args_odd', { args });
    expect(odd('%5FHLS_skip=YES')).toBe('1');
    expect(odd('sid=1&_HLS_%6Dsn=3')).toBe('1');
    expect(odd('sid=a%20b&_HLS_msn=3')).toBe('0');
  });

  it('keeps every writable path inside the edge folder (runs unprivileged)', () => {
    const conf = buildNginxConf(options);
    for (const line of conf.split('\n').filter((l) => /_temp_path|^pid|^error_log|access_log/.test(l.trim()) && !l.includes('access_log off'))) {
      expect(line).toContain('/srv/edge/');
    }
    // No user directive unless a root master must drop its workers to one.
    expect(conf).not.toMatch(/^user /m);
    expect(buildNginxConf({ ...options, workerUser: { user: 'nobody', group: 'nogroup' } })).toMatch(/^master_process on;\nuser "nobody" "nogroup";$/m);
  });

  it('probes the data plane along the viewers\' path: origin upstream, cache lookup and store', () => {
    const conf = buildNginxConf(options);
    const probe = /location = \/edge\/probe \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(probe).toContain('proxy_pass https://edge_origin/cdn/edge-probe;');
    expect(probe).toContain('proxy_cache edge;');
    expect(probe).not.toContain('proxy_cache_bypass');
    expect(probe).not.toContain('proxy_no_cache');
  });

  it('classifies objects: mirrored (immutable) or in which zone', () => {
    const cases: [string, boolean, string][] = [
      ['/live/demo/s/a1/chunk-stream0-00005.m4s', true, 'edge_fill'],
      ['/live/demo/s/a1/init-stream0.m4s', true, 'edge_fill'],
      ['/live/demo/s/a1/part-0-5-2.m4s', false, 'edge'],
      ['/live/demo/s/a1/seg-0-5.m4s', false, 'edge'],
      ['/live/demo/v0.m3u8', false, 'edge_live'],
      ['/live/demo/manifest.mpd', false, 'edge_live'],
      ['/vod/r_abc/chunk-stream0-00001.m4s', true, 'edge_fill'],
      ['/vod/r_abc/download/demo-2026.mp4', true, 'edge_fill'],
      ['/vod/r_abc/index.m3u8', false, 'edge'],
      ['/vod/r_abc/manifest.mpd', false, 'edge'],
    ];
    for (const [uri, mirrored, zone] of cases) expect({ uri, mirrored: isMirrored(uri), zone: zoneOf(uri) }).toEqual({ uri, mirrored, zone });
  });

  it('splits --cache-size between the mirror and the zones, and writes the zones\' max_size', () => {
    expect(parseSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseSize('512m')).toBe(512 * 1024 ** 2);
    expect(parseSize('100')).toBe(100);
    const b = cacheBudget(parseSize('2g'));
    expect(b.mirror + b.hot + b.live + b.fill).toBe(parseSize('2g'));
    expect(b.mirror / parseSize('2g')).toBeCloseTo(0.7, 5);
    const conf = buildNginxConf(options);
    expect(conf).toContain(`keys_zone=edge:32m max_size=${Math.floor(b.hot / 1024)}k inactive=1h`);
    expect(conf).toContain(`keys_zone=edge_fill:8m max_size=${Math.floor(b.fill / 1024)}k inactive=2m`);
  });

  it('writes an empty previous key when there is no rotation', () => {
    expect(buildNginxConf({ ...options, keys: { current: 'k'.repeat(20), previous: null } })).toContain('set $sign_key_previous "";');
  });

  it('refuses values nginx would expand or split', () => {
    expect(() => quote('a"b')).toThrow(/not allowed/);
    expect(() => quote('a$b')).toThrow(/not allowed/);
    expect(() => quote('a\nb')).toThrow(/not allowed/);
    expect(() => buildNginxConf({ ...options, dir: '/tmp/$x' })).toThrow(/not allowed/);
  });

  it('takes http(s) origins only, with the default port filled in', () => {
    expect(originParts('http://o.example')).toEqual({ scheme: 'http', server: 'o.example:80', hostHeader: 'o.example' });
    expect(originParts('https://o.example:8443/')).toEqual({ scheme: 'https', server: 'o.example:8443', hostHeader: 'o.example:8443' });
    expect(() => originParts('ftp://o.example')).toThrow(/http\(s\)/);
    expect(() => originParts('not a url')).toThrow();
  });
});
