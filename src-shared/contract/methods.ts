import { z } from 'zod';
import { configPatchSchema } from '../config.js';
import { configViewSchema } from './config.js';
import { method } from './define.js';
import {
  ladderPresetSchema,
  streamNameSchema,
  streamSchema,
  streamWithKeySchema,
  viewerStatsSchema,
} from './streams.js';
import { ffmpegInfoSchema, systemInfoSchema, systemStatsSchema } from './system.js';

const none = z.object({}).strict();

/** Every API method of the studio. Add one here, add its handler in src-main/api/handlers, done. */
export const methods = {
  'system.info': method({
    tag: 'system',
    summary: 'Host identity, version and uptime',
    input: none,
    output: systemInfoSchema,
    http: { method: 'GET', path: '/system' },
  }),
  'system.stats': method({
    tag: 'system',
    summary: 'The latest CPU, memory, network and process sample',
    input: none,
    output: systemStatsSchema.nullable(),
    http: { method: 'GET', path: '/system/stats' },
  }),
  'system.ffmpeg': method({
    tag: 'system',
    summary: 'Which ffmpeg is in use and which encoders really open (cached probe)',
    input: none,
    output: ffmpegInfoSchema,
    http: { method: 'GET', path: '/system/ffmpeg' },
  }),
  'system.probeFfmpeg': method({
    tag: 'system',
    summary: 'Locate ffmpeg again and re-run the trial encodes, ignoring the cache',
    input: none,
    output: ffmpegInfoSchema,
    http: { method: 'POST', path: '/system/ffmpeg/probe' },
  }),
  'config.get': method({
    tag: 'config',
    summary: 'The effective config with the description of every key',
    input: none,
    output: configViewSchema,
    http: { method: 'GET', path: '/config' },
  }),
  'config.update': method({
    tag: 'config',
    summary: 'Change config keys (a partial object); saved to config.yaml with its comments kept',
    input: configPatchSchema,
    output: configViewSchema,
    http: { method: 'PATCH', path: '/config' },
  }),
  'auth.createLoginLink': method({
    tag: 'auth',
    summary: 'A one-time login URL for a browser (valid 10 minutes)',
    input: none,
    output: z.object({ url: z.string(), expiresAt: z.number() }),
    http: { method: 'POST', path: '/auth/login-links', status: 201 },
  }),
  'streams.list': method({
    tag: 'streams',
    summary: 'Every stream with its state, bitrates, viewers, renditions and uptime',
    input: none,
    output: z.array(streamSchema),
    http: { method: 'GET', path: '/streams' },
  }),
  'streams.create': method({
    tag: 'streams',
    summary: 'Create a stream: returns its key (shown this once), ingest and playback URLs',
    input: z
      .object({
        name: streamNameSchema,
        ladder: ladderPresetSchema.optional(),
        private: z.boolean().optional(),
      })
      .strict(),
    output: streamWithKeySchema,
    http: { method: 'POST', path: '/streams', status: 201 },
  }),
  'streams.get': method({
    tag: 'streams',
    summary: 'One stream',
    input: z.object({ name: streamNameSchema }).strict(),
    output: streamSchema,
    http: { method: 'GET', path: '/streams/:name' },
  }),
  'streams.update': method({
    tag: 'streams',
    summary: 'Change the ladder or privacy of a stream (the ladder applies from the next publish)',
    input: z.object({ name: streamNameSchema, ladder: ladderPresetSchema.optional(), private: z.boolean().optional() }).strict(),
    output: streamSchema,
    http: { method: 'PATCH', path: '/streams/:name' },
  }),
  'streams.delete': method({
    tag: 'streams',
    summary: 'Delete a stream: its publisher is disconnected and its playback ends',
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({ name: streamNameSchema, deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/streams/:name' },
  }),
  'streams.rotateKey': method({
    tag: 'streams',
    summary: 'Replace the stream key: the old one stops working and its publisher is disconnected',
    input: z.object({ name: streamNameSchema }).strict(),
    output: streamWithKeySchema,
    http: { method: 'POST', path: '/streams/:name/rotate-key' },
  }),
  'streams.signUrl': method({
    tag: 'streams',
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
    summary: 'Viewer analytics of a stream: concurrent viewers per rendition and protocol, bytes, switches',
    input: z.object({ name: streamNameSchema }).strict(),
    output: viewerStatsSchema,
    http: { method: 'GET', path: '/streams/:name/viewers' },
  }),
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
