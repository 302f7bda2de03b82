import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildNginxConf, originParts, quote, type EdgeNginxOptions } from './nginx-conf.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'edge-nginx.conf');

const options: EdgeNginxOptions = {
  dir: '/srv/edge',
  cacheDir: '/srv/edge/cache',
  cacheSize: '2g',
  port: 8081,
  bind: '0.0.0.0',
  controlPort: 9001,
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
    expect(buildNginxConf(options)).toBe(fs.readFileSync(FIXTURE, 'utf8'));
  });

  it('never answers a playlist from an expired copy while refreshing it (a join would start far behind live)', () => {
    const conf = buildNginxConf(options);
    const live = conf.slice(conf.indexOf('location /live/ {'));
    const block = live.slice(0, live.indexOf('\n        }'));
    expect(block).toContain('proxy_cache_use_stale error timeout invalid_header http_500 http_502 http_503 http_504;');
    expect(block).toContain('proxy_cache_background_update off;');
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
    expect(conf.match(/proxy_cache_valid 200 206 1s;/g)).toHaveLength(2);
  });

  it('locks standard segments for 30 s, playlists and low-latency parts and segments for 100 ms at most', () => {
    const conf = buildNginxConf(options);
    const ll = location(conf, 'location ~ ^/live/[^/]+/s/[^/]+/(?:part|seg)- {');
    const standard = location(conf, 'location ~ ^/live/[^/]+/s/ {');
    const playlists = location(conf, 'location /live/ {');
    // The low-latency media location comes first: nginx takes the first regex location that matches.
    expect(conf.indexOf('(?:part|seg)- {')).toBeLessThan(conf.indexOf('location ~ ^/live/[^/]+/s/ {'));
    for (const block of [ll, playlists]) {
      expect(block).toContain('proxy_cache_lock on;');
      expect(block).toContain('proxy_cache_lock_timeout 100ms;');
      expect(block).toContain('proxy_read_timeout 20s;');
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
