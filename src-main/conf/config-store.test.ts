import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONFIG_DEFAULTS } from '../../src-shared/config.js';
import { ConfigStore, type ConfigChange } from './config-store.js';
import { caught } from '../../test-support/errors.js';

const DEFAULTS_FILE = fileURLToPath(new URL('../../resources/config.default.yaml', import.meta.url));
const DEFAULTS_TEXT = fs.readFileSync(DEFAULTS_FILE, 'utf8');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-config-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let dir: string;
let file: string;
let n = 0;
beforeEach(() => {
  dir = path.join(root, String(n++));
  fs.mkdirSync(dir);
  file = path.join(dir, 'config.yaml');
});


const load = (env: NodeJS.ProcessEnv = {}): ConfigStore => ConfigStore.load(file, DEFAULTS_FILE, env);
const read = (): string => fs.readFileSync(file, 'utf8');

describe('ConfigStore.load', () => {
  it('creates config.yaml from the shipped defaults file, byte for byte', () => {
    const store = load();
    expect(read()).toBe(DEFAULTS_TEXT);
    expect(store.current).toEqual(CONFIG_DEFAULTS);
    expect(store.file).toBe(file);
    expect(store.view()).toMatchObject({ file, envOverrides: [], restartPending: [], config: CONFIG_DEFAULTS });
    expect(store.view().fields.map((f) => f.path)).toContain('http.port');
  });

  it('keeps an existing file and reads its values over the defaults', () => {
    fs.writeFileSync(file, '# mine\nhttp:\n  port: 9001\n');
    const store = load();
    expect(read()).toBe('# mine\nhttp:\n  port: 9001\n');
    expect(store.current).toEqual({ ...CONFIG_DEFAULTS, http: { ...CONFIG_DEFAULTS.http, port: 9001 } });
  });

  it('reads an empty file as all defaults', () => {
    fs.writeFileSync(file, '');
    expect(load().current).toEqual(CONFIG_DEFAULTS);
  });

  it('puts STREAMS_* variables over the file and lists them as env overrides', () => {
    fs.writeFileSync(file, 'http:\n  port: 9001\n');
    const store = load({ STREAMS_HTTP_PORT: '9002', STREAMS_LOG_LEVEL: 'debug', STREAMS_HOME: '/elsewhere', PATH: '/bin' });
    expect(store.current.http.port).toBe(9002);
    expect(store.current.log.level).toBe('debug');
    expect(store.view().envOverrides).toEqual([
      { path: 'http.port', env: 'STREAMS_HTTP_PORT' },
      { path: 'log.level', env: 'STREAMS_LOG_LEVEL' },
    ]);
  });
});

