import { z } from 'zod';
import { event, method } from './define.js';
import { streamNameSchema } from './streams.js';

/**
 * Live data and chat, in step with the picture. Each stream has named channels; a message published
 * to one is stamped with the stream's media time and fanned out to WebSocket, Server-Sent Events and
 * MQTT subscribers, written into the media (HLS EXT-X-DATERANGE, DASH EventStream, a WebRTC data
 * channel) and kept for the DVR and the recording's replay.
 *
 * The wire formats live in the servers (src-main/servers/data/, src-main/servers/mqtt/), outside the
 * contract, like tus: `POST /api/v1/streams/:name/data/:channel` (JSON or MessagePack body -> 202
 * `{id, seq, mediaTime, programDateTime}`), `GET .../data/:channel/ws` (WebSocket, publish and
 * subscribe), `GET .../data/:channel/events` (SSE with `Last-Event-ID`), MQTT topic
 * `streams/<name>/data/<channel>`. The control methods below go through the contract.
 *
 * Time: `mediaTime` is milliseconds on the publisher's own timeline (the FLV/RTMP timestamps of the
 * live run, which a publisher such as OBS or a game knows); `programDateTime` is the Unix ms of that
 * moment on the program timeline every packager writes (EXT-X-PROGRAM-DATE-TIME, the MPD's wall clock,
 * the WebRTC time map, a recording's start). Players show a message when the frame of that
 * programDateTime is on screen.
 */

export const CHANNEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const channelNameSchema = z
  .string()
  .regex(CHANNEL_NAME_PATTERN, 'a channel name is 1 to 64 lowercase letters, digits, - and _ (starting with a letter or digit)');

/** Channels the studio writes itself: publishing to them from outside is refused (CHANNEL_RESERVED). */
export const RESERVED_CHANNELS = ['chat', 'windows'] as const;

export const backpressurePolicies = ['drop-oldest', 'queue', 'disconnect'] as const;
export const backpressurePolicySchema = z.enum(backpressurePolicies);
export type BackpressurePolicy = z.infer<typeof backpressurePolicySchema>;

export const dataContentTypes = ['application/json', 'application/msgpack', 'application/x-protobuf'] as const;
export const dataContentTypeSchema = z.enum(dataContentTypes);
export type DataContentType = z.infer<typeof dataContentTypeSchema>;

export const dataSourceSchema = z.object({
  kind: z
    .enum(['api', 'key', 'mqtt', 'viewer', 'studio', 'bridge', 'processor'])
    .describe('How the publisher authenticated (bridge: read from NATS JetStream or Redis Streams by an in-bridge; processor: the output of a processor)'),
  transport: z.enum(['http', 'ws', 'mqtt', 'internal', 'nats', 'redis']),
  remoteAddress: z.string().nullable(),
});
export type DataSource = z.infer<typeof dataSourceSchema>;

export const dataMessageSchema = z.object({
  id: z.string().describe('`<channel>:<seq>`; SSE sends `seq` as the event id'),
  stream: streamNameSchema,
  channel: channelNameSchema,
  seq: z.number().int().min(1).describe('Per stream and channel, 1, 2, 3 ... (kept across restarts)'),
  at: z.number().describe('Unix ms when the host accepted it'),
  mediaTime: z.number().nullable().describe('ms on the publisher timeline (given, or the newest frame at publish); null when not live'),
  programDateTime: z.number().nullable().describe('Unix ms on the program timeline (EXT-X-PROGRAM-DATE-TIME axis); null when not live'),
  contentType: dataContentTypeSchema,
  data: z.unknown().describe('The JSON value (a MessagePack body decoded)'),
  source: dataSourceSchema,
});
export type DataMessage = z.infer<typeof dataMessageSchema>;

export const channelStatsSchema = z.object({
  channel: channelNameSchema,
  lastSeq: z.number().int(),
  lastAt: z.number().nullable(),
  published: z.number().int().describe('Messages since the host started'),
  subscribers: z.number().int().describe('WebSocket, SSE and MQTT subscribers now'),
  dropped: z.number().int().describe('Messages dropped for slow subscribers (drop-oldest) since start'),
  disconnected: z.number().int().describe('Subscribers cut off by the disconnect or queue policy since start'),
});
export type ChannelStats = z.infer<typeof channelStatsSchema>;

export const mediaClockSchema = z.object({
  live: z.boolean(),
  mediaTime: z.number().nullable().describe('ms on the publisher timeline of the newest frame'),
  programDateTime: z.number().nullable(),
  anchor: z
    .object({ mediaTime: z.number(), programDateTime: z.number() })
    .nullable()
    .describe('The run\'s first frame: programDateTime(t) = anchor.programDateTime + (t - anchor.mediaTime)'),
});
export type MediaClockView = z.infer<typeof mediaClockSchema>;

