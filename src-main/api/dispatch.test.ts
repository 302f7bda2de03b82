import { describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../src-shared/contract/index.js';
import { isStudioErrorShape } from '../../src-shared/errors.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createDispatcher, type CallContext, type Handlers } from './dispatch.js';

const ctx: CallContext = { transport: 'http', remoteAddress: '127.0.0.1' };

function setup(overrides: Partial<Handlers>) {
  const base = Object.fromEntries(
    METHOD_NAMES.map((name) => [
      name,
      () => {
        throw new Error(`${name} not expected`);
      },
    ]),
  );
  const handlers = { ...base, ...overrides } as unknown as Handlers;
  const error = vi.fn();
  const logger = { error } as unknown as Logger;
  return { dispatch: createDispatcher(handlers, logger), error };
}

describe('createDispatcher', () => {
  it.each(['nope.method', '', 'toString', '__proto__', 'constructor', 'system.info '])('answers NOT_FOUND for unknown method %j', async (method) => {
    const { dispatch } = setup({});
    const result = await dispatch(method, {}, ctx);
    expect(result).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: `unknown method "${method}"` } });
  });

  it('runs the handler with the parsed input and the call context, and returns its output', async () => {
    const handler = vi.fn(() => ({ url: 'http://127.0.0.1:7070/login/ABC', expiresAt: 5 }));
    const { dispatch } = setup({ 'auth.createLoginLink': handler });
    const result = await dispatch('auth.createLoginLink', {}, ctx);
    expect(result).toEqual({ ok: true, result: { url: 'http://127.0.0.1:7070/login/ABC', expiresAt: 5 } });
    expect(handler).toHaveBeenCalledWith({}, ctx);
  });

  it('treats a missing or null input as {}', async () => {
    const handler = vi.fn(() => ({ url: 'u', expiresAt: 1 }));
    const { dispatch } = setup({ 'auth.createLoginLink': handler });
    expect((await dispatch('auth.createLoginLink', undefined, ctx)).ok).toBe(true);
    expect((await dispatch('auth.createLoginLink', null, ctx)).ok).toBe(true);
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('awaits async handlers', async () => {
    const { dispatch } = setup({ 'auth.createLoginLink': async () => ({ url: 'u', expiresAt: 2 }) });
    expect(await dispatch('auth.createLoginLink', {}, ctx)).toEqual({ ok: true, result: { url: 'u', expiresAt: 2 } });
  });

  it('strips output fields the contract does not declare', async () => {
    const { dispatch } = setup({
      'auth.createLoginLink': () => ({ url: 'u', expiresAt: 2, secret: 'x' }) as unknown as { url: string; expiresAt: number },
    });
    expect(await dispatch('auth.createLoginLink', {}, ctx)).toEqual({ ok: true, result: { url: 'u', expiresAt: 2 } });
  });

  it('refuses invalid input with VALIDATION_FAILED and fields, without calling the handler', async () => {
    const handler = vi.fn();
    const { dispatch } = setup({ 'auth.createLoginLink': handler });
    const result = await dispatch('auth.createLoginLink', { extra: 1 }, ctx);
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Invalid input: extra: unknown key "extra"',
        details: { fields: [{ path: 'extra', message: 'unknown key "extra"' }] },
      },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses input of the wrong shape at the root', async () => {
    const handler = vi.fn();
    const { dispatch } = setup({ 'config.update': handler });
    for (const input of ['text', [1], 42]) {
      const result = await dispatch('config.update', input, ctx);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('VALIDATION_FAILED');
        expect(result.error.details?.fields?.[0]?.path).toBe('');
      }
    }
    expect(handler).not.toHaveBeenCalled();
  });

  it('passes the code, message and details of a StudioError thrown by the handler', async () => {
    const { dispatch, error } = setup({
      'config.update': () => {
        throw new StudioError('VALIDATION_FAILED', 'Invalid config: http.port: bad', { fields: [{ path: 'http.port', message: 'bad' }] });
      },
      'system.info': async () => {
        throw new StudioError('CONFLICT', 'busy');
      },
    });
    expect(await dispatch('config.update', { http: { port: 0 } }, ctx)).toEqual({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: 'Invalid config: http.port: bad', details: { fields: [{ path: 'http.port', message: 'bad' }] } },
    });
    expect(await dispatch('system.info', {}, ctx)).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'busy' } });
    expect(error).not.toHaveBeenCalled();
  });

  it('turns a plain Error (or anything thrown) into INTERNAL, logged', async () => {
    const boom = new Error('disk on fire');
    const { dispatch, error } = setup({
      'system.info': () => {
        throw boom;
      },
      'system.stats': () => {
        throw 'a string';
      },
    });
    const result = await dispatch('system.info', {}, ctx);
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'disk on fire' } });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: boom, method: 'system.info' }), expect.any(String));
    expect(await dispatch('system.stats', {}, ctx)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'a string' } });
  });

  it('answers INTERNAL when the output does not match the contract, and logs the issues', async () => {
    const { dispatch, error } = setup({
      'auth.createLoginLink': () => ({ url: 42 }) as unknown as { url: string; expiresAt: number },
    });
    const result = await dispatch('auth.createLoginLink', {}, ctx);
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'auth.createLoginLink produced an invalid response' } });
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ method: 'auth.createLoginLink', issues: expect.any(Array) as unknown }),
      'handler output does not match the contract',
    );
  });

  it('returns errors as plain, JSON-safe StudioError shapes', async () => {
    const { dispatch } = setup({
      'system.info': () => {
        throw new Error('x');
      },
    });
    for (const [method, input] of [
      ['nope', {}],
      ['system.info', { a: 1 }],
      ['system.info', {}],
    ] as const) {
      const result = await dispatch(method, input, ctx);
      if (result.ok) throw new Error('expected an error');
      expect(result.error).not.toBeInstanceOf(Error);
      expect(isStudioErrorShape(result.error)).toBe(true);
      expect(JSON.parse(JSON.stringify(result.error))).toEqual(result.error);
    }
  });
});
