import type { z } from 'zod';
import type { Scope } from './scopes.js';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One API method. Its HTTP route, its IPC channel entry and its OpenAPI operation are all derived from
 * this declaration; the handler is the only other thing to write.
 */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  summary: string;
  /** Validated input: for HTTP, path params, query and JSON body merged into one object. */
  input: I;
  output: O;
  /** Path under `/api/v1`; `:param` segments become input fields. */
  http: { method: HttpVerb; path: string; status?: number };
  /** Tag for grouping in OpenAPI and the UI. */
  tag: string;
  /**
   * The permission a caller needs: `<group>:read` or `<group>:write`. Roles and API-token scopes are
   * checked against it before the input is parsed (src-main/auth/authorize.ts); OpenAPI lists it. A
   * method with a `:name` path parameter on a stream route is also limited by a token's stream names.
   */
  scope: Scope;
  /**
   * Callable over HTTP without the API token or a session (viewers' players). The handler then decides
   * who may see what (it gets `ctx.anonymous`); every input field must be bounded. Default: not public.
   */
  public?: true;
}

export interface EventDef<P extends z.ZodType = z.ZodType> {
  summary: string;
  payload: P;
}

export function method<I extends z.ZodType, O extends z.ZodType>(def: MethodDef<I, O>): MethodDef<I, O> {
  return def;
}

export function event<P extends z.ZodType>(def: EventDef<P>): EventDef<P> {
  return def;
}
