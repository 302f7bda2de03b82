import { describe, expect, it } from 'vitest';
import { API_PREFIX, EVENT_NAMES, METHOD_NAMES, methods } from '../../src-shared/contract/index.js';
import { buildOpenApi, openApiPath } from './openapi.js';

type Doc = {
  openapi: string;
  info: { version: string; title: string };
  paths: Record<string, Record<string, { operationId: string; parameters: { name: string; in: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>>;
  'x-events': Record<string, { summary: string; payload: unknown }>;
};

describe('openApiPath', () => {
  it('converts :params to {params} under the API prefix and lists them in order', () => {
    expect(openApiPath('/streams/:name/clips/:clip_id')).toEqual({
      path: `${API_PREFIX}/streams/{name}/clips/{clip_id}`,
      params: ['name', 'clip_id'],
    });
  });

  it('leaves paths without params alone', () => {
    expect(openApiPath('/system/stats')).toEqual({ path: '/api/v1/system/stats', params: [] });
  });

  it('does not treat a colon that does not start a name as a param', () => {
    expect(openApiPath('/a/:1b')).toEqual({ path: '/api/v1/a/:1b', params: [] });
  });
});

describe('buildOpenApi', () => {
  const doc = buildOpenApi('1.2.3') as unknown as Doc;

  it('is an OpenAPI 3.1 document with the version given', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe('1.2.3');
  });

  it('has every contract method under its path and verb, once', () => {
    let operations = 0;
    for (const ops of Object.values(doc.paths)) operations += Object.keys(ops).length;
    expect(operations).toBe(METHOD_NAMES.length);
    for (const name of METHOD_NAMES) {
      const def = methods[name];
      const op = doc.paths[openApiPath(def.http.path).path]?.[def.http.method.toLowerCase()];
      expect(op, name).toBeDefined();
      expect(op!.operationId).toBe(name);
      expect(Object.keys(op!.responses)).toContain(String((def.http as { status?: number }).status ?? 200));
      if (def.http.method === 'GET' || def.http.method === 'DELETE') expect(op!.requestBody, name).toBeUndefined();
      else expect(op!.requestBody, name).toBeDefined();
    }
  });

  it('uses 201 for the login-link method', () => {
    expect(Object.keys(doc.paths['/api/v1/auth/login-links']!.post!.responses)).toContain('201');
  });

  it('lists every event payload under x-events', () => {
    expect(Object.keys(doc['x-events']).sort()).toEqual([...EVENT_NAMES].sort());
  });

  it('is JSON-serialisable without loss', () => {
    const text = JSON.stringify(doc);
    expect(JSON.parse(text)).toStrictEqual(doc);
  });

  it('is pure: two builds are equal', () => {
    expect(buildOpenApi('1.2.3')).toStrictEqual(doc);
  });
});
