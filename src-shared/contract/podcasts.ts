import { z } from 'zod';
import { method } from './define.js';
import { streamNameSchema } from './streams.js';
import { chapterSchema, jobSchema, videoIdSchema } from './videos.js';
import { isAppleCategory } from '../podcast-categories.js';

/**
 * Podcasts: shows and their episodes, made from library videos, recordings (through their video) or
 * uploaded audio files. Each episode is encoded to AAC (M4A) and MP3 at -16 LUFS, the MP3 with its
 * chapters (ID3v2.4 CHAP/CTOC) and artwork (APIC); a show's feed is `/podcasts/<slug>/feed.xml` (RSS
 * 2.0 with the iTunes and Podcasting 2.0 namespaces), a private show's only under its subscribers'
 * token URLs. Downloads are counted by the IAB podcast measurement rules, from the origin's and the
 * edges' logs.
 */

export const SHOW_ID_RE = /^show_[a-z0-9]{12}$/;
export const EPISODE_ID_RE = /^ep_[a-z0-9]{12}$/;
export const SUBSCRIBER_ID_RE = /^sub_[a-z0-9]{12}$/;
export const SHOW_SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

export const showIdSchema = z.string().regex(SHOW_ID_RE, 'a show id looks like show_ and 12 characters a-z0-9');
export const episodeIdSchema = z.string().regex(EPISODE_ID_RE, 'an episode id looks like ep_ and 12 characters a-z0-9');
const slugSchema = z
  .string()
  .regex(SHOW_SLUG_RE, 'the feed name is 1 to 48 lowercase letters, digits and - (not at either end): /podcasts/<name>/feed.xml')
  .describe('The show in its feed URL, /podcasts/<slug>/feed.xml; fixed once the show exists (podcast apps keep the URL)');
const httpUrl = z
  .string()
  .max(500)
  .url('an http(s) URL, e.g. https://example.com/show')
  .refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL');

