import { API_PREFIX, methods, type HttpVerb, type MethodName } from '../../src-shared/contract/index.js';

/** What `fetch` needs for one contract call: derived from the method's declaration, nothing else. */
export interface HttpRequestSpec {
  method: HttpVerb;
  /** Path and query, relative to the origin: `/api/v1/things/42?limit=5`. */
  url: string;
  /** JSON body; `undefined` for GET. */
  body: unknown;
}

type Scalar = string | number | boolean;

/** Fills `:param` segments from the input; returns the path and the input fields not used by it. */
export function fillPathParams(
  template: string,
  input: Record<string, unknown>,
): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const path = template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
    const value = rest[name];
    if (value === undefined || value === null || value === '') {
      throw new Error(`Missing path parameter "${name}" for ${template}`);
    }
    delete rest[name];
    return encodeURIComponent(String(value));
  });
  return { path, rest };
}

/** Scalars as-is, arrays as repeated keys, objects as JSON; undefined and null are left out. */
export function toQueryString(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  const add = (key: string, value: unknown): void => {
    if (value === undefined || value === null) return;
    if (typeof value === 'object') search.append(key, JSON.stringify(value));
    else search.append(key, String(value as Scalar));
  };
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) value.forEach((item) => add(key, item));
    else add(key, value);
  }
  const query = search.toString();
  return query ? `?${query}` : '';
}

export function buildRequestFor(
  def: { http: { method: HttpVerb; path: string } },
  input: unknown,
): HttpRequestSpec {
  const fields = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const { path, rest } = fillPathParams(def.http.path, fields);
  if (def.http.method === 'GET') {
    return { method: 'GET', url: API_PREFIX + path + toQueryString(rest), body: undefined };
  }
  // Always a JSON object, so the host's JSON parser never sees an empty body.
  return { method: def.http.method, url: API_PREFIX + path, body: rest };
}

export function buildRequest(name: MethodName, input: unknown): HttpRequestSpec {
  return buildRequestFor(methods[name], input);
}
