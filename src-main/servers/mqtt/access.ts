import { isUtf8 } from 'node:buffer';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { CHANNEL_NAME_PATTERN, RESERVED_CHANNELS, type DataContentType } from '../../../src-shared/contract/data.js';
import { STREAM_NAME_PATTERN } from '../../../src-shared/contract/streams.js';

/**
 * Who may do what on the broker, as pure functions of the client's principal, the topic and the
 * streams' visibility: the server's hooks only look these up. Topics are `streams/<name>/data/<channel>`;
 * the broker carries nothing else from clients.
 */

/** How a client signed in: the API token, a stream key (for that stream only), or no password. */
export type MqttPrincipal = { kind: 'api' } | { kind: 'key'; stream: string } | { kind: 'anonymous' };

/** A stream's visibility now; undefined when no such stream exists. */
export type Visibility = (stream: string) => 'public' | 'private' | undefined;

export interface DataTopic {
  stream: string;
  channel: string;
}

export const dataTopic = (stream: string, channel: string): string => `streams/${stream}/data/${channel}`;

export function parseDataTopic(topic: string): DataTopic | null {
  const levels = topic.split('/');
  if (levels.length !== 4 || levels[0] !== 'streams' || levels[2] !== 'data') return null;
  const [, stream, , channel] = levels as [string, string, string, string];
  return STREAM_NAME_PATTERN.test(stream) && CHANNEL_NAME_PATTERN.test(channel) ? { stream, channel } : null;
}

export type PublishRefusal = 'not-a-data-topic' | 'anonymous' | 'unknown-stream' | 'other-stream' | 'reserved-channel';

export function publishDecision(principal: MqttPrincipal, topic: string, visibility: Visibility): { ok: true; topic: DataTopic } | { ok: false; reason: PublishRefusal } {
  if (principal.kind === 'anonymous') return { ok: false, reason: 'anonymous' };
  const parsed = parseDataTopic(topic);
  if (!parsed) return { ok: false, reason: 'not-a-data-topic' };
  if (principal.kind === 'key' && principal.stream !== parsed.stream) return { ok: false, reason: 'other-stream' };
  if ((RESERVED_CHANNELS as readonly string[]).includes(parsed.channel)) return { ok: false, reason: 'reserved-channel' };
  if (visibility(parsed.stream) === undefined) return { ok: false, reason: 'unknown-stream' };
  return { ok: true, topic: parsed };
}

const mayReadStream = (principal: MqttPrincipal, stream: string, visibility: Visibility): boolean =>
  principal.kind === 'api' || (principal.kind === 'key' && principal.stream === stream) || visibility(stream) === 'public';

/** Whether a message on `topic` may be forwarded to the client (wildcard subscriptions are filtered here). */
export function mayRead(principal: MqttPrincipal, topic: string, visibility: Visibility): boolean {
  if (principal.kind === 'api') return true;
  const parsed = parseDataTopic(topic);
  return parsed !== null && mayReadStream(principal, parsed.stream, visibility);
}

/**
 * Whether a SUBSCRIBE filter is granted. A filter naming one stream is decided now (a private or
 * unknown stream is refused); a wildcard over streams is granted and filtered message by message.
 */
export function subscribeDecision(principal: MqttPrincipal, filter: string, visibility: Visibility): boolean {
  if (principal.kind === 'api') return true;
  const levels = filter.split('/');
  const [first, stream] = levels;
  if (first === '#' || first === '+') return true;
  if (first !== 'streams') return false;
  if (stream === undefined || stream === '#' || stream === '+') return true;
  return STREAM_NAME_PATTERN.test(stream) && mayReadStream(principal, stream, visibility);
}

/** MQTT topic filter matching: `+` one level, `#` the rest (a `$` topic only by a filter naming it). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export type DecodedPayload = { contentType: DataContentType; data: unknown; raw?: Buffer };

/**
 * An MQTT payload as a data message: JSON when it parses; else UTF-8 text as a JSON string; else
 * MessagePack when it decodes (text first: a lone ASCII byte is also a valid MessagePack integer).
 * A v5 content type `application/msgpack` or `application/json` is taken at its word. Null: refuse.
 */
export function decodePayload(payload: Buffer, declaredType?: string): DecodedPayload | null {
  if (declaredType === 'application/msgpack') return msgpack(payload);
  const text = isUtf8(payload) ? payload.toString('utf8') : null;
  if (text !== null) {
    try {
      return { contentType: 'application/json', data: JSON.parse(text) as unknown };
    } catch {
      return declaredType === 'application/json' ? null : { contentType: 'application/json', data: text };
    }
  }
  return declaredType === 'application/json' ? null : msgpack(payload);
}

function msgpack(payload: Buffer): DecodedPayload | null {
  try {
    return { contentType: 'application/msgpack', data: decodeMsgpack(payload), raw: payload };
  } catch {
    return null;
  }
}
