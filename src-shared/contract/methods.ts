import { z } from 'zod';
import { p2pSettingsInput } from '../p2p.js';
import { videoMethods } from './videos.js';
import { dataMethods } from './data.js';
import { processorMethods } from './processors.js';
import { authMethods } from './auth.js';
import { configPatchSchema } from '../config.js';
import { configViewSchema } from './config.js';
import { method } from './define.js';
import {
  dvrMinutesSchema,
  encodeOnSchema,
  encryptionModeSchema,
  keyProviderTokenSchema,
  keyProviderUrlSchema,
  ladderPresetSchema,
  latencyModeSchema,
  playAuthSchema,
  publishAuthSchema,
  streamNameSchema,
  streamSchema,
  streamWithKeySchema,
  viewerStatsSchema,
} from './streams.js';
import { backupItemSchema, backupStatusSchema, ffmpegInfoSchema, systemInfoSchema, systemStatsSchema } from './system.js';
import {
  destinationInputSchema,
  destinationPresetSchema,
  destinationSchema,
  recordingSchema,
} from './restream.js';
import { obsMethods } from './obs.js';
import { cdnMethods } from './cdn.js';
import { remoteMethods } from './remote.js';
import { broadcastMethods } from './broadcast.js';
import { sceneMethods } from './scenes.js';
import { guestMethods } from './guests.js';
import { podcastMethods } from './podcasts.js';
import { cdnFunctionMethods } from './cdn-functions.js';
import { runnerMethods } from './runners.js';

const none = z.object({}).strict();

/** Every API method of the studio. Add one here, add its handler in src-main/api/handlers, done. */

/** What creating a stream sets and updating it changes (the name identifies it). */
const streamSettingsInput = z
  .object({
    name: streamNameSchema,
    ladder: ladderPresetSchema.optional(),
    latency: latencyModeSchema.optional(),
    dvrMinutes: dvrMinutesSchema.optional(),
    private: z.boolean().optional(),
    record: z.boolean().optional(),
    publishAuth: publishAuthSchema.optional(),
    playAuth: playAuthSchema.optional(),
    maxViewers: z.number().int().min(0).max(1_000_000).optional(),
    encryption: encryptionModeSchema.optional(),
    keyProviderUrl: keyProviderUrlSchema.optional(),
    keyProviderToken: keyProviderTokenSchema.optional(),
    p2p: p2pSettingsInput.optional(),
    encodeOn: encodeOnSchema.optional(),
  })
  .strict();

