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

describe('buildNginxConf', () => {
  it('writes the reviewed edge config (fixture)', () => {
    expect(buildNginxConf(options)).toBe(fs.readFileSync(FIXTURE, 'utf8'));
  });

  it('keeps the live-media caching rules', () => {
    const conf = buildNginxConf(options);
    expect(conf).toContain('proxy_cache_lock on;');
    expect(conf).toContain('proxy_cache_use_stale error timeout invalid_header updating http_500 http_502 http_503 http_504;');
    expect(conf).toContain('proxy_cache_valid 404 60s;');
    expect(conf).toContain('proxy_cache_key "$uri|$edge_variant";');
    // Origin Cache-Control is honoured: nothing tells nginx to ignore it.
    expect(conf).not.toContain('proxy_ignore_headers');
    expect(conf.match(/proxy_cache_valid 200 206 10m;/g)).toHaveLength(1);
    expect(conf.match(/proxy_cache_valid 200 206 1s;/g)).toHaveLength(2);
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
