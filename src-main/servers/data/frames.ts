import { decode, encode } from '@msgpack/msgpack';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import { StudioError } from '../../core/errors.js';

/**
 * The wire formats of data channels, pure. A message is encoded once per format and the bytes shared by
 * every subscriber (WeakMaps keyed by the message: 10,000 subscribers cost one JSON.stringify).
 */

const jsonWsFrames = new WeakMap<DataMessage, Buffer>();
const msgpackWsFrames = new WeakMap<DataMessage, Buffer>();
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

/**
 * The header of a final, unmasked WebSocket frame (a server's, RFC 6455 §5.2) of a text or binary
 * payload of `length` bytes: FIN and the opcode, then the length in 7 bits, or 126 and 16 bits, or 127
 * and 64 bits.
 */
export function wsFrameHeader(length: number, binary: boolean): Buffer {
  const size = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const header = Buffer.alloc(size);
  header[0] = 0x80 | (binary ? 0x2 : 0x1);
  if (size === 2) header[1] = length;
  else if (size === 4) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return header;
}

const wsFramed = (payload: Buffer, binary: boolean): Buffer => Buffer.concat([wsFrameHeader(payload.length, binary), payload]);
/** The payload of a frame wsFramed made (a view, no copy). */
const payloadOf = (frame: Buffer): Buffer => frame.subarray(frame[1] === 127 ? 10 : frame[1] === 126 ? 4 : 2);

/**
 * The whole WebSocket text frame of `{"type":"message","message":...}`, header included: every
 * subscriber's socket is written these same bytes (ws would frame the message again per socket).
 */
export const jsonWsFrame = (message: DataMessage): Buffer =>
  cached(jsonWsFrames, message, () => wsFramed(Buffer.from(JSON.stringify({ type: 'message', message })), false));

/** The same as a binary MessagePack frame (`?format=msgpack`). */
export const msgpackWsFrame = (message: DataMessage): Buffer =>
  cached(msgpackWsFrames, message, () => wsFramed(toBuffer(encode({ type: 'message', message })), true));

/** The payload of jsonWsFrame: `{"type":"message","message":...}`. */
export const jsonFrame = (message: DataMessage): Buffer => payloadOf(jsonWsFrame(message));

/** The payload of msgpackWsFrame. */
export const msgpackFrame = (message: DataMessage): Buffer => payloadOf(msgpackWsFrame(message));

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
