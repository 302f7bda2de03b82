import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isStudioErrorShape } from '../../src-shared/errors.js';
import { StudioError } from './errors.js';

describe('StudioError', () => {
  it('is an Error with a stable code, message and HTTP status', () => {
    const error = new StudioError('NOT_FOUND', 'no such stream');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('StudioError');
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('no such stream');
    expect(error.httpStatus).toBe(404);
    expect(new StudioError('RATE_LIMITED', 'x').httpStatus).toBe(429);
    expect(new StudioError('INSECURE_BIND', 'x').httpStatus).toBe(500);
  });

  it('toJSON is a plain shape, with details only when given, and no stack', () => {
    expect(new StudioError('CONFLICT', 'busy').toJSON()).toStrictEqual({ code: 'CONFLICT', message: 'busy' });
    const withDetails = new StudioError('PORT_IN_USE', 'taken', { port: 7070, field: 'http.port' });
    expect(withDetails.toJSON()).toStrictEqual({ code: 'PORT_IN_USE', message: 'taken', details: { port: 7070, field: 'http.port' } });
    expect(JSON.parse(JSON.stringify(withDetails))).toStrictEqual(withDetails.toJSON());
    expect(JSON.stringify(withDetails)).not.toContain('stack');
    expect(isStudioErrorShape(withDetails.toJSON())).toBe(true);
  });

  it('validation() turns zod issues into VALIDATION_FAILED with dotted fields', () => {
    const schema = z.object({ http: z.object({ port: z.number().max(10, 'too big') }).strict() });
    const result = schema.safeParse({ http: { port: 11, x: 1 } });
    if (result.success) throw new Error('expected failure');
    const error = StudioError.validation(result.error, 'config');
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('Invalid config: http.port: too big');
    expect(error.details?.fields).toEqual([
      { path: 'http.port', message: 'too big' },
      { path: 'http.x', message: 'unknown key "x"' },
    ]);
  });

  it('validation() prefixes paths and names a root-level issue "(root)"', () => {
    const prefixed = z.object({ a: z.string() }).safeParse({ a: 1 });
    if (prefixed.success) throw new Error('expected failure');
    expect(StudioError.validation(prefixed.error, 'input', ['body']).details?.fields?.[0]?.path).toBe('body.a');
    const root = z.object({}).safeParse('x');
    if (root.success) throw new Error('expected failure');
    expect(StudioError.validation(root.error).message).toMatch(/^Invalid input: \(root\): /);
  });

  it('from() keeps a StudioError and turns anything else into INTERNAL', () => {
    const original = new StudioError('FORBIDDEN', 'no');
    expect(StudioError.from(original)).toBe(original);
    const fromError = StudioError.from(new TypeError('bad type'));
    expect(fromError.code).toBe('INTERNAL');
    expect(fromError.message).toBe('bad type');
    expect(fromError.toJSON()).toStrictEqual({ code: 'INTERNAL', message: 'bad type' });
    expect(StudioError.from('text').message).toBe('text');
    expect(StudioError.from(undefined).message).toBe('undefined');
    expect(StudioError.from({ code: 'NOT_FOUND', message: 'shape' }).code).toBe('INTERNAL');
  });
});
