import { z } from 'zod';
import { p2pSettingsSchema } from '../p2p.js';
import { BEARER_TOKEN_OR_EMPTY, HTTP_URL_OR_EMPTY, isBearerTokenOrEmpty, isHttpUrlOrEmpty } from '../config-auth.js';

export const STREAM_NAME_PATTERN = /^[a-z0-9-]{1,64}$/;

export const streamNameSchema = z
  .string()
  .regex(STREAM_NAME_PATTERN, 'use 1 to 64 lowercase letters, digits and dashes');

export const ladderPresets = ['passthrough', 'standard', 'high'] as const;
export const ladderPresetSchema = z.enum(ladderPresets);
export type LadderPreset = z.infer<typeof ladderPresetSchema>;

export const latencyModes = ['low', 'standard'] as const;
export const latencyModeSchema = z
  .enum(latencyModes)
  .describe('low: LL-HLS parts and chunked LL-DASH, about 1-2 s; standard: 2 s segments, about 6-8 s');
export type LatencyMode = z.infer<typeof latencyModeSchema>;

/** The DVR window a stream keeps (minutes viewers can rewind while it is live); 0 keeps the live window only. */
export const DVR_MAX_MINUTES = 240;
export const dvrMinutesSchema = z
  .number()
  .int('must be a whole number of minutes')
  .min(0, `must be between 0 and ${DVR_MAX_MINUTES}`)
  .max(DVR_MAX_MINUTES, `must be between 0 and ${DVR_MAX_MINUTES}`)
  .describe('Minutes a viewer can rewind while the stream is live (low latency only)');

/**
 * How a stream's output is encrypted: `none`; `aes-128` (each HLS segment and part encrypted whole
 * with AES-128-CBC, keys made by the host and rotated, served by the stream's key server to the
 * viewers it admits; no DASH output, AES-128 is HLS's); or `cbcs` (Common Encryption: the samples
 * inside every fragment encrypted, for DASH players through EME with the stream's ClearKey licence
 * server, and HLS as SAMPLE-AES; one key per live run). Low latency only.
 */
export const encryptionModes = ['none', 'aes-128', 'cbcs'] as const;
export const encryptionModeSchema = z
  .enum(encryptionModes)
  .describe('none; aes-128: HLS segments and parts encrypted, keys rotated and served to admitted viewers only (no DASH); cbcs: Common Encryption for DASH (EME, ClearKey licences to admitted viewers) and HLS SAMPLE-AES. Low latency only; applies from the next live run');
export type EncryptionMode = z.infer<typeof encryptionModeSchema>;

/** A stream's own key provider (the contract of live.keyProviderUrl, README "A key provider"); '' for the host's. */
export const keyProviderUrlSchema = z
  .string()
  .max(2048)
  .refine(isHttpUrlOrEmpty, HTTP_URL_OR_EMPTY)
  .describe("An encrypted stream's own key provider, POSTed {stream, kid, method} for each content key; '': the host's (live.keyProviderUrl). Applies from the next live run");

/** A stream's key provider credential, sent as `Authorization: Bearer` to its own keyProviderUrl only; '' for none. */
export const keyProviderTokenSchema = z
  .string()
  .refine(isBearerTokenOrEmpty, BEARER_TOKEN_OR_EMPTY)
  .describe("The bearer token sent to the stream's own keyProviderUrl (never to the host's provider, never shown again: its hint is keyProviderTokenHint); '' removes it. Changing keyProviderUrl without a new token removes it too");

export const streamStates = ['idle', 'live', 'ended', 'error'] as const;
export const streamStateSchema = z.enum(streamStates);
export type StreamState = z.infer<typeof streamStateSchema>;

/** One quality level of the adaptive ladder. */
export const renditionSchema = z.object({
  id: z.string().describe('source, 1080p, 720p, 480p or 360p'),
  width: z.number().int(),
  height: z.number().int(),
  videoBitrateKbps: z.number(),
  audioBitrateKbps: z.number(),
  videoCodec: z.string(),
  /** The source passed through without re-encoding. */
  copy: z.boolean(),
});
export type Rendition = z.infer<typeof renditionSchema>;

export const trackInfoSchema = z.object({
  video: z
    .object({ codec: z.string(), width: z.number(), height: z.number(), fps: z.number(), bitrateKbps: z.number() })
    .optional(),
  audio: z.object({ codec: z.string(), sampleRate: z.number(), channels: z.number(), bitrateKbps: z.number() }).optional(),
});

/**
 * Who may publish: `key` (the stream key, or a JWT with the publish action), `jwt` (a JWT only: the key
 * is refused), `webhook` (the admission webhook decides, told which credential came).
 */
