import { z } from 'zod';
import { event, method } from './define.js';

/**
 * The video library: uploads (tus 1.0 at `/api/v1/uploads`, outside the contract: the protocol has its
 * own wire format) and recordings become videos, processed by a persisted job queue into CMAF HLS +
 * DASH, an MP4, a poster, thumbnails, a seek-preview sprite, subtitles and chapters, played at
 * `/vod/<id>/...` and `/watch/<id>`.
 */

export const VIDEO_ID_RE = /^vid_[a-z0-9]{12}$/;
export const videoIdSchema = z.string().regex(VIDEO_ID_RE, 'a video id looks like vid_ and 12 characters a-z0-9');

export const videoStates = ['uploading', 'queued', 'processing', 'ready', 'failed'] as const;
export const videoStateSchema = z.enum(videoStates);
export type VideoState = z.infer<typeof videoStateSchema>;

export const videoVisibilities = ['public', 'unlisted', 'private'] as const;
export const videoVisibilitySchema = z.enum(videoVisibilities);
export type VideoVisibility = z.infer<typeof videoVisibilitySchema>;

export const videoEncryptionSchema = z
  .enum(['none', 'aes-128'])
  .describe('aes-128: served encrypted, as AES-128 HLS and a Common Encryption (cbcs) MPD with its ClearKey licence server, whose keys go to its viewers only (a private video\'s: its signed URL); no MP4');
export type VideoEncryption = z.infer<typeof videoEncryptionSchema>;

export const videoPresets = ['fast', 'balanced', 'high'] as const;
export const videoPresetSchema = z.enum(videoPresets);
export type VideoPreset = z.infer<typeof videoPresetSchema>;

export const jobStates = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export const jobStateSchema = z.enum(jobStates);
export type JobState = z.infer<typeof jobStateSchema>;

/** One unit of work in the queue (a video's processing). */
export const jobSchema = z.object({
  id: z.string(),
  kind: z.string().describe('What it does, e.g. "process"'),
  subject: z.string().describe('What it works on (a video id)'),
  state: jobStateSchema,
  priority: z.number().int().describe('Higher runs first'),
  progress: z.number().min(0).max(1),
  step: z.string().nullable().describe('The step running now, e.g. "encode" or "thumbnails"'),
  etaSec: z.number().nullable().describe('Seconds until done, from the measured speed and the queue ahead'),
  queuePosition: z.number().int().nullable().describe('1 = next to run; null when not waiting'),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  runner: z.string().nullable().describe('The runner the running attempt is on; null: the origin (or not running)'),
});
export type Job = z.infer<typeof jobSchema>;

export const subtitleFormats = ['srt', 'vtt', 'ass'] as const;
export const subtitleSchema = z.object({
  id: z.string(),
  language: z.string().describe('BCP 47, e.g. en or pt-BR'),
  label: z.string(),
  url: z.string().describe('The WebVTT file'),
});
export type Subtitle = z.infer<typeof subtitleSchema>;

export const chapterSchema = z.object({
  startSec: z.number().min(0),
  title: z.string().min(1).max(200),
});
export type Chapter = z.infer<typeof chapterSchema>;

export const videoSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  visibility: videoVisibilitySchema,
  encryption: videoEncryptionSchema,
  tags: z.array(z.string()),
  source: z.enum(['upload', 'recording']),
  uploadId: z.string().nullable().describe('The last part of the upload URL'),
  recordingId: z.string().nullable(),
  fileName: z.string().nullable().describe('The uploaded file name'),
  state: videoStateSchema,
  preset: videoPresetSchema,
  normalizeLoudness: z.boolean().describe('Loudness normalised to EBU R128, -16 LUFS'),
  upload: z.object({ offset: z.number(), size: z.number().nullable() }).nullable().describe('While uploading'),
  progress: z.number().min(0).max(1).describe('Of the processing job'),
  etaSec: z.number().nullable(),
  job: jobSchema.nullable().describe('The latest processing job'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  durationSec: z.number().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  sizeBytes: z.number().nullable().describe('Of the source file'),
  views: z.number().int(),
  subtitles: z.array(subtitleSchema),
  chapters: z.array(chapterSchema),
  urls: z
    .object({
      watch: z.string(),
      hls: z.string(),
      dash: z.string().nullable().describe('null when the video is encrypted'),
      mp4: z.string().nullable().describe('null when the video is encrypted'),
      poster: z.string(),
      thumbnails: z.array(z.string()),
      sprite: z.string().describe('WebVTT of seek previews (xywh into sprite images)'),
      chapters: z.string().describe('WebVTT chapters'),
    })
    .nullable()
    .describe('Paths under the host once ready (private videos need ?exp=&sig= from videos.watchUrl)'),
  createdAt: z.number(),
  updatedAt: z.number(),
  readyAt: z.number().nullable(),
});
export type Video = z.infer<typeof videoSchema>;

const tagsSchema = z.array(z.string().trim().min(1).max(32)).max(20);
const videoEditable = {
  title: z.string().trim().min(1, 'required').max(200),
  description: z.string().max(5000),
  visibility: videoVisibilitySchema,
  tags: tagsSchema,
};