export const showEditable = {
  title: z.string().trim().min(1, 'required').max(200),
  description: z.string().max(4000),
  author: z.string().trim().min(1, 'required').max(200),
  ownerName: z.string().trim().max(200),
  ownerEmail: z.string().trim().email('an e-mail address: podcast directories write to it to verify the show').max(200),
  category: z
    .string()
    .max(120)
    .refine(isAppleCategory, 'an Apple Podcasts category, e.g. "Technology" or "Arts > Design"'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language tag, e.g. en or pt-BR'),
  explicit: z.boolean(),
  private: z.boolean().describe('The feed and files only under subscribers\' token URLs (podcasts.addSubscriber); without one, 404'),
  locked: z.boolean().describe('podcast:locked: other platforms must not import the feed'),
  link: httpUrl.nullable().describe("The show's website; default: its feed's host"),
  liveStream: streamNameSchema.nullable().describe('While this stream is live, the feed carries a podcast:liveItem'),
  prefixUrl: httpUrl
    .nullable()
    .describe('An analytics prefix (Podtrac, Chartable, OP3...): enclosure URLs become <prefix><host>/<path>'),
  copyright: z.string().max(300),
};

export const showSchema = z.object({
  id: z.string(),
  slug: z.string(),
  ...showEditable,
  link: z.string().nullable(),
  liveStream: z.string().nullable(),
  prefixUrl: z.string().nullable(),
  artwork: z.string().nullable().describe('Path of the square JPEG (1400 to 3000 px), once set'),
  feed: z.string().describe('Path of the public feed (a private show: null in practice, see subscribers)').nullable(),
  guid: z.string().describe('podcast:guid, a UUID v5 of the public feed URL'),
  episodes: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Show = z.infer<typeof showSchema>;

export const episodeTypes = ['full', 'trailer', 'bonus'] as const;
export const episodeStatuses = ['draft', 'published'] as const;
export const episodeAudioStates = ['queued', 'processing', 'ready', 'failed'] as const;

const episodeEditable = {
  title: z.string().trim().min(1, 'required').max(200),
  description: z.string().max(4000),
  season: z.number().int().min(1).max(10_000).nullable(),
  episode: z.number().int().min(1).max(100_000).nullable(),
  episodeType: z.enum(episodeTypes),
  explicit: z.boolean().nullable().describe("null: the show's"),
  status: z.enum(episodeStatuses).describe('published: in the feed from publishAt on (scheduled when later)'),
  publishAt: z.number().int().min(0).nullable().describe('Unix ms; null: when it is published'),
};

/** What an episode may be given on creation and changed later (the title besides). */
const episodeOptions = {
  description: episodeEditable.description.optional(),
  season: episodeEditable.season.optional(),
  episode: episodeEditable.episode.optional(),
  episodeType: episodeEditable.episodeType.optional(),
  explicit: episodeEditable.explicit.optional(),
  status: episodeEditable.status.optional(),
  publishAt: episodeEditable.publishAt.optional(),
};

export const episodeSchema = z.object({
  id: z.string(),
  showId: z.string(),
  ...episodeEditable,
  source: z.object({ videoId: z.string().nullable(), recordingId: z.string().nullable(), uploadId: z.string().nullable() }),
  guid: z.string(),
  publishedAt: z.number().nullable().describe('When it is (or will be) in the feed: publishAt, else when it was published; null for a draft'),
  live: z.boolean().describe('In the feed now: published and its publishAt passed, audio ready'),
  state: z.enum(episodeAudioStates),
  job: jobSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  durationSec: z.number().nullable(),
  chapters: z.array(chapterSchema),
  loudness: z.object({ targetLufs: z.number(), measuredLufs: z.number() }).nullable(),
  audio: z
    .object({ m4a: z.object({ path: z.string(), bytes: z.number() }), mp3: z.object({ path: z.string(), bytes: z.number() }) })
    .nullable()
    .describe('Paths of the files once ready (a private show: under a subscriber token)'),
  artwork: z.string().nullable(),
  transcripts: z.array(z.object({ language: z.string(), path: z.string() })),
  downloads: z.number().int().describe('Counted by the IAB rules, all time'),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Episode = z.infer<typeof episodeSchema>;

export const subscriberSchema = z.object({
  id: z.string(),
  name: z.string(),
  feed: z.string().describe('Path of their private feed, with their token'),
  createdAt: z.number(),
  lastFetchAt: z.number().nullable(),
});
export type Subscriber = z.infer<typeof subscriberSchema>;

export const downloadReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  days: z.array(z.object({ day: z.string(), episode: z.string(), downloads: z.number().int() })),
  totals: z.array(z.object({ episode: z.string(), downloads: z.number().int() })),
  excluded: z.object({ bots: z.number().int(), head: z.number().int(), failed: z.number().int(), tooShort: z.number().int(), probes: z.number().int() }),
  requests: z.number().int().describe('Requests of enclosure files in the period, at the origin and the edges'),
});
export type DownloadReport = z.infer<typeof downloadReportSchema>;

const showRef = z.object({ id: showIdSchema }).strict();
const episodeRef = z.object({ id: showIdSchema, episodeId: episodeIdSchema }).strict();
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD (UTC)');

export const podcastMethods = {
  'podcasts.shows': method({
    tag: 'podcasts',
    scope: 'videos:read',
    summary: 'The podcast shows',
    input: z.object({}).strict(),
    output: z.array(showSchema),
    http: { method: 'GET', path: '/shows' },
  }),
  'podcasts.show': method({
    tag: 'podcasts',
    scope: 'videos:read',
    summary: 'One show',
    input: showRef,
    output: showSchema,
    http: { method: 'GET', path: '/shows/:id' },
  }),
  'podcasts.createShow': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: 'A new show; its artwork is set with PUT /api/v1/shows/:id/artwork (a JPEG or PNG body)',
    input: z
      .object({
        slug: slugSchema.optional().describe('Default: from the title'),
        title: showEditable.title,
        author: showEditable.author,
        ownerEmail: showEditable.ownerEmail,
        category: showEditable.category,
        description: showEditable.description.optional(),
        ownerName: showEditable.ownerName.optional(),
        language: showEditable.language.optional(),
        explicit: showEditable.explicit.optional(),
        private: showEditable.private.optional(),
        locked: showEditable.locked.optional(),
        link: showEditable.link.optional(),
        liveStream: showEditable.liveStream.optional(),
        prefixUrl: showEditable.prefixUrl.optional(),
        copyright: showEditable.copyright.optional(),
      })
      .strict(),
    output: showSchema,
    http: { method: 'POST', path: '/shows', status: 201 },
  }),
  'podcasts.updateShow': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: "Edit a show (not its slug: the feed's URL stays)",
    input: z.object(showEditable).partial().extend({ id: showIdSchema }).strict(),
    output: showSchema,
    http: { method: 'PATCH', path: '/shows/:id' },
  }),
  'podcasts.deleteShow': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: 'Delete a show, its episodes, their files, subscribers and download records',
    input: showRef,
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/shows/:id' },
  }),
  'podcasts.episodes': method({
    tag: 'podcasts',
    scope: 'videos:read',
    summary: "A show's episodes, newest first",
    input: showRef,
    output: z.array(episodeSchema),
    http: { method: 'GET', path: '/shows/:id/episodes' },
  }),
  'podcasts.createEpisode': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: 'An episode from a library video, a recording that has ended, or a finished audio upload (tus metadata purpose=podcast); its audio is queued for encoding',
    input: z
      .object({
        id: showIdSchema,
        title: episodeEditable.title,
        videoId: videoIdSchema.optional(),
        recordingId: z.string().min(1).max(64).optional().describe("A recording that has ended: its sound, without making it a video first"),
        uploadId: z.string().min(1).max(128).optional(),
        ...episodeOptions,
      })
      .strict()
      .refine((v) => [v.videoId, v.recordingId, v.uploadId].filter((x) => x !== undefined).length === 1, 'give one source: videoId, recordingId or uploadId'),
    output: episodeSchema,
    http: { method: 'POST', path: '/shows/:id/episodes', status: 201 },
  }),
  'podcasts.updateEpisode': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: 'Edit an episode: metadata, draft/published, schedule (its own artwork: PUT /api/v1/shows/:id/episodes/:episodeId/artwork with a JPEG or PNG body, then its audio is encoded again to carry it)',
    input: z
      .object({
        id: showIdSchema,
        episodeId: episodeIdSchema,
        title: episodeEditable.title.optional(),
        ...episodeOptions,
      })
      .strict(),
    output: episodeSchema,
    http: { method: 'PATCH', path: '/shows/:id/episodes/:episodeId' },
  }),
  'podcasts.deleteEpisode': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: 'Delete an episode and its files',
    input: episodeRef,
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/shows/:id/episodes/:episodeId' },
  }),
  'podcasts.subscribers': method({
    tag: 'podcasts',
    scope: 'videos:read',
    summary: "A private show's subscribers (each with their own feed URL)",
    input: showRef,
    output: z.array(subscriberSchema),
    http: { method: 'GET', path: '/shows/:id/subscribers' },
  }),
  'podcasts.addSubscriber': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: 'A subscriber: their own feed URL, with a token that podcasts.removeSubscriber revokes',
    input: z.object({ id: showIdSchema, name: z.string().trim().min(1, 'required').max(200) }).strict(),
    output: subscriberSchema,
    http: { method: 'POST', path: '/shows/:id/subscribers', status: 201 },
  }),
  'podcasts.removeSubscriber': method({
    tag: 'podcasts',
    scope: 'videos:write',
    summary: "Revoke a subscriber's feed URL (its feed and files answer 404 from now on)",
    input: z.object({ id: showIdSchema, subscriberId: z.string().regex(SUBSCRIBER_ID_RE, 'a subscriber id looks like sub_ and 12 characters') }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/shows/:id/subscribers/:subscriberId' },
  }),
  'podcasts.downloads': method({
    tag: 'podcasts',
    scope: 'videos:read',
    summary: 'Downloads per episode and per day (IAB rules: a listener per 24 h, ranges merged, a minute of audio at least, bots left out)',
    input: z.object({ id: showIdSchema, from: day.optional().describe('Default: 29 days before to'), to: day.optional().describe('Default: today (UTC)') }).strict(),
    output: downloadReportSchema,
    http: { method: 'GET', path: '/shows/:id/downloads' },
  }),
} as const;
