import type { CallResult, EventEnvelope, MethodName } from '../../src-shared/contract/index.js';
import { isStudioErrorShape } from '../../src-shared/errors.js';
import { errorFromHttpStatus } from './client-error.js';
import { EventSocket, eventsUrl } from './event-socket.js';
import { buildRequest } from './http-request.js';
import type { ConnectionState, Transport } from './transport.js';

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * A browser talking to `streams host`: REST calls with the session cookie (same origin), events over
 * the WebSocket. A failed fetch becomes UNAVAILABLE so the UI handles it like any other error.
 */
export async function httpInvoke(name: MethodName, input: unknown): Promise<CallResult<unknown>> {
  const spec = buildRequest(name, input);
  let response: Response;
  try {
    response = await fetch(spec.url, {
      method: spec.method,
      credentials: 'same-origin',
      headers: spec.body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
    });
  } catch (err) {
    return { ok: false, error: { code: 'UNAVAILABLE', message: `Cannot reach the studio host (${(err as Error).message})` } };
  }
  const body = await readJson(response);
  if (response.ok) return { ok: true, result: body };
  const error = (body as { error?: unknown } | null)?.error;
  if (isStudioErrorShape(error)) return { ok: false, error };
  return { ok: false, error: errorFromHttpStatus(response.status, response.statusText).shape };
}

export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly socket: EventSocket;

  constructor(location: { protocol: string; host: string }) {
    this.socket = new EventSocket(eventsUrl(location));
  }

  invoke(name: MethodName, input: unknown) {
    return httpInvoke(name, input);
  }

  startEvents(): void {
    this.socket.start();
  }

  stopEvents(): void {
    this.socket.stop();
  }

  onEnvelope(listener: (envelope: EventEnvelope) => void) {
    return this.socket.envelopes.add(listener);
  }

  onConnection(listener: (state: ConnectionState) => void) {
    return this.socket.states.add(listener);
  }

  connection(): ConnectionState {
    return this.socket.connection();
  }
}