// ---- windows over the stream of messages ----

export const windowKinds = ['tumbling', 'sliding', 'session'] as const;
export const windowDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    label: z.string().min(1).max(80),
    channel: channelNameSchema.describe('Which channel it reads ("*": every channel)').or(z.literal('*')),
    kind: z.enum(windowKinds),
    sizeSec: z.number().int().min(1).max(86_400).describe('Tumbling/sliding: the window length; session: the gap that closes a session'),
    stepSec: z.number().int().min(1).max(3600).optional().describe('Sliding: how often it is evaluated (default 1)'),
    groupBy: z.string().max(64).optional().describe('A top-level field of the message data to count by (e.g. "emoji", "option")'),
    sumOf: z.string().max(64).optional().describe('A numeric top-level field to sum and average'),
  })
  .strict();
export type WindowDefinition = z.infer<typeof windowDefinitionSchema>;

export const windowResultSchema = z.object({
  stream: streamNameSchema,
  window: z.string(),
  kind: z.enum(windowKinds),
  start: z.number().describe('Unix ms'),
  end: z.number(),
  closed: z.boolean().describe('A tumbling window or a session that ended; false while it fills'),
  count: z.number().int(),
  groups: z.record(z.string(), z.number()).describe('Count per groupBy value'),
  sum: z.number().nullable(),
  avg: z.number().nullable(),
});
export type WindowResult = z.infer<typeof windowResultSchema>;

// ---- bridges to streaming engines ----

export const bridgeEngines = ['nats', 'redis'] as const;
export type BridgeEngine = (typeof bridgeEngines)[number];
/** NATS subject tokens and Redis keys: no spaces, no wildcards. */
export const BRIDGE_SOURCE_PATTERN = /^[A-Za-z0-9_-]+([.:][A-Za-z0-9_-]+)*$/;

export const bridgeDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a bridge id is 1 to 32 lowercase letters, digits, - and _'),
    engine: z.enum(bridgeEngines),
    direction: z
      .enum(['out', 'in'])
      .describe('out: the channel\'s messages go to the engine (NATS subject <prefix>.<stream>.<channel> in a JetStream stream, Redis key <prefix>:<stream>:<channel>); in: the engine\'s messages come into the channel'),
    channel: channelNameSchema.or(z.literal('*')).describe('out: a channel or "*" (every channel); in: the channel the messages go to'),
    source: z
      .string()
      .max(200)
      .regex(BRIDGE_SOURCE_PATTERN, 'a NATS subject or a Redis key: letters, digits, - and _ separated by . or :')
      .optional()
      .describe('in: the NATS subject (inside a JetStream stream) or the Redis stream key to read'),
    fromSeq: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('in: replay from this JetStream sequence (NATS) or from the start of the Redis stream (0) when the bridge is first made; default: new messages only'),
  })
  .strict();
export type BridgeDefinition = z.infer<typeof bridgeDefinitionSchema>;

export const bridgeStatusSchema = z.object({
  id: z.string(),
  state: z.enum(['connecting', 'up', 'down', 'off']).describe('off: the engine has no URL in Settings (bridges.natsUrl / bridges.redisUrl)'),
  sent: z.number().int().describe('out: messages the engine acknowledged since start'),
  received: z.number().int().describe('in: messages put into the channel since start'),
  buffered: z.number().int().describe('out: messages waiting for the engine'),
  dropped: z.number().int().describe('out: messages dropped because the buffer was full (bridges.bufferMessages)'),
  errors: z.number().int().describe('Failed writes, reads and connections since start (each retried)'),
  lastError: z.string().nullable(),
  lagMs: z.number().describe('out: age of the oldest message not yet acknowledged; 0 when none waits'),
});
export type BridgeStatus = z.infer<typeof bridgeStatusSchema>;

// ---- chat ----

export const CHAT_VIEWER_ID_RE = /^cv_[a-z0-9]{16}$/;
export const chatRoomSchema = z
  .string()
  .regex(/^(stream:[a-z0-9-]{1,64}|video:vid_[a-z0-9]{12})$/, 'a chat room is stream:<name> or video:<video id>');

