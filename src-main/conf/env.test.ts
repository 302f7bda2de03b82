import { describe, expect, it } from 'vitest';
import { listConfigFields, type ConfigField } from '../../src-shared/config.js';
import { coerceEnvValue, readEnvOverrides, RESERVED_ENV } from './env.js';

const fields = listConfigFields();
const field = (path: string): ConfigField => {
  const f = fields.find((x) => x.path === path);
  if (!f) throw new Error(`no field ${path}`);
  return f;
};
const numberField: ConfigField = { path: 'x.ratio', env: 'STREAMS_X_RATIO', type: 'number', description: '', restart: false, default: 1 };

describe('coerceEnvValue', () => {
  it('reads whole numbers, with sign and surrounding spaces', () => {
    const port = field('http.port');
    expect(coerceEnvValue(port, '8080')).toEqual({ ok: true, value: 8080 });
    expect(coerceEnvValue(port, ' 8080 ')).toEqual({ ok: true, value: 8080 });
    expect(coerceEnvValue(port, '+5')).toEqual({ ok: true, value: 5 });
    expect(coerceEnvValue(port, '-5')).toEqual({ ok: true, value: -5 });
  });

  it.each(['', ' ', '80.5', '1e3', '0x10', 'abc', '80abc', 'Infinity'])('refuses %j as a whole number', (raw) => {
    expect(coerceEnvValue(field('http.port'), raw)).toEqual({ ok: false, message: `expected a whole number, got "${raw}"` });
  });

  it('reads numbers and refuses non-finite or empty text', () => {
    expect(coerceEnvValue(numberField, '0.25')).toEqual({ ok: true, value: 0.25 });
    expect(coerceEnvValue(numberField, '1e3')).toEqual({ ok: true, value: 1000 });
    for (const raw of ['', '  ', 'Infinity', 'NaN', 'x1']) {
      expect(coerceEnvValue(numberField, raw)).toEqual({ ok: false, message: `expected a number, got "${raw}"` });
    }
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    [' on ', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['OFF', false],
  ])('reads boolean %j as %s', (raw, value) => {
    expect(coerceEnvValue(field('http.allowInsecureRemote'), raw)).toEqual({ ok: true, value });
  });

  it('refuses other boolean words', () => {
    for (const raw of ['', 'y', '2', 'enabled']) {
      expect(coerceEnvValue(field('http.allowInsecureRemote'), raw)).toEqual({
        ok: false,
        message: `expected true or false, got "${raw}"`,
      });
    }
  });

  it('reads enum options exactly (trimmed, case-sensitive) and lists them on error', () => {
    const level = field('log.level');
    expect(coerceEnvValue(level, 'debug')).toEqual({ ok: true, value: 'debug' });
    expect(coerceEnvValue(level, ' warn ')).toEqual({ ok: true, value: 'warn' });
    expect(coerceEnvValue(level, 'DEBUG')).toEqual({
      ok: false,
      message: 'expected one of fatal, error, warn, info, debug, trace, got "DEBUG"',
    });
  });

  it('keeps strings as given, spaces and empty included', () => {
    expect(coerceEnvValue(field('studio.name'), '  My Studio ')).toEqual({ ok: true, value: '  My Studio ' });
    expect(coerceEnvValue(field('http.tlsCert'), '')).toEqual({ ok: true, value: '' });
  });
});

describe('readEnvOverrides', () => {
  it('maps known STREAMS_* variables to their fields, coerced', () => {
    const result = readEnvOverrides(fields, {
      STREAMS_HTTP_PORT: '9000',
      STREAMS_LOG_LEVEL: 'debug',
      STREAMS_HTTP_ALLOW_INSECURE_REMOTE: 'yes',
      STREAMS_STUDIO_NAME: 'Box',
    });
    expect(result.errors).toEqual([]);
    expect(result.values.map((v) => [v.field.path, v.value])).toEqual([
      ['http.port', 9000],
      ['log.level', 'debug'],
      ['http.allowInsecureRemote', true],
      ['studio.name', 'Box'],
    ]);
  });

  it('ignores variables of others, unset ones and lower-case look-alikes', () => {
    const result = readEnvOverrides(fields, {
      PATH: '/usr/bin',
      HOME: '/root',
      FFMPEG_PATH: '/x',
      STREAMS_HTTP_PORT: undefined,
      streams_http_port: '1',
      XSTREAMS_HTTP_PORT: '1',
    });
    expect(result).toEqual({ values: [], errors: [] });
  });

  it('treats an unknown STREAMS_* variable as an error, so a typo is not silently ignored', () => {
    const result = readEnvOverrides(fields, { STREAMS_HTTP_PROT: '80', STREAMS_HTTP_PORT: '81' });
    expect(result.errors).toEqual([{ env: 'STREAMS_HTTP_PROT', message: expect.stringMatching(/^is not a config key/) as unknown as string }]);
    expect(result.values.map((v) => v.value)).toEqual([81]);
  });

  it('reserves STREAMS_HOME: not a key, and not an error', () => {
    expect(RESERVED_ENV.has('STREAMS_HOME')).toBe(true);
    expect(fields.some((f) => RESERVED_ENV.has(f.env))).toBe(false);
    expect(readEnvOverrides(fields, { STREAMS_HOME: '/srv/studio' })).toEqual({ values: [], errors: [] });
  });

  it('reports a badly typed value with the variable name and keeps the good ones', () => {
    const result = readEnvOverrides(fields, { STREAMS_HTTP_PORT: 'eighty', STREAMS_LOG_LEVEL: 'warn', STREAMS_SYSTEM_STATS_INTERVAL_MS: '1.5' });
    expect(result.errors).toEqual([
      { env: 'STREAMS_HTTP_PORT', message: 'expected a whole number, got "eighty"' },
      { env: 'STREAMS_SYSTEM_STATS_INTERVAL_MS', message: 'expected a whole number, got "1.5"' },
    ]);
    expect(result.values.map((v) => [v.field.env, v.value])).toEqual([['STREAMS_LOG_LEVEL', 'warn']]);
  });

  it('does not check bounds (the schema does, later)', () => {
    expect(readEnvOverrides(fields, { STREAMS_HTTP_PORT: '0' }).values[0]?.value).toBe(0);
  });

  it('knows every field by its env name', () => {
    const env = Object.fromEntries(fields.map((f) => [f.env, f.type === 'boolean' ? 'true' : f.type === 'enum' ? f.options![0]! : f.type === 'string' ? 's' : '5000']));
    const result = readEnvOverrides(fields, env);
    expect(result.errors).toEqual([]);
    expect(result.values.map((v) => v.field.path)).toEqual(fields.map((f) => f.path));
  });
});
