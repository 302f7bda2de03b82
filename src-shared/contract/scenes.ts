import { z } from 'zod';
import { event, method } from './define.js';
import { OVERLAY_PARTS } from '../overlay-state.js';
import { streamNameSchema } from './streams.js';
import { guestIdSchema } from './guests.js';

/**
 * The studio's show: sources (what is captured or drawn), scenes (where each source sits in the
 * picture), and the studio's own settings (program size, transition, which scene is in preview and
 * which on program). Kept by the host in SQLite, so every window signed in with `scenes:write` sees
 * and edits the same show; the renderer's engine (src-renderer/studio) captures, composes, mixes and
 * encodes it.
 */

export const SCENE_ID_RE = /^scn_[a-z0-9]{10}$/;
export const SOURCE_ID_RE = /^src_[a-z0-9]{10}$/;
export const ITEM_ID_RE = /^itm_[a-z0-9]{10}$/;
export const sceneIdSchema = z.string().regex(SCENE_ID_RE, 'a scene id looks like scn_ and 10 characters a-z0-9');
export const sourceIdSchema = z.string().regex(SOURCE_ID_RE, 'a source id looks like src_ and 10 characters a-z0-9');
export const itemIdSchema = z.string().regex(ITEM_ID_RE, 'an item id looks like itm_ and 10 characters a-z0-9');

/** `#rrggbb` or `#rrggbbaa`. */
export const colorSchema = z.string().regex(/^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/, 'a colour looks like #rrggbb or #rrggbbaa');

/** Where a picture comes from: a host path (`/studio-media/...`, `/live/...`), an http(s) URL, or a small data: URL. */
export const mediaUrlSchema = z
  .string()
  .max(2_000_000, 'at most 2 MB: upload larger files to /api/v1/scenes/media')
  .refine((u) => /^(\/[^/]|https?:\/\/|data:(image|video)\/)/.test(u), 'a path on the host, an http(s) URL or a data:image/ or data:video/ URL');

const deviceFields = {
  /** The browser's deviceId; null = the system default. Device ids differ per browser, so `label` finds it again elsewhere. */
  deviceId: z.string().max(512).nullable().default(null),
  label: z.string().max(256).default(''),
};

export const sourceSettingsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('camera'),
    ...deviceFields,
    width: z.number().int().min(160).max(3840).default(1280),
    height: z.number().int().min(120).max(2160).default(720),
    frameRate: z.number().int().min(1).max(60).default(30),
  }),
  z.object({ kind: z.literal('microphone'), ...deviceFields }),
  z.object({
    kind: z.literal('screen'),
    /** What the picker offers first: a whole screen, a window or a browser tab. */
    surface: z.enum(['monitor', 'window', 'browser']).default('monitor'),
    audio: z.boolean().default(false),
    frameRate: z.number().int().min(1).max(60).default(30),
  }),
  z.object({ kind: z.literal('image'), url: mediaUrlSchema }),
  z.object({
    kind: z.literal('slideshow'),
    urls: z.array(mediaUrlSchema).min(1).max(100),
    intervalSec: z.number().min(1).max(3600).default(5),
  }),
  z.object({ kind: z.literal('video'), url: mediaUrlSchema, loop: z.boolean().default(true) }),
  z.object({
    kind: z.literal('text'),
    text: z.string().max(2000),
    fontFamily: z.string().max(100).default('sans-serif'),
    fontSize: z.number().min(6).max(400).default(48),
    bold: z.boolean().default(false),
    italic: z.boolean().default(false),
    color: colorSchema.default('#ffffff'),
    outline: z.object({ color: colorSchema, width: z.number().min(0).max(40) }).nullable().default(null),
    background: colorSchema.nullable().default(null),
    align: z.enum(['left', 'center', 'right']).default('left'),
    /** Pixels per second the text scrolls to the left (a ticker); 0 = still. */
    scrollPxPerSec: z.number().min(0).max(2000).default(0),
  }),
  z.object({ kind: z.literal('color'), color: colorSchema }),
  z.object({ kind: z.literal('stream'), stream: streamNameSchema, via: z.enum(['whep', 'llhls']).default('whep') }),
  /** A guest of the show (guests.invite), pulled over WHEP while they are on it. */
  z.object({ kind: z.literal('guest'), guestId: guestIdSchema }),
  z.object({
    kind: z.literal('overlay'),
    /** Whose data channels it draws (README "Overlay" lists what each channel carries). */
    stream: streamNameSchema,
    /** The current poll with its votes, the latest chat lines, the score, or the top reactions. */
    part: z.enum(OVERLAY_PARTS),
    /** The colour of the poll's bars and the chat's names. */
    accent: colorSchema.default('#7c5cff'),
  }),
]);
export type SourceSettings = z.infer<typeof sourceSettingsSchema>;
export type SourceKind = SourceSettings['kind'];
export const SOURCE_KINDS = ['camera', 'microphone', 'screen', 'image', 'slideshow', 'video', 'text', 'color', 'stream', 'overlay', 'guest'] as const satisfies readonly SourceKind[];

