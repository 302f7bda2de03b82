import {
  events,
  methods,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName,
  type MethodOutput,
} from '../../src-shared/contract/index.js';
import { ClientError } from './client-error.js';
import { HttpTransport } from './http-transport.js';
import { IpcTransport } from './ipc-transport.js';
import { rawUpload } from './raw-upload.js';
import type { ConnectionState, Transport } from './transport.js';

export { ClientError, isClientError, toClientError } from './client-error.js';
export type { ConnectionState } from './transport.js';

function createTransport(): Transport {
  return window.studio ? new IpcTransport(window.studio) : new HttpTransport(window.location);
}

const transport = createTransport();
export const transportKind = transport.kind;

const unauthorizedListeners = new Set<() => void>();

/** Called whenever any call answers UNAUTHORIZED (session expired, cookie cleared). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** Parses loosely: a shape the client does not know (a newer host) is passed through with a warning. */
function loose<T>(schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as T;
  console.warn(`Unexpected shape from ${what}; using it as is`, value);
  return value as T;
}

type InputArgs<M extends MethodName> = Record<string, never> extends MethodInput<M>
  ? [input?: MethodInput<M>]
  : [input: MethodInput<M>];

/** Calls one contract method on whichever transport this window has; rejects with a ClientError. */
export async function call<M extends MethodName>(name: M, ...args: InputArgs<M>): Promise<MethodOutput<M>> {
  const result = await transport.invoke(name, args[0] ?? {});
  if (!result.ok) {
    if (result.error.code === 'UNAUTHORIZED') unauthorizedListeners.forEach((listener) => listener());
    throw new ClientError(result.error);
  }
  return loose<MethodOutput<M>>(methods[name].output, result.result, name);
}

/**
 * Sends a file as the raw body of one of the host's upload routes (`/api/v1/...`, outside the contract
 * because its body is bytes): in a browser and in the Electron window alike, whose page is the host's.
 * Resolves to the answer (checked loosely against `schema`); rejects with a ClientError.
 */
export async function uploadFile<T>(
  method: 'PUT' | 'POST',
  url: string,
  file: Blob,
  schema: { safeParse(v: unknown): { success: boolean; data?: unknown } },
): Promise<T> {
  const result = await rawUpload((u, init) => fetch(u, init), method, url, file);
  if (!result.ok) {
    if (result.error.code === 'UNAUTHORIZED') unauthorizedListeners.forEach((listener) => listener());
    throw new ClientError(result.error);
  }
  return loose<T>(schema, result.result, url);
}

/** Subscribes to one event; returns the unsubscribe function. Starts the event stream if needed. */
export function onEvent<E extends EventName>(name: E, listener: (data: EventPayload<E>) => void): () => void {
  return transport.onEnvelope((envelope) => {
    if (envelope.event !== name) return;
    listener(loose<EventPayload<E>>(events[name].payload, envelope.data, name));
  });
}

export function startEvents(): void {
  transport.startEvents();
}

export function stopEvents(): void {
  transport.stopEvents();
}

export function onConnection(listener: (state: ConnectionState) => void): () => void {
  return transport.onConnection(listener);
}

export function connection(): ConnectionState {
  return transport.connection();
}
