import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ErrorCode } from '../../../src-shared/errors.js';
import { codeOfStatus } from './headers.js';

/** An answer of ours (not tus's): status, headers, and an error for the JSON body. */
export type Reply = { status: number; headers?: Record<string, string>; error?: { code?: ErrorCode; message: string } };

export const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function stringMetadata(metadata: Record<string, string | null> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, v ?? '']));
}

/**
 * The web Request @tus/server reads, from the raw Node request: the owner in `x-upload-owner` (set
 * here, whatever the client sent), the body the socket or `replaced` (a verified chunk).
 */
export function tusRequest(req: IncomingMessage, owner: string, replaced?: { body: ReadableStream; length: number }): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  headers.set('x-upload-owner', owner);
  if (replaced) headers.set('content-length', String(replaced.length));
  const method = req.method ?? 'GET';
  const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { method, headers });
  // tus reads `req.body`; given to the Request constructor the stream would be wrapped in one more.
  if (method === 'POST' || method === 'PATCH') Object.defineProperty(request, 'body', { value: replaced?.body ?? Readable.toWeb(req) });
  return request;
}

/** Our own answers: tus headers always, a JSON body where tus allows one (not for HEAD). */
export function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { 'Tus-Resumable': '1.0.0', 'Cache-Control': 'no-store', ...reply.headers };
  // A request refused before its body was read: close rather than read a chunk nobody wants.
  if (!req.complete && (req.method === 'PATCH' || req.method === 'POST')) headers.Connection = 'close';
  const body =
    reply.error && req.method !== 'HEAD'
      ? JSON.stringify({ error: { code: reply.error.code ?? codeOfStatus(reply.status), message: reply.error.message } })
      : undefined;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  res.writeHead(reply.status, headers);
  res.end(body);
}