/** A mixer strip's settings (sources with sound: camera with its microphone, microphone, screen with audio, video, stream). */
const audioFields = {
  gainDb: z.number().min(-60).max(24),
  muted: z.boolean(),
  /** Heard on this computer's speakers as well (never in the program twice). */
  monitor: z.boolean(),
  /** Delays the sound for lip sync (a camera whose picture arrives late). */
  syncOffsetMs: z.number().int().min(0).max(2000),
  noiseSuppression: z.boolean(),
  gate: z.object({ enabled: z.boolean(), thresholdDb: z.number().min(-90).max(0), holdMs: z.number().min(0).max(2000) }),
  compressor: z.object({ enabled: z.boolean(), thresholdDb: z.number().min(-60).max(0), ratio: z.number().min(1).max(20), attackMs: z.number().min(0).max(1000), releaseMs: z.number().min(0).max(1000) }),
  eq: z.object({ lowDb: z.number().min(-24).max(24), midDb: z.number().min(-24).max(24), highDb: z.number().min(-24).max(24) }),
};
export const audioSettingsSchema = z.object({
  gainDb: audioFields.gainDb.default(0),
  muted: audioFields.muted.default(false),
  monitor: audioFields.monitor.default(false),
  syncOffsetMs: audioFields.syncOffsetMs.default(0),
  noiseSuppression: audioFields.noiseSuppression.default(false),
  gate: audioFields.gate.default({ enabled: false, thresholdDb: -45, holdMs: 200 }),
  compressor: audioFields.compressor.default({ enabled: false, thresholdDb: -18, ratio: 4, attackMs: 5, releaseMs: 100 }),
  eq: audioFields.eq.default({ lowDb: 0, midDb: 0, highDb: 0 }),
});
/**
 * A change to a strip: only the settings it names (no defaults: zod 4 fills a partial object's
 * defaults in, and a patch of one setting would put every other one back to its default).
 */
export const audioPatchSchema = z.object(audioFields).partial();
export type AudioSettings = z.infer<typeof audioSettingsSchema>;

