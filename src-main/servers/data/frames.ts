import { decode, encode } from '@msgpack/msgpack';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import { StudioError } from '../../core/errors.js';

/**
 * The wire formats of data channels, pure. A message is encoded once per format and the bytes shared by
 * every subscriber (WeakMaps keyed by the message: 10,000 subscribers cost one JSON.stringify).
 */

const jsonFrames = new WeakMap<DataMessage, Buffer>();
const msgpackFrames = new WeakMap<DataMessage, Buffer>();
const sseFrames = new WeakMap<DataMessage, Buffer>();
const sseWildFrames = new WeakMap<DataMessage, Buffer>();

function cached(map: WeakMap<DataMessage, Buffer>, message: DataMessage, make: () => Buffer): Buffer {
  let frame = map.get(message);
  if (!frame) {
    frame = make();
    map.set(message, frame);
  }
  return frame;
}

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** WebSocket text frame `{"type":"message","message":...}`. */
export const jsonFrame = (message: DataMessage): Buffer =>
  cached(jsonFrames, message, () => Buffer.from(JSON.stringify({ type: 'message', message })));

/** The same as a binary MessagePack frame (`?format=msgpack`). */
export const msgpackFrame = (message: DataMessage): Buffer => cached(msgpackFrames, message, () => toBuffer(encode({ type: 'message', message })));

/** An SSE event: `id: <seq>` (`<channel>:<seq>` on the `*` subscription), `event: message`, the message as JSON. */
export const sseFrame = (message: DataMessage, wildcard: boolean): Buffer =>
  cached(wildcard ? sseWildFrames : sseFrames, message, () =>
    Buffer.from(`id: ${wildcard ? message.id : message.seq}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`),
  );

export const sseEvent = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export type PublishContentType = 'application/json' | 'application/msgpack' | 'application/x-protobuf';

/** The data content type a Content-Type header names (`application/x-msgpack` too), else null. */
export function publishContentType(header: string | undefined): PublishContentType | null {
  const type = (header ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/json') return 'application/json';
  if (type === 'application/msgpack' || type === 'application/x-msgpack' || type === 'application/vnd.msgpack') return 'application/msgpack';
  if (type === 'application/x-protobuf' || type === 'application/protobuf' || type === 'application/vnd.google.protobuf') return 'application/x-protobuf';
  return null;
}

/** Decodes a published body; a body that is not what it says is BAD_REQUEST. */
export function decodeBody(type: Exclude<PublishContentType, 'application/x-protobuf'>, body: Buffer): unknown {
  if (body.length === 0) throw new StudioError('BODY_REQUIRED', 'send the message as the request body');
  try {
    return type === 'application/json' ? JSON.parse(body.toString('utf8')) : decode(body);
  } catch {
    throw new StudioError('BAD_REQUEST', type === 'application/json' ? 'the body is not valid JSON' : 'the body is not valid MessagePack');
  }
}

/** `?mediaTime=` / `X-Media-Time` / a WebSocket publish's `mediaTime`: ms, a finite number; undefined when absent. */
export function parseMediaTime(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || Math.abs(n) > 1e15) throw new StudioError('VALIDATION_FAILED', 'mediaTime is a number of milliseconds');
  return n;
}

/** A `Last-Event-ID` or `afterSeq`: a whole number, else undefined (a garbled one replays nothing rather than failing). */
export function parseSeq(value: unknown): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}
