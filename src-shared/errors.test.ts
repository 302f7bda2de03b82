import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CATALOGUE } from './error-catalogue.js';
import {
  ERROR_CODES,
  errorCodeSchema,
  fieldIssuesFromZod,
  httpStatusOf,
  isStudioErrorShape,
  type ErrorCode,
} from './errors.js';

const schema = z
  .object({
    http: z.object({ port: z.number().int().min(1, 'must be between 1 and 65535'), bind: z.string().optional() }).strict().optional(),
    list: z.array(z.object({ n: z.number() })).optional(),
  })
  .strict();

function issuesOf(value: unknown, prefix?: readonly (string | number)[]) {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a failure');
  return fieldIssuesFromZod(result.error, prefix);
}

describe('fieldIssuesFromZod', () => {
  it('names an unknown nested key as parent.key', () => {
    expect(issuesOf({ http: { port: 1, bogus: true } })).toEqual([{ path: 'http.bogus', message: 'unknown key "bogus"' }]);
  });

  it('names an unknown top-level key by itself', () => {
    expect(issuesOf({ bogus: 1 })).toEqual([{ path: 'bogus', message: 'unknown key "bogus"' }]);
  });

  it('gives each unknown key of one object its own issue, at its own path', () => {
    expect(issuesOf({ http: { port: 1, a: 1, b: 2 } })).toEqual([
      { path: 'http.a', message: 'unknown key "a"' },
      { path: 'http.b', message: 'unknown key "b"' },
    ]);
  });

  it('gives dotted nested paths, array indexes included, and keeps custom messages', () => {
    expect(issuesOf({ http: { port: 0 } })).toEqual([{ path: 'http.port', message: 'must be between 1 and 65535' }]);
    expect(issuesOf({ list: [{ n: 1 }, { n: 'x' }] })).toEqual([
      { path: 'list.1.n', message: expect.stringMatching(/^expected number/) as unknown as string },
    ]);
  });

  it('drops the "Invalid input: " prefix of zod messages', () => {
    const [issue] = issuesOf({ http: { port: 'x' } });
    expect(issue!.path).toBe('http.port');
    expect(issue!.message).not.toMatch(/^Invalid input/);
    expect(issue!.message).toMatch(/expected number/);
  });

  it('prefixes every path, unknown keys included', () => {
    expect(issuesOf({ http: { port: 0, zz: 1 } }, ['body'])).toEqual([
      { path: 'body.http.port', message: 'must be between 1 and 65535' },
      { path: 'body.http.zz', message: 'unknown key "zz"' },
    ]);
  });

  it('gives an empty path for a root-level type error', () => {
    expect(issuesOf('not an object')).toEqual([{ path: '', message: expect.any(String) as unknown as string }]);
  });

  it('reports every issue, not only the first', () => {
    expect(issuesOf({ http: { port: 0, bind: 3 }, list: 'x' }).map((i) => i.path)).toEqual(['http.port', 'http.bind', 'list']);
  });
});

describe('error codes and catalogue', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];

  it('has a catalogue entry with words for every code, and none for unknown codes', () => {
    expect(Object.keys(ERROR_CATALOGUE).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      expect(ERROR_CATALOGUE[code].title.trim().length, code).toBeGreaterThan(0);
      expect(ERROR_CATALOGUE[code].hint.trim().length, code).toBeGreaterThan(0);
    }
  });

  it('maps every code to a 4xx or 5xx status', () => {
    for (const code of codes) {
      expect(httpStatusOf(code)).toBe(ERROR_CODES[code]);
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code)).toBeLessThan(600);
    }
    expect(httpStatusOf('VALIDATION_FAILED')).toBe(400);
    expect(httpStatusOf('UNAUTHORIZED')).toBe(401);
    expect(httpStatusOf('RATE_LIMITED')).toBe(429);
  });

  it('errorCodeSchema accepts exactly the codes', () => {
    for (const code of codes) expect(errorCodeSchema.parse(code)).toBe(code);
    expect(errorCodeSchema.safeParse('NOPE').success).toBe(false);
  });

  it('isStudioErrorShape recognises the plain-object form only', () => {
    expect(isStudioErrorShape({ code: 'NOT_FOUND', message: 'x' })).toBe(true);
    expect(
      isStudioErrorShape({ code: 'VALIDATION_FAILED', message: 'x', details: { fields: [{ path: 'a', message: 'b' }], extra: 1 } }),
    ).toBe(true);
    expect(isStudioErrorShape({ code: 'NOPE', message: 'x' })).toBe(false);
    expect(isStudioErrorShape({ code: 'INTERNAL' })).toBe(false);
    expect(isStudioErrorShape({ code: 'INTERNAL', message: 'x', details: { fields: [{ path: 1 }] } })).toBe(false);
    expect(isStudioErrorShape(null)).toBe(false);
    expect(isStudioErrorShape('INTERNAL')).toBe(false);
  });
});
