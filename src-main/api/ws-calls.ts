import { isMethodName, type WsServerMessage } from '../../src-shared/contract/index.js';
import { authorizeCall, streamParamOf } from '../auth/authorize.js';
import type { AuditPort, Principal } from '../auth/types.js';
import { StudioError } from '../core/errors.js';
import type { Dispatch } from './dispatch.js';

/** What a socket's calls need from the host. */
export interface WsCallDeps {
  dispatch: Dispatch;
  /**
   * The socket's caller as of this call: authenticated again from the upgrade's credentials each time,
   * so a revoked token or session, an expired JWT or a role changed since the socket opened count at once.
   */
  principal(): Principal | undefined;
  remoteAddress: string;
  baseUrl: string;
  /** Calls a minute a socket may make (the API's per-minute limit); 0: no limit. */
  perMinute(): number;
  audit?: Pick<AuditPort, 'record'>;
  now?: () => number;
}

type CallAnswer = Extract<WsServerMessage, { type: 'result' | 'error' }>;

const MAX_ID_LENGTH = 64;

/**
 * The API over the events socket: `{"type":"call","id","method","input"}` -> `{"type":"result","id",
 * "result"}` or `{"type":"error","id","error"}`, the same methods, input, scopes, errors and audit as
 * HTTP, without a request per call (a control surface switching scenes pays one frame each way).
 * One per socket: it counts the socket's calls for the per-minute limit.
 */
export class WsCalls {
  private window = { startedAt: 0, calls: 0 };

  constructor(private readonly deps: WsCallDeps) {}

  /** Answers one `call` message (any other shape of it is VALIDATION_FAILED, with the id when there is one). */
  async answer(message: { id?: unknown; method?: unknown; input?: unknown }): Promise<CallAnswer> {
    const id = typeof message.id === 'number' || (typeof message.id === 'string' && message.id.length <= MAX_ID_LENGTH) ? message.id : null;
    const fail = (error: StudioError): CallAnswer => ({ type: 'error', id, error: error.toJSON() });
    if (id === null) return fail(new StudioError('VALIDATION_FAILED', `a call needs an id: a number or a string of at most ${MAX_ID_LENGTH} characters`));
    const method = message.method;
    if (typeof method !== 'string' || !isMethodName(method)) return fail(new StudioError('NOT_FOUND', `no method ${JSON.stringify(method)}`));
    const limited = this.overLimit();
    if (limited) return fail(limited);
    const principal = this.deps.principal();
    if (!principal) return fail(new StudioError('UNAUTHORIZED', 'the credential this socket opened with is no longer valid; open it again'));
    const input = message.input ?? {};
    const param = streamParamOf(method);
    const named = param && typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[param] : undefined;
    const stream = typeof named === 'string' ? named : undefined;
    const refusal = authorizeCall(principal, method, stream, { audit: this.deps.audit, ip: this.deps.remoteAddress, target: stream ?? null });
    if (refusal) return fail(refusal);
    const result = await this.deps.dispatch(method, input, { transport: 'ws', remoteAddress: this.deps.remoteAddress, baseUrl: this.deps.baseUrl, principal });
    return result.ok ? { type: 'result', id, result: result.result } : { type: 'error', id, error: result.error };
  }

  private overLimit(): StudioError | undefined {
    const perMinute = this.deps.perMinute();
    if (perMinute <= 0) return undefined;
    const now = (this.deps.now ?? Date.now)();
    if (now - this.window.startedAt >= 60_000) this.window = { startedAt: now, calls: 0 };
    if (++this.window.calls <= perMinute) return undefined;
    const retryAfterSec = Math.ceil((this.window.startedAt + 60_000 - now) / 1000);
    return new StudioError('RATE_LIMITED', `more than ${perMinute} calls a minute on this socket (limits.apiPerMinute)`, { retryAfterSec });
  }
}