describe('ConfigStore.load refuses a broken config with CONFIG_INVALID', () => {
  it('names the file and line of broken YAML', () => {
    fs.writeFileSync(file, 'studio:\n  name: x\nhttp:\n  port: 7070\n   bind: a\n');
    const error = caught(() => load());
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: `));
    expect(error.message).not.toContain('\n');
    expect(error.details).toMatchObject({ file });
  });

  it('names the line of a duplicate key', () => {
    fs.writeFileSync(file, 'log:\n  level: info\nhttp:\n  port: 1\n  port: 2\n');
    expect(caught(() => load()).message).toMatch(/config\.yaml:\d+: .*unique/);
  });

  it('names the field of a wrong value in the file', () => {
    fs.writeFileSync(file, 'http:\n  port: 99999\n');
    const error = caught(() => load());
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`${file}: http.port: must be between 1 and 65535`);
    expect(error.details).toMatchObject({ file, field: 'http.port', fields: [{ path: 'http.port', message: 'must be between 1 and 65535' }] });
  });

  it('names an unknown key in the file', () => {
    fs.writeFileSync(file, 'http:\n  port: 7070\n  prot: 1\n');
    const error = caught(() => load());
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`${file}: http.prot: unknown key "prot"`);
  });

  it('refuses a file that is not a mapping', () => {
    fs.writeFileSync(file, '- a\n- b\n');
    const error = caught(() => load());
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`${file}: expected a mapping of config keys`);
  });

  it('names the env var of a badly typed variable', () => {
    const error = caught(() => load({ STREAMS_HTTP_PORT: 'eighty' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('STREAMS_HTTP_PORT: expected a whole number, got "eighty"');
    expect(error.details).toMatchObject({ env: 'STREAMS_HTTP_PORT' });
  });

  it('names the env var of an out-of-range variable', () => {
    const error = caught(() => load({ STREAMS_HTTP_SESSION_TTL_HOURS: '0' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe('STREAMS_HTTP_SESSION_TTL_HOURS: must be between 1 and 8760');
    expect(error.details).toMatchObject({ env: 'STREAMS_HTTP_SESSION_TTL_HOURS', field: 'http.sessionTtlHours' });
  });

  it('names an unknown STREAMS_* variable of a config section', () => {
    const error = caught(() => load({ STREAMS_HTTP_PROT: '80' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/^STREAMS_HTTP_PROT: is not a config key/);
  });
});

describe('ConfigStore.update', () => {
  it('writes the changed value in place, keeping every comment and all other formatting', () => {
    const store = load();
    const change = store.update({ http: { port: 8080 } });
    expect(change.changed).toEqual(['http.port']);
    expect(read()).toBe(DEFAULTS_TEXT.replace('\n  port: 7070\n', '\n  port: 8080\n'));
    expect(store.current.http.port).toBe(8080);
    expect(load().current.http.port).toBe(8080);
  });

  it('keeps a hand-written file as written apart from the changed key', () => {
    const text = [
      '# my studio',
      '',
      'studio:',
      "  name: 'Quoted Name' # trailing comment",
      '',
      'http:',
      '  # the port',
      '  port: 7070',
      '  bind: "127.0.0.1"',
      'log: { level: info }',
      '',
    ].join('\n');
    fs.writeFileSync(file, text);
    const store = load();
    store.update({ http: { port: 7071 }, log: { level: 'debug' } });
    expect(read()).toBe(text.replace('port: 7070', 'port: 7071').replace('level: info', 'level: debug'));
  });

  it('keeps comments even where the YAML writer normalises spacing', () => {
    // The yaml library re-prints the document: runs of blank lines and the gap before a trailing
    // comment are normalised. The comments themselves must survive.
    const text = 'studio:\n  name: A    # keep me\n\n\n\nhttp:\n  port: 7070\n';
    fs.writeFileSync(file, text);
    load().update({ http: { port: 7072 } });
    expect(read()).toContain('# keep me');
    expect(read()).toContain('port: 7072');
  });

  it('adds a key missing from the file', () => {
    fs.writeFileSync(file, '# only a comment\nstudio:\n  name: A\n');
    const store = load();
    store.update({ system: { statsIntervalMs: 5000 } });
    expect(read().startsWith('# only a comment\nstudio:\n  name: A\n')).toBe(true);
    expect(load().current.system.statsIntervalMs).toBe(5000);
  });

  it('leaves no temporary file behind', () => {
    const store = load();
    store.update({ studio: { name: 'Renamed' } });
    expect(fs.readdirSync(dir)).toEqual(['config.yaml']);
  });

  describe('refuses with VALIDATION_FAILED and leaves the file byte-identical', () => {
    const cases: [string, unknown, { path: string; message: string | RegExp }[]][] = [
      ['an out-of-range value', { http: { port: 0 } }, [{ path: 'http.port', message: 'must be between 1 and 65535' }]],
      ['a wrong type', { http: { port: '8080' } }, [{ path: 'http.port', message: /expected number/ }]],
      ['a wrong enum value', { log: { level: 'loud' } }, [{ path: 'log.level', message: /fatal/ }]],
      ['an unknown key', { http: { prot: 1 } }, [{ path: 'http.prot', message: 'unknown key "prot"' }]],
      ['an unknown section', { bogus: { a: 1 } }, [{ path: 'bogus', message: 'unknown key "bogus"' }]],
      ['a section set to a scalar', { http: 5 }, [{ path: 'http', message: /expected object/ }]],
      [
        'several bad fields at once',
        { http: { port: 0, sessionTtlHours: 0 } },
        [
          { path: 'http.port', message: 'must be between 1 and 65535' },
          { path: 'http.sessionTtlHours', message: 'must be between 1 and 8760' },
        ],
      ],
      ['a good key next to a bad one', { studio: { name: 'Fine' }, http: { port: -1 } }, [{ path: 'http.port', message: /between/ }]],
      ['a __proto__ key', JSON.parse('{"__proto__": {"bogus": 1}}'), [{ path: expect.stringMatching(/bogus/) as unknown as string, message: /unknown key/ }]],
    ];
    it.each(cases)('%s', (_name, patch, fields) => {
      const store = load();
      const before = fs.readFileSync(file);
      const listener = vi.fn();
      store.onChange(listener);
      const error = caught(() => store.update(patch));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details?.fields).toHaveLength(fields.length);
      fields.forEach((f, i) => {
        const got = error.details!.fields![i]!;
        expect(got.path).toEqual(f.path);
        if (typeof f.message === 'string') expect(got.message).toBe(f.message);
        else expect(got.message).toMatch(f.message);
      });
      expect(error.message).toContain(error.details!.fields![0]!.path);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      expect(store.current).toEqual(CONFIG_DEFAULTS);
      expect(listener).not.toHaveBeenCalled();
      expect(store.view().restartPending).toEqual([]);
    });

    it.each([[null], ['text'], [[1, 2]], [42]])('a patch that is not an object (%j)', (patch) => {
      const store = load();
      const error = caught(() => store.update(patch));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(read()).toBe(DEFAULTS_TEXT);
    });

    it('a key locked by an environment variable, even together with a free key', () => {
      const store = load({ STREAMS_HTTP_PORT: '9000' });
      const before = fs.readFileSync(file);
      const error = caught(() => store.update({ http: { port: 8081 }, studio: { name: 'Other' } }));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details?.fields).toEqual([{ path: 'http.port', message: expect.stringContaining('STREAMS_HTTP_PORT') }]);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
      expect(store.current.http.port).toBe(9000);
      expect(store.current.studio.name).toBe('Streams Studio');
    });
  });

  it('lets free keys change while another key is env-locked, and the env value stays effective', () => {
    const store = load({ STREAMS_HTTP_PORT: '9000' });
    store.update({ studio: { name: 'Free' } });
    expect(store.current.studio.name).toBe('Free');
    expect(store.current.http.port).toBe(9000);
    expect(read()).toContain('  port: 7070\n');
  });

  it('marks restart keys as restart-pending, and only those', () => {
    const store = load();
    store.update({ studio: { name: 'X' }, log: { level: 'warn' }, http: { sessionTtlHours: 24 } });
    expect(store.view().restartPending).toEqual([]);
    store.update({ http: { port: 8088, bind: '127.0.0.2' } });
    expect(store.view().restartPending.sort()).toEqual(['http.bind', 'http.port']);
    store.update({ http: { allowInsecureRemote: true } });
    expect(store.view().restartPending.sort()).toEqual(['http.allowInsecureRemote', 'http.bind', 'http.port']);
  });

  it('tells onChange listeners which paths changed, with the new config; unsubscribe works', () => {
    const store = load();
    const seen: ConfigChange[] = [];
    const off = store.onChange((c) => seen.push(c));
    const result = store.update({ http: { port: 7070, sessionTtlHours: 12 }, log: { level: 'trace' } });
    expect(result.changed).toEqual(['http.sessionTtlHours', 'log.level']);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.changed).toEqual(['http.sessionTtlHours', 'log.level']);
    expect(seen[0]!.config.http.sessionTtlHours).toBe(12);
    expect(seen[0]!.config.log.level).toBe('trace');
    off();
    store.update({ log: { level: 'info' } });
    expect(seen).toHaveLength(1);
  });

  it.each([[{}], [{ http: { port: 7070 } }], [{ http: {} }], [{ studio: { name: 'Streams Studio' }, log: { level: 'info' } }]])(
    'writes nothing and tells no one for a no-op patch %j',
    (patch) => {
      const store = load();
      const before = fs.statSync(file);
      const listener = vi.fn();
      store.onChange(listener);
      const result = store.update(patch);
      expect(result.changed).toEqual([]);
      expect(result.config).toEqual(CONFIG_DEFAULTS);
      const after = fs.statSync(file);
      expect(after.ino).toBe(before.ino);
      expect(after.mtimeMs).toBe(before.mtimeMs);
      expect(read()).toBe(DEFAULTS_TEXT);
      expect(listener).not.toHaveBeenCalled();
      expect(store.view().restartPending).toEqual([]);
    },
  );

  it('shows a secret only as its last 4 characters, takes its hint sent back as "unchanged", and refuses a bad one with nothing written', () => {
    const store = load();
    store.update({ live: { keyProviderToken: 'provider-token-9c3b' } });
    expect(store.current.live.keyProviderToken).toBe('provider-token-9c3b');
    expect(read()).toContain('keyProviderToken: "provider-token-9c3b"');
    const view = store.view();
    expect((view.config as { live: { keyProviderToken: string } }).live.keyProviderToken).toBe('…9c3b');
    expect(JSON.stringify(view)).not.toContain('provider-token-9c3b');
    expect(view.fields.find((f) => f.path === 'live.keyProviderToken')?.secret).toBe(true);
    // The whole view PATCHed back (a script's GET, edit, PATCH): the secret stays as it was.
    const text = read();
    expect(store.update({ live: { ...(view.config as { live: object }).live } }).changed).toEqual([]);
    expect(read()).toBe(text);
    for (const bad of ['two words', 'naïve', 'x'.repeat(4097)]) {
      const error = caught(() => store.update({ live: { keyProviderToken: bad } }));
      expect([error.code, error.details?.fields]).toEqual(['VALIDATION_FAILED', [{ path: 'live.keyProviderToken', message: expect.stringContaining('visible ASCII') }]]);
    }
    expect(read()).toBe(text);
    expect(store.update({ live: { keyProviderToken: '' } }).changed).toEqual(['live.keyProviderToken']);
    expect((store.view().config as { live: { keyProviderToken: string } }).live.keyProviderToken).toBe('');
    // Too short to hide the rest: nothing of it is shown.
    store.update({ live: { keyProviderToken: 'abc' } });
    expect((store.view().config as { live: { keyProviderToken: string } }).live.keyProviderToken).toBe('…');
  });

  it('view() reflects the update', () => {
    const store = load();
    store.update({ http: { port: 8181 } });
    const view = store.view();
    expect((view.config as { http: { port: number } }).http.port).toBe(8181);
    expect(view.restartPending).toEqual(['http.port']);
  });
});
