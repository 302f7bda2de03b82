import { describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../src-shared/contract/index.js';
import { buildRequest, buildRequestFor, fillPathParams, toQueryString } from './http-request.js';

describe('fillPathParams', () => {
  it('substitutes and encodes :params and returns the unused fields', () => {
    const { path, rest } = fillPathParams('/streams/:name/readers/:id', { name: 'my cam/1', id: 7, limit: 5 });
    expect(path).toBe('/streams/my%20cam%2F1/readers/7');
    expect(rest).toEqual({ limit: 5 });
  });

  it('refuses a missing path parameter', () => {
    expect(() => fillPathParams('/streams/:name', {})).toThrow(/name/);
  });
});

describe('toQueryString', () => {
  it('is empty without fields, skips undefined and null', () => {
    expect(toQueryString({})).toBe('');
    expect(toQueryString({ a: undefined, b: null })).toBe('');
  });

  it('writes scalars, repeats arrays and encodes objects as JSON', () => {
    expect(toQueryString({ q: 'a b&c', n: 3, on: false, tag: ['x', 'y'], f: { k: 1 } })).toBe(
      '?q=a+b%26c&n=3&on=false&tag=x&tag=y&f=%7B%22k%22%3A1%7D',
    );
  });
});

describe('buildRequest', () => {
  it('puts GET input in the query string under the API prefix', () => {
    const spec = buildRequestFor({ http: { method: 'GET', path: '/recordings/:id' } }, { id: 'r1', full: true });
    expect(spec).toEqual({ method: 'GET', url: `${API_PREFIX}/recordings/r1?full=true`, body: undefined });
  });

  it('sends other verbs a JSON body without the path params', () => {
    const spec = buildRequestFor({ http: { method: 'PUT', path: '/keys/:id' } }, { id: 'k/1', label: 'main' });
    expect(spec).toEqual({ method: 'PUT', url: `${API_PREFIX}/keys/k%2F1`, body: { label: 'main' } });
  });

  it('follows the contract for real methods', () => {
    expect(buildRequest('system.info', {})).toEqual({ method: 'GET', url: `${API_PREFIX}/system`, body: undefined });
    expect(buildRequest('system.probeFfmpeg', {})).toEqual({ method: 'POST', url: `${API_PREFIX}/system/ffmpeg/probe`, body: {} });
    expect(buildRequest('config.update', { http: { port: 8080 } })).toEqual({
      method: 'PATCH',
      url: `${API_PREFIX}/config`,
      body: { http: { port: 8080 } },
    });
  });

  it('treats a missing input as empty', () => {
    expect(buildRequest('system.probeFfmpeg', undefined).body).toEqual({});
  });
});