export const chatSettingsSchema = z.object({
  anonymous: z.boolean().describe('Viewers may chat with a display name and no sign-in'),
  slowModeSec: z.number().int().min(0).max(3600).describe('At most one message per viewer this often (0: off)'),
  perMinute: z.number().int().min(1).max(600).describe('Rate limit per viewer'),
  links: z.boolean().describe('Messages may contain links'),
  blockedWords: z.array(z.string().min(1).max(64)).max(500).describe('Messages containing one are refused'),
  maxLength: z.number().int().min(1).max(2000),
});
export type ChatSettings = z.infer<typeof chatSettingsSchema>;

export const chatMessageSchema = z.object({
  id: z.string(),
  room: chatRoomSchema,
  seq: z.number().int(),
  viewerId: z.string(),
  displayName: z.string(),
  signedIn: z.boolean().describe('Sent from the studio or a signed-in session'),
  text: z.string(),
  at: z.number(),
  mediaTime: z.number().nullable(),
  programDateTime: z.number().nullable(),
  deleted: z.boolean(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatBanSchema = z.object({
  viewerId: z.string(),
  displayName: z.string().nullable(),
  until: z.number().nullable().describe('Unix ms; null: banned until unbanned'),
  reason: z.string().nullable(),
  at: z.number(),
});
export type ChatBan = z.infer<typeof chatBanSchema>;

const roomInput = { room: chatRoomSchema };
/** A private stream's viewers pass on their signed player URL's query (exp, sig, ip). */
const signatureInput = { exp: z.string().max(16).optional(), sig: z.string().max(64).optional(), ip: z.string().max(2).optional() };

export const dataMethods = {
  'data.channels': method({
    tag: 'data',
    scope: 'data:read',
    summary: 'The stream\'s data channels with their counters, and its media clock',
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({ channels: z.array(channelStatsSchema), clock: mediaClockSchema }),
    http: { method: 'GET', path: '/streams/:name/data' },
  }),
  'data.messages': method({
    tag: 'data',
    scope: 'data:read',
    summary: 'Kept messages of a channel, oldest first: after a seq, or in a program-time range (DVR and recording replay)',
    input: z
      .object({
        name: streamNameSchema,
        channel: channelNameSchema,
        afterSeq: z.coerce.number().int().min(0).optional(),
        fromPdt: z.coerce.number().optional(),
        toPdt: z.coerce.number().optional(),
        limit: z.coerce.number().int().min(1).max(5000).optional(),
        ...signatureInput,
      })
      .strict(),
    output: z.object({ messages: z.array(dataMessageSchema) }),
    http: { method: 'GET', path: '/streams/:name/data/:channel/messages' },
    public: true,
  }),
  'data.windows': method({
    tag: 'data',
    scope: 'data:read',
    summary: 'The stream\'s window definitions and their latest results',
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({ windows: z.array(windowDefinitionSchema), results: z.array(windowResultSchema) }),
    http: { method: 'GET', path: '/streams/:name/data/windows' },
  }),
  'data.setWindows': method({
    tag: 'data',
    scope: 'data:write',
    summary: 'Replace the stream\'s window definitions (counts, reactions, poll results)',
    input: z.object({ name: streamNameSchema, windows: z.array(windowDefinitionSchema).max(20) }).strict(),
    output: z.object({ windows: z.array(windowDefinitionSchema) }),
    http: { method: 'PUT', path: '/streams/:name/data/windows' },
  }),
  'data.bridges': method({
    tag: 'data',
    scope: 'data:read',
    summary: 'The stream\'s bridges to NATS JetStream and Redis Streams, with their state, lag and errors',
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({
      bridges: z.array(bridgeDefinitionSchema),
      status: z.array(bridgeStatusSchema),
      prefix: z.string().describe('bridges.prefix: out-bridges write <prefix>.<stream>.<channel> (NATS) and <prefix>:<stream>:<channel> (Redis)'),
    }),
    http: { method: 'GET', path: '/streams/:name/data/bridges' },
  }),
  'data.setBridges': method({
    tag: 'data',
    // The engines are the host's (Settings): a token that may write one stream's data must not read
    // another stream's subjects and keys into its channels.
    scope: 'config:write',
    summary: 'Replace the stream\'s bridges (messages out to NATS JetStream or Redis Streams, or in from them)',
    input: z.object({ name: streamNameSchema, bridges: z.array(bridgeDefinitionSchema).max(20) }).strict(),
    output: z.object({ bridges: z.array(bridgeDefinitionSchema) }),
    http: { method: 'PUT', path: '/streams/:name/data/bridges' },
  }),
  'chat.join': method({
    tag: 'chat',
    scope: 'chat:write',
    summary: 'A viewer joins a room with a display name: returns the viewer id and token to send with',
    input: z.object({ ...roomInput, displayName: z.string().trim().min(1).max(32), viewerToken: z.string().max(128).optional(), ...signatureInput }).strict(),
    output: z.object({ viewerId: z.string(), viewerToken: z.string(), displayName: z.string(), settings: chatSettingsSchema }),
    http: { method: 'POST', path: '/chat/:room/join' },
    public: true,
  }),
  'chat.send': method({
    tag: 'chat',
    scope: 'chat:write',
    summary: 'Send a chat line (a viewer with its token, or the studio as itself)',
    input: z.object({ ...roomInput, text: z.string().min(1).max(2000), viewerToken: z.string().max(128).optional(), ...signatureInput }).strict(),
    output: chatMessageSchema,
    http: { method: 'POST', path: '/chat/:room/messages', status: 201 },
    public: true,
  }),
  'chat.list': method({
    tag: 'chat',
    scope: 'chat:read',
    summary: 'Chat lines of a room, oldest first (deleted lines are left out for viewers)',
    input: z
      .object({
        ...roomInput,
        afterSeq: z.coerce.number().int().min(0).optional(),
        fromPdt: z.coerce.number().optional().describe('Lines from this program time on (a recording\'s chat replay)'),
        toPdt: z.coerce.number().optional(),
        limit: z.coerce.number().int().min(1).max(1000).optional(),
        ...signatureInput,
      })
      .strict(),
    output: z.object({ messages: z.array(chatMessageSchema) }),
    http: { method: 'GET', path: '/chat/:room/messages' },
    public: true,
  }),
  'chat.delete': method({
    tag: 'chat',
    scope: 'chat:write',
    summary: 'Delete a chat line (it disappears for every viewer)',
    input: z.object({ ...roomInput, id: z.string().max(64) }).strict(),
    output: z.object({ deleted: z.boolean() }),
    http: { method: 'DELETE', path: '/chat/:room/messages/:id' },
  }),
  'chat.ban': method({
    tag: 'chat',
    scope: 'chat:write',
    summary: 'Ban a viewer, or time them out for `seconds`',
    input: z
      .object({ ...roomInput, viewerId: z.string().regex(CHAT_VIEWER_ID_RE), seconds: z.number().int().min(1).max(31_536_000).optional(), reason: z.string().max(200).optional() })
      .strict(),
    output: chatBanSchema,
    http: { method: 'POST', path: '/chat/:room/bans' },
  }),
  'chat.unban': method({
    tag: 'chat',
    scope: 'chat:write',
    summary: 'Lift a ban or a time-out',
    input: z.object({ ...roomInput, viewerId: z.string().regex(CHAT_VIEWER_ID_RE) }).strict(),
    output: z.object({ removed: z.boolean() }),
    http: { method: 'DELETE', path: '/chat/:room/bans/:viewerId' },
  }),
  'chat.bans': method({
    tag: 'chat',
    scope: 'chat:read',
    summary: 'Banned and timed-out viewers of a room',
    input: z.object(roomInput).strict(),
    output: z.object({ bans: z.array(chatBanSchema) }),
    http: { method: 'GET', path: '/chat/:room/bans' },
  }),
  'chat.settings': method({
    tag: 'chat',
    scope: 'chat:read',
    summary: 'A room\'s moderation settings',
    input: z.object(roomInput).strict(),
    output: chatSettingsSchema,
    http: { method: 'GET', path: '/chat/:room/settings' },
  }),
  'chat.updateSettings': method({
    tag: 'chat',
    scope: 'chat:write',
    summary: 'Change a room\'s moderation settings (slow mode, word filter, links, anonymous, rate)',
    input: z.object({ ...roomInput, ...chatSettingsSchema.partial().shape }).strict(),
    output: chatSettingsSchema,
    http: { method: 'PATCH', path: '/chat/:room/settings' },
  }),
  'chat.export': method({
    tag: 'chat',
    scope: 'chat:read',
    summary: 'Every chat line of a room with its media time, deleted ones marked, as JSON',
    input: z.object(roomInput).strict(),
    output: z.object({ room: chatRoomSchema, exportedAt: z.number(), messages: z.array(chatMessageSchema), bans: z.array(chatBanSchema) }),
    http: { method: 'GET', path: '/chat/:room/export' },
  }),
} as const;

export const dataEvents = {
  'chat.message': event({
    summary: 'A chat line was sent, or deleted (deleted: true)',
    payload: chatMessageSchema,
  }),
  'data.window': event({
    summary: 'A window\'s result changed (at most once a second per window) or closed',
    payload: windowResultSchema,
  }),
} as const;
