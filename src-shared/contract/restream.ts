import { z } from 'zod';
import { streamNameSchema } from './streams.js';

export const destinationKinds = ['youtube', 'twitch', 'kick', 'facebook', 'custom'] as const;
export const destinationKindSchema = z.enum(destinationKinds);

export const destinationStates = ['idle', 'connecting', 'live', 'retrying', 'failed'] as const;
export const destinationStateSchema = z.enum(destinationStates);
export type DestinationState = z.infer<typeof destinationStateSchema>;

/** A place a stream is relayed to. The key is never returned: only its last 4 characters. */
export const destinationSchema = z.object({
  id: z.string(),
  stream: streamNameSchema,
  kind: destinationKindSchema,
  label: z.string(),
  url: z.string().describe('Server URL without the key'),
  keyHint: z.string().nullable().describe('The last 4 characters of the key, e.g. "…a1b2"'),
  autoStart: z.boolean().describe('Starts and stops with the stream'),
  rendition: z.string().nullable().describe('A ladder rendition id (e.g. 720p), or null for the source, passed through'),
  state: destinationStateSchema,
  error: z.string().nullable(),
  since: z.number().nullable().describe('Unix ms when it went live'),
  bitrateKbps: z.number(),
  retries: z.number().int(),
  nextRetryAt: z.number().nullable(),
  createdAt: z.number(),
});
export type Destination = z.infer<typeof destinationSchema>;

export const destinationInputSchema = z
  .object({
    url: z.string().min(1, 'required').max(2048),
    key: z.string().min(1).max(512).optional(),
    label: z.string().trim().min(1).max(64).optional(),
    autoStart: z.boolean().optional(),
    rendition: z.string().min(1).max(32).nullable().optional(),
  })
  .strict();

export const destinationPresetSchema = z.object({
  kind: destinationKindSchema,
  label: z.string(),
  url: z.string(),
  keyHelp: z.string(),
});

export const recordingStates = ['recording', 'complete', 'interrupted', 'failed'] as const;
export const recordingStateSchema = z.enum(recordingStates);

export const vodSchema = z.object({
  state: z.enum(['none', 'converting', 'ready', 'failed']),
  progress: z.number().min(0).max(1),
  ladder: z.string().nullable(),
  hls: z.string().nullable(),
  dash: z.string().nullable(),
  error: z.string().nullable(),
});

export const recordingSchema = z.object({
  id: z.string(),
  stream: streamNameSchema,
  file: z.string().describe('File name in the recordings folder'),
  container: z.enum(['mp4', 'mkv']),
  state: recordingStateSchema,
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  durationSec: z.number(),
  sizeBytes: z.number(),
  video: z.object({ codec: z.string(), width: z.number(), height: z.number() }).nullable(),
  audio: z.object({ codec: z.string(), sampleRate: z.number(), channels: z.number() }).nullable(),
  error: z.string().nullable(),
  fileUrl: z.string().describe('Download (Range requests), API token or session required'),
  thumbnailUrl: z.string().nullable(),
  vod: vodSchema,
});
export type Recording = z.infer<typeof recordingSchema>;
