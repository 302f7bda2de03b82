import { z } from 'zod';
import { configPatchSchema } from '../config.js';
import { configViewSchema } from './config.js';
import { method } from './define.js';
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