export const sourceSchema = z.object({
  id: sourceIdSchema,
  name: z.string().trim().min(1).max(100),
  settings: sourceSettingsSchema,
  audio: audioSettingsSchema,
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Source = z.infer<typeof sourceSchema>;

/** Fractions of the source's own picture cut from each side. */
export const cropSchema = z
  .object({ left: z.number().min(0).max(0.95), top: z.number().min(0).max(0.95), right: z.number().min(0).max(0.95), bottom: z.number().min(0).max(0.95) })
  .refine((c) => c.left + c.right < 1 && c.top + c.bottom < 1, 'the crop leaves nothing of the picture');
export const chromaKeySchema = z.object({
  color: colorSchema,
  /** How far from the key colour still counts as key (0..1). */
  similarity: z.number().min(0).max(1),
  /** The soft edge above `similarity` (0..1). */
  smoothness: z.number().min(0).max(1),
  /** How much of the key colour is taken out of the kept edges (0..1). */
  spill: z.number().min(0).max(1),
});
export const colorCorrectionSchema = z.object({
  brightness: z.number().min(-1).max(1),
  contrast: z.number().min(0).max(4),
  saturation: z.number().min(0).max(4),
  gamma: z.number().min(0.1).max(4),
  hueDeg: z.number().min(-180).max(180),
});
export type Crop = z.infer<typeof cropSchema>;
export type ChromaKey = z.infer<typeof chromaKeySchema>;
export type ColorCorrection = z.infer<typeof colorCorrectionSchema>;

/** One source placed in a scene; a scene's items are drawn in order (the last on top). Geometry in program pixels. */
export const sceneItemSchema = z.object({
  id: itemIdSchema,
  sourceId: sourceIdSchema,
  visible: z.boolean().default(true),
  locked: z.boolean().default(false),
  x: z.number().min(-20000).max(20000),
  y: z.number().min(-20000).max(20000),
  width: z.number().min(1).max(20000),
  height: z.number().min(1).max(20000),
  rotationDeg: z.number().min(-360).max(360).default(0),
  opacity: z.number().min(0).max(1).default(1),
  crop: cropSchema.default({ left: 0, top: 0, right: 0, bottom: 0 }),
  chromaKey: chromaKeySchema.nullable().default(null),
  color: colorCorrectionSchema.nullable().default(null),
});
export type SceneItem = z.infer<typeof sceneItemSchema>;

/** `free`: items where they were put; the others place the visible items themselves (in item order). */
export const sceneLayouts = ['free', 'full', 'side-by-side', 'pip', 'grid'] as const;
export const sceneLayoutSchema = z.enum(sceneLayouts);
export type SceneLayout = z.infer<typeof sceneLayoutSchema>;

export const sceneSchema = z.object({
  id: sceneIdSchema,
  name: z.string().trim().min(1).max(100),
  layout: sceneLayoutSchema,
  items: z.array(sceneItemSchema).max(64),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Scene = z.infer<typeof sceneSchema>;

export const transitionKinds = ['cut', 'fade', 'slide', 'stinger'] as const;
export const transitionSchema = z.object({
  kind: z.enum(transitionKinds),
  durationMs: z.number().int().min(0).max(10_000),
  /** A video played over the switch; the scenes swap at `cutPointMs` into it. */
  stinger: z.object({ url: mediaUrlSchema, cutPointMs: z.number().int().min(0).max(10_000) }).nullable(),
});
export type Transition = z.infer<typeof transitionSchema>;

export const studioSettingsSchema = z.object({
  width: z.number().int().min(320).max(3840),
  height: z.number().int().min(180).max(2160),
  fps: z.number().int().min(10).max(60),
  videoBitrateKbps: z.number().int().min(300).max(50_000),
  audioBitrateKbps: z.number().int().min(32).max(510),
  /** The stream the program goes live on. */
  stream: streamNameSchema.nullable(),
  transition: transitionSchema,
  /** Studio mode: edit in preview, then take it to program with the transition. */
  studioMode: z.boolean(),
  previewSceneId: sceneIdSchema.nullable(),
  programSceneId: sceneIdSchema.nullable(),
  /** Which window is live (so a reloaded page resumes the show instead of ending it). */
  live: z.boolean(),
});
export type StudioSettings = z.infer<typeof studioSettingsSchema>;

/** A whole scene collection as a file: what export writes and import reads. */
export const SCENE_FILE_FORMAT = 'streams-studio/scenes';
export const sceneCollectionSchema = z
  .object({
    format: z.literal(SCENE_FILE_FORMAT),
    version: z.literal(1),
    studio: studioSettingsSchema.omit({ live: true }),
    sources: z.array(sourceSchema).max(500),
    scenes: z.array(sceneSchema).max(200),
  })
  .strict();
export type SceneCollection = z.infer<typeof sceneCollectionSchema>;

/** The studio's whole state at once, with a revision that every change raises. */
export const studioStateSchema = z.object({
  revision: z.number().int(),
  studio: studioSettingsSchema,
  sources: z.array(sourceSchema),
  scenes: z.array(sceneSchema),
});
export type StudioState = z.infer<typeof studioStateSchema>;

const itemInput = sceneItemSchema.extend({ id: itemIdSchema.optional() });
const sceneFields = { name: z.string().trim().min(1).max(100), layout: sceneLayoutSchema.optional(), items: z.array(itemInput).max(64).optional() };

export const sceneMethods = {
  'scenes.list': method({
    tag: 'scenes',
    scope: 'scenes:read',
    summary: 'The studio: its settings, sources and scenes (in order), with the revision',
    input: z.object({}).strict(),
    output: studioStateSchema,
    http: { method: 'GET', path: '/scenes' },
  }),
  'scenes.create': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: 'A new scene (at the end of the list); items must name existing sources',
    input: z.object(sceneFields).strict(),
    output: sceneSchema,
    http: { method: 'POST', path: '/scenes', status: 201 },
  }),
  'scenes.update': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: "A scene's name, layout or items (the whole list, in drawing order), or its place in the list",
    input: z.object({ id: sceneIdSchema, ...sceneFields, name: sceneFields.name.optional(), position: z.number().int().min(0).max(199).optional() }).strict(),
    output: sceneSchema,
    http: { method: 'PATCH', path: '/scenes/:id' },
  }),
  'scenes.delete': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: 'Removes a scene (preview or program moves to another scene)',
    input: z.object({ id: sceneIdSchema }).strict(),
    output: z.object({ deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/scenes/:id' },
  }),
  'scenes.addSource': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: 'A new source (placed in no scene yet)',
    input: z.object({ name: z.string().trim().min(1).max(100), settings: sourceSettingsSchema, audio: audioPatchSchema.optional() }).strict(),
    output: sourceSchema,
    http: { method: 'POST', path: '/scenes/sources', status: 201 },
  }),
  'scenes.updateSource': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: "A source's name, settings (of the same kind) or mixer strip",
    input: z
      .object({ id: sourceIdSchema, name: z.string().trim().min(1).max(100).optional(), settings: sourceSettingsSchema.optional(), audio: audioPatchSchema.optional() })
      .strict(),
    output: sourceSchema,
    http: { method: 'PATCH', path: '/scenes/sources/:id' },
  }),
  'scenes.removeSource': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: 'Removes a source and every item of it in every scene',
    input: z.object({ id: sourceIdSchema }).strict(),
    output: z.object({ deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/scenes/sources/:id' },
  }),
  'scenes.updateStudio': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: 'Program size, frame rate, bitrates, the stream to go live on, the transition, studio mode, preview/program scenes, live',
    input: studioSettingsSchema.partial().strict(),
    output: studioSettingsSchema,
    http: { method: 'PATCH', path: '/scenes/studio' },
  }),
  'scenes.export': method({
    tag: 'scenes',
    scope: 'scenes:read',
    summary: 'The scene collection as a file (JSON)',
    input: z.object({}).strict(),
    output: sceneCollectionSchema,
    http: { method: 'GET', path: '/scenes/export' },
  }),
  'scenes.import': method({
    tag: 'scenes',
    scope: 'scenes:write',
    summary: 'Replaces the scene collection with a file from scenes.export (a bad file changes nothing)',
    input: z.object({ collection: z.unknown() }).strict(),
    output: studioStateSchema,
    http: { method: 'POST', path: '/scenes/import' },
  }),
} as const;

export const sceneEvents = {
  'scenes.changed': event({
    summary: 'The studio changed (a scene, a source, the settings or the whole collection): the new state',
    payload: z.object({ what: z.enum(['scene', 'source', 'studio', 'collection']), id: z.string().nullable(), state: studioStateSchema }),
  }),
} as const;
