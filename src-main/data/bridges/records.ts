import type { DataMessage } from '../../../src-shared/contract/data.js';

/**
 * What a bridge writes for one message, the same for every engine: the data as JSON (a MessagePack body
 * was decoded by the hub) and the message's identity and times as headers (NATS) or fields (Redis), so
 * a consumer can order, deduplicate and place it on the program timeline without our SDK.
 */
export interface BridgeRecord {
  stream: string;
  channel: string;
  seq: number;
  /** `<stream>/<channel>:<seq>`: unique per host, the NATS message id (JetStream drops a resend). */
  id: string;
  at: number;
  payload: string;
  meta: Record<string, string>;
}

export function recordOf(message: DataMessage): BridgeRecord {
  const meta: Record<string, string> = { seq: String(message.seq), at: String(message.at), 'content-type': 'application/json' };
  if (message.mediaTime !== null) meta['media-time'] = String(message.mediaTime);
  if (message.programDateTime !== null) meta['program-date-time'] = String(message.programDateTime);
  return {
    stream: message.stream,
    channel: message.channel,
    seq: message.seq,
    id: `${message.stream}/${message.id}`,
    at: message.at,
    payload: JSON.stringify(message.data ?? null),
    meta,
  };
}

/** The NATS subject of a channel: `<prefix>.<stream>.<channel>` (stream and channel names have no dots). */
export const natsSubjectOf = (prefix: string, stream: string, channel: string): string => `${prefix}.${stream}.${channel}`;

/** The JetStream stream holding a stream's subjects: `<PREFIX>_<stream>` (JetStream names take no dots). */
export const jetStreamNameOf = (prefix: string, stream: string): string => `${prefix}_${stream}`.toUpperCase().replace(/[^A-Z0-9_-]/g, '_');

/** The Redis stream key of a channel: `<prefix>:<stream>:<channel>`. */
export const redisKeyOf = (prefix: string, stream: string, channel: string): string => `${prefix}:${stream}:${channel}`;

/**
 * A message read from an engine as the data of a channel message: JSON when it parses, else the text.
 * Redis entries without a `data` field (written by another producer) come as their field map.
 */
export function dataOfPayload(payload: string): unknown {
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

export function dataOfRedisFields(fields: string[]): unknown {
  const map: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) map[fields[i]!] = fields[i + 1]!;
  return 'data' in map ? dataOfPayload(map.data!) : map;
}
