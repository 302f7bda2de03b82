import {
  isMethodName,
  methods,
  type CallResult,
  type MethodName,
  type MethodOutput,
  type MethodParsedInput,
} from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Principal } from '../auth/types.js';

/** Who is calling: transports fill this in; handlers may use it for auditing. */
export interface CallContext {
  transport: 'http' | 'ipc' | 'ws';
  remoteAddress?: string;
  /** Base URL the client used to reach us, for links we hand back (login links). */
  baseUrl?: string;
  /**
   * Set only by the HTTP transport, for a `public` method called without the API token or a session:
   * the handler must then check the caller's own credentials (a signed URL's signature). Every other
   * call was authenticated by its transport before it got here.
   */
  anonymous?: true;
  /** Who called, set by the transport when it authenticated the call (absent for an anonymous public call). */
  principal?: Principal;
}

export type Handler<M extends MethodName> = (
  input: MethodParsedInput<M>,
  ctx: CallContext,
) => Promise<MethodOutput<M>> | MethodOutput<M>;

/** One handler per contract method: the compiler refuses a missing one. */
export type Handlers = { [M in MethodName]: Handler<M> };

export type Dispatch = (method: string, rawInput: unknown, ctx: CallContext) => Promise<CallResult<unknown>>;

/**
 * The transport-independent core of the API: validate the method and its input with the contract,
 * run the handler, shape the output with the contract, and turn every failure into a StudioError.
 */
export function createDispatcher(
  handlers: Handlers,
  logger: Logger,
  /** Told of every call that reached a handler, with its input and outcome (the audit log). */
  onCall?: (method: MethodName, input: unknown, ctx: CallContext, result: CallResult<unknown>) => void,
): Dispatch {
  const call = createCall(handlers, logger);
  return async (method, rawInput, ctx) => {
    const result = await call(method, rawInput, ctx);
    if (onCall && isMethodName(method)) {
      try {
        onCall(method, rawInput, ctx, result);
      } catch (error) {
        logger.error({ err: error, method }, 'call listener failed');
      }
    }
    return result;
  };
}

function createCall(handlers: Handlers, logger: Logger): Dispatch {
  return async (method, rawInput, ctx) => {
    if (!isMethodName(method)) {
      return { ok: false, error: new StudioError('NOT_FOUND', `unknown method "${method}"`).toJSON() };
    }
    const def = methods[method];
    const parsed = def.input.safeParse(rawInput ?? {});
    if (!parsed.success) return { ok: false, error: StudioError.validation(parsed.error).toJSON() };
    try {
      const handler = handlers[method] as Handler<MethodName>;
      const output = await handler(parsed.data as never, ctx);
      const shaped = def.output.safeParse(output);
      if (!shaped.success) {
        logger.error({ method, issues: shaped.error.issues.slice(0, 5) }, 'handler output does not match the contract');
        return { ok: false, error: new StudioError('INTERNAL', `${method} produced an invalid response`).toJSON() };
      }
      return { ok: true, result: shaped.data };
    } catch (error) {
      const studioError = StudioError.from(error);
      if (studioError.code === 'INTERNAL') logger.error({ err: error, method }, 'handler failed');
      return { ok: false, error: studioError.toJSON() };
    }
  };
}