export const videoMethods = {
  'videos.list': method({
    tag: 'videos',
    scope: 'videos:read',
    summary: 'The library (uploads and recordings), newest first; filters combine',
    input: z
      .object({
        uploadId: z.string().min(1).max(128).optional(),
        q: z.string().max(200).optional().describe('Words in the title, description or tags'),
        state: videoStateSchema.optional(),
        visibility: videoVisibilitySchema.optional(),
        tag: z.string().max(32).optional(),
      })
      .strict(),
    output: z.array(videoSchema),
    http: { method: 'GET', path: '/videos' },
  }),
  'videos.get': method({
    tag: 'videos',
    scope: 'videos:read',
    summary: 'One video with its state and job progress',
    input: z.object({ id: videoIdSchema }).strict(),
    output: videoSchema,
    http: { method: 'GET', path: '/videos/:id' },
  }),
  'videos.create': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'A video from a finished upload or a recording that has ended (queued for processing)',
    input: z
      .object({
        title: videoEditable.title,
        uploadId: z.string().min(1).max(128).optional(),
        recordingId: z.string().min(1).max(64).optional(),
        description: videoEditable.description.optional(),
        visibility: videoVisibilitySchema.optional(),
        encryption: videoEncryptionSchema.optional(),
        tags: tagsSchema.optional(),
        preset: videoPresetSchema.optional(),
        normalizeLoudness: z.boolean().optional(),
      })
      .strict()
      .refine((v) => (v.uploadId === undefined) !== (v.recordingId === undefined), { message: 'give exactly one of uploadId and recordingId' }),
    output: videoSchema,
    http: { method: 'POST', path: '/videos', status: 201 },
  }),
  'videos.update': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'Edit title, description, visibility, encryption, tags or chapters',
    input: z
      .object({
        id: videoIdSchema,
        title: videoEditable.title.optional(),
        description: videoEditable.description.optional(),
        visibility: videoVisibilitySchema.optional(),
        encryption: videoEncryptionSchema.optional(),
        tags: tagsSchema.optional(),
        chapters: z.array(chapterSchema).max(200).optional(),
      })
      .strict(),
    output: videoSchema,
    http: { method: 'PATCH', path: '/videos/:id' },
  }),
  'videos.delete': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'Delete a video, its job, its upload and its outputs (the edges purge /vod/<id>/)',
    input: z.object({ id: videoIdSchema }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/videos/:id' },
  }),
  'videos.process': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'Process again (retry a failed video, or another preset or loudness setting)',
    input: z
      .object({
        id: videoIdSchema,
        preset: videoPresetSchema.optional(),
        normalizeLoudness: z.boolean().optional(),
        priority: z.number().int().min(-10).max(10).optional(),
      })
      .strict(),
    output: videoSchema,
    http: { method: 'POST', path: '/videos/:id/process', status: 202 },
  }),
  'videos.cancel': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'Cancel the processing job (the video becomes failed with code CANCELLED; process it again to retry)',
    input: z.object({ id: videoIdSchema }).strict(),
    output: videoSchema,
    http: { method: 'POST', path: '/videos/:id/cancel' },
  }),
  'videos.addSubtitles': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'Add a subtitle track (SRT, WebVTT or ASS; stored as WebVTT, listed in the HLS master and the MPD)',
    input: z
      .object({
        id: videoIdSchema,
        language: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'a language code such as en or pt-BR'),
        label: z.string().trim().min(1).max(64).optional(),
        format: z.enum(subtitleFormats),
        content: z.string().min(1).max(900_000),
      })
      .strict(),
    output: videoSchema,
    http: { method: 'POST', path: '/videos/:id/subtitles', status: 201 },
  }),
  'videos.deleteSubtitles': method({
    tag: 'videos',
    scope: 'videos:write',
    summary: 'Remove a subtitle track',
    input: z.object({ id: videoIdSchema, subtitleId: z.string().min(1).max(64) }).strict(),
    output: videoSchema,
    http: { method: 'DELETE', path: '/videos/:id/subtitles/:subtitleId' },
  }),
  'videos.watchUrl': method({
    tag: 'videos',
    scope: 'videos:read',
    summary: 'The watch page URL (signed for a private video) and its playback URLs',
    input: z.object({ id: videoIdSchema, expiresInSec: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400) }).strict(),
    output: z.object({ watch: z.string(), hls: z.string(), dash: z.string().nullable(), mp4: z.string().nullable(), expiresAt: z.number().nullable() }),
    http: { method: 'GET', path: '/videos/:id/watch-url' },
  }),
  'jobs.list': method({
    tag: 'videos',
    scope: 'videos:read',
    summary: 'The processing queue: running and waiting jobs first, then the latest finished',
    input: z.object({}).strict(),
    output: z.object({ concurrency: z.number().int(), jobs: z.array(jobSchema) }),
    http: { method: 'GET', path: '/jobs' },
  }),
} as const;

export const videoEvents = {
  'video.changed': event({
    summary: 'A video was created, uploaded to, processed (progress and ETA), edited or deleted (null)',
    payload: z.object({ id: z.string(), video: videoSchema.nullable() }),
  }),
} as const;