export const methods = {
  'system.info': method({
    tag: 'system',
    scope: 'system:read',
    summary: 'Host identity, version and uptime',
    input: none,
    output: systemInfoSchema,
    http: { method: 'GET', path: '/system' },
  }),
  'system.stats': method({
    tag: 'system',
    scope: 'system:read',
    summary: 'The latest CPU, memory, network and process sample',
    input: none,
    output: systemStatsSchema.nullable(),
    http: { method: 'GET', path: '/system/stats' },
  }),
  'system.ffmpeg': method({
    tag: 'system',
    scope: 'system:read',
    summary: 'Which ffmpeg is in use and which encoders really open (cached probe)',
    input: none,
    output: ffmpegInfoSchema,
    http: { method: 'GET', path: '/system/ffmpeg' },
  }),
  'backups.status': method({
    tag: 'system',
    scope: 'system:read',
    summary: 'Scheduled backups of the home (backup.*): the last attempt, the next, the files kept',
    input: none,
    output: backupStatusSchema,
    http: { method: 'GET', path: '/backups' },
  }),
  'backups.create': method({
    tag: 'system',
    scope: 'system:write',
    summary: 'Back the home up now, into the backups folder (one at a time; counts toward backup.keep)',
    input: none,
    output: backupItemSchema,
    http: { method: 'POST', path: '/backups' },
  }),
  'system.probeFfmpeg': method({
    tag: 'system',
    scope: 'system:write',
    summary: 'Locate ffmpeg again and re-run the trial encodes, ignoring the cache',
    input: none,
    output: ffmpegInfoSchema,
    http: { method: 'POST', path: '/system/ffmpeg/probe' },
  }),
  'config.get': method({
    tag: 'config',
    scope: 'config:read',
    summary: 'The effective config with the description of every key',
    input: none,
    output: configViewSchema,
    http: { method: 'GET', path: '/config' },
  }),
  'config.update': method({
    tag: 'config',
    scope: 'config:write',
    summary: 'Change config keys (a partial object); saved to config.yaml with its comments kept',
    input: configPatchSchema,
    output: configViewSchema,
    http: { method: 'PATCH', path: '/config' },
  }),
  'auth.createLoginLink': method({
    tag: 'auth',
    scope: 'users:write',
    summary: 'A one-time login URL for a browser (valid 10 minutes)',
    input: none,
    output: z.object({ url: z.string(), expiresAt: z.number() }),
    http: { method: 'POST', path: '/auth/login-links', status: 201 },
  }),
  'streams.list': method({
    tag: 'streams',
    scope: 'streams:read',
    summary: 'Every stream with its state, bitrates, viewers, renditions and uptime',
    input: none,
    output: z.array(streamSchema),
    http: { method: 'GET', path: '/streams' },
  }),
  'streams.create': method({
    tag: 'streams',
    scope: 'streams:write',
    summary: 'Create a stream: returns its key (shown this once), ingest and playback URLs',
    input: streamSettingsInput,
    output: streamWithKeySchema,
    http: { method: 'POST', path: '/streams', status: 201 },
  }),
  'streams.get': method({
    tag: 'streams',
    scope: 'streams:read',
    summary: 'One stream',
    input: z.object({ name: streamNameSchema }).strict(),
    output: streamSchema,
    http: { method: 'GET', path: '/streams/:name' },
  }),
  'streams.update': method({
    tag: 'streams',
    scope: 'streams:write',
    summary: 'Change the ladder, latency mode, DVR window or privacy of a stream (ladder, latency and DVR apply from the next publish)',
    input: streamSettingsInput,
    output: streamSchema,
    http: { method: 'PATCH', path: '/streams/:name' },
  }),
  'streams.delete': method({
    tag: 'streams',
    scope: 'streams:write',
    summary: 'Delete a stream: its publisher is disconnected and its playback ends',
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({ name: streamNameSchema, deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/streams/:name' },
  }),
  'streams.rotateKey': method({
    tag: 'streams',
    scope: 'streams:write',
    summary: 'Replace the stream key: the old one stops working and its publisher is disconnected',
    input: z.object({ name: streamNameSchema }).strict(),
    output: streamWithKeySchema,
    http: { method: 'POST', path: '/streams/:name/rotate-key' },
  }),
  'streams.signUrl': method({
    tag: 'streams',
    scope: 'streams:read',
    summary: 'Signed playback URLs of a private stream (HMAC-SHA256, expiry, optional IP binding)',
    input: z
      .object({
        name: streamNameSchema,
        expiresInSec: z.number().int().min(10).max(7 * 86400).default(3600),
        ip: z.string().min(1).max(64).optional(),
      })
      .strict(),
    output: z.object({ hls: z.string(), dash: z.string(), expiresAt: z.number() }),
    http: { method: 'POST', path: '/streams/:name/signed-urls' },
  }),
  'streams.viewers': method({
    tag: 'streams',
    scope: 'streams:read',
    summary: 'Viewer analytics of a stream: concurrent viewers per rendition and protocol, bytes, switches',
    input: z.object({ name: streamNameSchema }).strict(),
    output: viewerStatsSchema,
    http: { method: 'GET', path: '/streams/:name/viewers' },
  }),
  'destinations.presets': method({
    tag: 'restream',
    scope: 'destinations:read',
    summary: 'Ingest servers of the platforms the studio knows (YouTube, Twitch, Kick, Facebook)',
    input: none,
    output: z.array(destinationPresetSchema),
    http: { method: 'GET', path: '/destinations/presets' },
  }),
  'destinations.list': method({
    tag: 'restream',
    scope: 'destinations:read',
    summary: 'Where a stream is relayed to, each with its state, bitrate and last error',
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.array(destinationSchema),
    http: { method: 'GET', path: '/streams/:name/destinations' },
  }),
  'destinations.create': method({
    tag: 'restream',
    scope: 'destinations:write',
    summary: 'Add a destination (rtmp://, rtmps:// or srt://); the key is stored encrypted',
    input: destinationInputSchema.extend({ name: streamNameSchema }),
    output: destinationSchema,
    http: { method: 'POST', path: '/streams/:name/destinations', status: 201 },
  }),
  'destinations.update': method({
    tag: 'restream',
    scope: 'destinations:write',
    summary: 'Change a destination (a running relay restarts with the new settings)',
    input: destinationInputSchema.partial().extend({ name: streamNameSchema, id: z.string().min(1).max(64) }),
    output: destinationSchema,
    http: { method: 'PATCH', path: '/streams/:name/destinations/:id' },
  }),
  'destinations.delete': method({
    tag: 'restream',
    scope: 'destinations:write',
    summary: 'Remove a destination (its relay stops)',
    input: z.object({ name: streamNameSchema, id: z.string().min(1).max(64) }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/streams/:name/destinations/:id' },
  }),
  'destinations.start': method({
    tag: 'restream',
    scope: 'destinations:write',
    summary: 'Start relaying to a destination now (the stream must be live)',
    input: z.object({ name: streamNameSchema, id: z.string().min(1).max(64) }).strict(),
    output: destinationSchema,
    http: { method: 'POST', path: '/streams/:name/destinations/:id/start' },
  }),
  'destinations.stop': method({
    tag: 'restream',
    scope: 'destinations:write',
    summary: 'Stop relaying to a destination',
    input: z.object({ name: streamNameSchema, id: z.string().min(1).max(64) }).strict(),
    output: destinationSchema,
    http: { method: 'POST', path: '/streams/:name/destinations/:id/stop' },
  }),
  'recordings.list': method({
    tag: 'recordings',
    scope: 'recordings:read',
    summary: 'Recordings, newest first',
    input: z.object({ stream: streamNameSchema.optional() }).strict(),
    output: z.array(recordingSchema),
    http: { method: 'GET', path: '/recordings' },
  }),
  'recordings.get': method({
    tag: 'recordings',
    scope: 'recordings:read',
    summary: 'One recording',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: recordingSchema,
    http: { method: 'GET', path: '/recordings/:id' },
  }),
  'recordings.delete': method({
    tag: 'recordings',
    scope: 'recordings:write',
    summary: 'Delete a recording, its thumbnail and its VOD',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/recordings/:id' },
  }),
  'recordings.start': method({
    tag: 'recordings',
    scope: 'recordings:write',
    summary: 'Start recording a live stream now',
    input: z.object({ name: streamNameSchema }).strict(),
    output: recordingSchema,
    http: { method: 'POST', path: '/streams/:name/recording', status: 201 },
  }),
  'recordings.stop': method({
    tag: 'recordings',
    scope: 'recordings:write',
    summary: "Stop a stream's recording",
    input: z.object({ name: streamNameSchema }).strict(),
    output: recordingSchema,
    http: { method: 'DELETE', path: '/streams/:name/recording' },
  }),
  'recordings.download': method({
    tag: 'recordings',
    scope: 'recordings:read',
    summary: 'Signed download links of a complete recording: the origin and each edge in rotation (edges keep the file, so many downloads cost the origin one transfer per edge)',
    input: z
      .object({
        id: z.string().min(1).max(64),
        expiresInSec: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
        region: z.string().max(64).optional().describe("The downloader's region: edges there first"),
      })
      .strict(),
    output: z.object({
      url: z.string().describe('At the origin'),
      expiresAt: z.number().describe('Unix ms'),
      edges: z.array(z.object({ id: z.string(), region: z.string(), url: z.string() })).describe('Best first (region, load, health)'),
    }),
    http: { method: 'GET', path: '/recordings/:id/download' },
  }),
  'recordings.playback': method({
    tag: 'recordings',
    scope: 'recordings:read',
    summary:
      "Signed playback URLs of a recording's VOD (HLS and DASH), at the origin and each edge in rotation: signed for the recording, which every edge checks itself, and which an encrypted recording's keys and licences accept even after its stream is deleted",
    input: z
      .object({
        id: z.string().min(1).max(64),
        expiresInSec: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
        region: z.string().max(64).optional().describe("The viewer's region: edges there first"),
      })
      .strict(),
    output: z.object({
      hls: z.string().describe('At the origin'),
      dash: z.string().describe("At the origin; an encrypted recording's MPD is Common Encryption (cbcs) with its ClearKey licence server"),
      expiresAt: z.number().describe('Unix ms'),
      edges: z.array(z.object({ id: z.string(), region: z.string(), hls: z.string(), dash: z.string() })).describe('Best first (region, load, health)'),
    }),
    http: { method: 'GET', path: '/recordings/:id/playback' },
  }),
  'recordings.convert': method({
    tag: 'recordings',
    scope: 'recordings:write',
    summary: 'Turn a recording into an HLS/DASH VOD with a ladder (progress as recording.vod events)',
    input: z.object({ id: z.string().min(1).max(64), ladder: ladderPresetSchema.default('standard') }).strict(),
    output: recordingSchema,
    http: { method: 'POST', path: '/recordings/:id/vod', status: 202 },
  }),
  ...obsMethods,
  ...cdnMethods,
  ...remoteMethods,
  ...broadcastMethods,
  ...videoMethods,
  ...dataMethods,
  ...processorMethods,
  ...authMethods,
  ...sceneMethods,
  ...guestMethods,
  ...podcastMethods,
  ...cdnFunctionMethods,
  ...runnerMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const METHOD_NAMES = Object.keys(methods) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}