export const publishAuthSchema = z.enum(['key', 'jwt', 'webhook']);
/**
 * Who may play: `default` (anyone, or for a private stream a signed URL or a read JWT), `jwt` (a read
 * JWT only), `webhook` (the admission webhook decides).
 */
export const playAuthSchema = z.enum(['default', 'jwt', 'webhook']);
export type PublishAuth = z.infer<typeof publishAuthSchema>;
export type PlayAuth = z.infer<typeof playAuthSchema>;

export const encodeOnModes = ['origin', 'runner'] as const;
export const encodeOnSchema = z
  .enum(encodeOnModes)
  .describe('Where its ladder is encoded: origin (this host), or runner (a connected transcoding runner with a free slot; this host when none is, or when one fails). Low latency only');
export type EncodeOn = z.infer<typeof encodeOnSchema>;

export const streamSchema = z.object({
  name: streamNameSchema,
  state: streamStateSchema,
  stateAt: z.number().describe('Unix ms of the last state change'),
  stateReason: z.string().nullable(),
  ladder: ladderPresetSchema,
  latency: latencyModeSchema,
  dvrMinutes: z.number().int(),
  private: z.boolean().describe('Playback needs a signed URL'),
  record: z.boolean().describe('Recorded automatically whenever it is live'),
  publishAuth: publishAuthSchema,
  playAuth: playAuthSchema,
  maxViewers: z.number().int().describe('Most viewers at once over every protocol; 0: the host limit (limits.maxViewersPerStream)'),
  encryption: encryptionModeSchema,
  keyProviderUrl: z.string().describe("Where an encrypted stream's content keys come from; '': the host's key provider (live.keyProviderUrl), or the host's own keys"),
  keyProviderTokenHint: z.string().nullable().describe("The last 4 characters of the token sent to the stream's own key provider (…abcd); null: none"),
  p2p: p2pSettingsSchema.describe('Whether its HLS viewers share segments with each other (WebRTC data channels), and the caps'),
  encodeOn: encodeOnSchema,
  recording: z.string().nullable().describe('Id of the recording in progress'),
  createdAt: z.number(),
  ingest: z.object({
    rtmp: z.string().describe('Full publish URL without the key: append /<key>'),
    obsServer: z.string().describe('What OBS calls "Server"'),
    srt: z.string().describe('SRT publish URL without the key: append the key to streamid=publish:'),
  }),
  playback: z.object({ hls: z.string(), dash: z.string() }),
  live: z
    .object({
      since: z.number(),
      uptimeSec: z.number(),
      publisher: z.object({ protocol: z.string(), remoteAddress: z.string() }),
      tracks: trackInfoSchema,
      renditions: z.array(renditionSchema),
      bitrateInKbps: z.number(),
      bitrateOutKbps: z.number(),
      viewers: z.number().int(),
      droppedChunks: z.number().int(),
      encodedOn: z.string().nullable().describe('Where the ladder is encoding now: "origin", or the name of the runner; null while it starts or restarts'),
    })
    .nullable(),
});
export type Stream = z.infer<typeof streamSchema>;

export const streamWithKeySchema = streamSchema.extend({
  key: z.string().describe('The stream key: shown once, at creation and rotation'),
  publishUrls: z.object({ rtmp: z.string(), srt: z.string() }),
});
export type StreamWithKey = z.infer<typeof streamWithKeySchema>;

export const viewerStatsSchema = z.object({
  name: streamNameSchema,
  at: z.number(),
  viewers: z.number().int(),
  byRendition: z.record(z.string(), z.number().int()),
  byProtocol: z.record(z.string(), z.number().int()),
  bytesOut: z.number(),
  renditionSwitches: z.number().int(),
  segmentBytes: z
    .object({ peers: z.number(), http: z.number() })
    .describe('Segment bytes our P2P players received from other viewers and over HTTP (their own reports)'),
  startupMsP50: z.number().nullable().describe('Median player startup time reported by our player'),
  latencyMsP50: z
    .record(z.string(), z.number())
    .describe('Median glass-to-glass latency our players measured, per protocol (hls, dash, webrtc)'),
});
export type ViewerStats = z.infer<typeof viewerStatsSchema>;

export const streamStatsSchema = z.object({
  name: streamNameSchema,
  at: z.number(),
  uptimeSec: z.number(),
  bitrateInKbps: z.number(),
  bitrateOutKbps: z.number(),
  viewers: z.number().int(),
  droppedChunks: z.number().int(),
  packager: z.object({
    speed: z.number().nullable(),
    fps: z.number().nullable(),
    restarts: z.number().int(),
    encodedOn: z.string().nullable().describe('Where the ladder is encoding now: "origin", or the name of the runner; null between runs'),
  }),
});
export type StreamStats = z.infer<typeof streamStatsSchema>;
