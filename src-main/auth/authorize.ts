import { methods, ROLE_SCOPES, scopeCovers, type MethodName, type Role, type Scope } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import { actorOf, type AuditPort, type Principal } from './types.js';

/**
 * The path parameter that names a stream, for methods on `/streams/:name...` (a token's stream list
 * applies); `:stream` where the body has a `name` of its own (a guest's).
 */
export function streamParamOf(method: MethodName): 'name' | 'stream' | null {
  return (/^\/streams\/:(name|stream)(\/|$)/.exec(methods[method].http.path)?.[1] as 'name' | 'stream' | undefined) ?? null;
}

/** The scopes a token of a user of `role` really has: those it asked for that the role grants. */
export const effectiveScopes = (role: Role, asked: readonly Scope[]): Scope[] => asked.filter((s) => scopeCovers(ROLE_SCOPES[role], s));

/**
 * Whether `principal` may call `method`: its scopes must cover the method's, and a token limited to some
 * streams may only name those. `streamName` is that path parameter, read before any body is parsed.
 * Throws FORBIDDEN naming the scope (details.scope) or the stream.
 */
export function authorize(principal: Principal, method: MethodName, streamName: string | undefined): void {
  const needed = methods[method].scope;
  if (!scopeCovers(principal.scopes, needed)) {
    throw new StudioError('FORBIDDEN', `${method} needs the ${needed} scope, which this ${principal.via === 'token' ? 'token' : 'role'} does not have`, {
      scope: needed,
      method,
    });
  }
  if (principal.streams !== null && streamParamOf(method) !== null && (streamName === undefined || !principal.streams.includes(streamName))) {
    throw new StudioError('FORBIDDEN', `this token is limited to the streams ${principal.streams.join(', ')}`, { scope: needed, method, stream: streamName ?? null });
  }
}

/**
 * `authorize` as a transport runs it before a call (HTTP's request hook, the events socket's calls):
 * a refusal is written to the audit log (`target`: what the call names, `ip`: who asked) and returned
 * for the transport to answer; undefined when the call may go on.
 */
export function authorizeCall(
  principal: Principal,
  method: MethodName,
  streamName: string | undefined,
  at: { audit: Pick<AuditPort, 'record'> | undefined; ip: string; target: string | null },
): StudioError | undefined {
  try {
    authorize(principal, method, streamName);
    return undefined;
  } catch (error) {
    const refusal = StudioError.from(error);
    at.audit?.record({ actor: actorOf(principal), action: method, target: at.target, ip: at.ip, result: 'denied', detail: refusal.message.slice(0, 200) });
    return refusal;
  }
}
