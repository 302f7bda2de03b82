import { z } from 'zod';
import { method, event } from './define.js';
import { streamNameSchema } from './streams.js';

/** OBS Studio control (obs-websocket v5): connections, scenes, inputs, filters, outputs, templates. */

export const obsConnectionStates = ['connecting', 'connected', 'disconnected', 'auth_failed'] as const;
/** The transition durations the API takes (ms). */
export const OBS_TRANSITION_MS = { min: 50, max: 20_000 } as const;
export const obsConnectionStateSchema = z.enum(obsConnectionStates);
export type ObsConnectionState = z.infer<typeof obsConnectionStateSchema>;

const idSchema = z.string().min(1).max(64);
/** A host name or IP address, without a scheme or a port. */
const obsHostSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$/, 'a host name or IP address, without ws:// or a port');
/** An OBS scene, input, source or filter name (as typed in OBS). */
const obsNameSchema = z.string().trim().min(1, 'must not be empty').max(256);

export const obsConnectionSchema = z.object({
  id: z.string(),
  label: z.string(),
  host: z.string(),
  port: z.number().int(),
  managed: z.boolean().describe('Started and supervised by this host'),
  state: obsConnectionStateSchema,
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe('Why the last attempt failed (OBS_AUTH_FAILED when OBS answered 4009)'),
  latencyMs: z.number().nullable().describe('Round trip of the last request'),
  nextRetryAt: z.number().nullable().describe('Unix ms of the next connection attempt while disconnected'),
  retries: z.number().int(),
  obsVersion: z.string().nullable(),
  since: z.number().nullable().describe('Unix ms of the last state change'),
  createdAt: z.number(),
});
export type ObsConnection = z.infer<typeof obsConnectionSchema>;

export const obsSceneSchema = z.object({
  name: z.string(),
  index: z.number().int(),
  current: z.boolean().describe('On program'),
  preview: z.boolean().describe('On preview (studio mode)'),
  screenshot: z.string().nullable().describe('A small JPEG data URL, when asked for'),
});

export const obsScenesSchema = z.object({
  scenes: z.array(obsSceneSchema),
  programScene: z.string().nullable(),
  previewScene: z.string().nullable(),
  studioMode: z.boolean(),
});

export const obsTransformSchema = z.object({
  positionX: z.number(),
  positionY: z.number(),
  scaleX: z.number(),
  scaleY: z.number(),
  rotation: z.number(),
  cropLeft: z.number().int(),
  cropRight: z.number().int(),
  cropTop: z.number().int(),
  cropBottom: z.number().int(),
  width: z.number(),
  height: z.number(),
  sourceWidth: z.number(),
  sourceHeight: z.number(),
});
export type ObsTransform = z.infer<typeof obsTransformSchema>;

export const obsTransformPatchSchema = z
  .object({
    positionX: z.number().finite(),
    positionY: z.number().finite(),
    scaleX: z.number().finite().positive(),
    scaleY: z.number().finite().positive(),
    rotation: z.number().finite(),
    cropLeft: z.number().int().min(0),
    cropRight: z.number().int().min(0),
    cropTop: z.number().int().min(0),
    cropBottom: z.number().int().min(0),
  })
  .partial()
  .strict();

export const obsSceneItemSchema = z.object({
  id: z.number().int(),
  sourceName: z.string(),
  inputKind: z.string().nullable(),
  enabled: z.boolean(),
  index: z.number().int(),
  transform: obsTransformSchema,
});

/** Input kinds the studio creates by name; each maps to the OBS kind of the host's OS. */
export const obsInputKinds = ['display', 'window', 'camera', 'media', 'image', 'browser', 'text', 'color'] as const;
export const obsInputKindSchema = z.enum(obsInputKinds);
export type ObsInputKind = z.infer<typeof obsInputKindSchema>;

export const obsInputSchema = z.object({
  name: z.string(),
  kind: z.string().describe('The OBS input kind (e.g. xshm_input)'),
  muted: z.boolean().nullable().describe('null for inputs without audio'),
  volumeDb: z.number().nullable(),
});

export const obsFilterKinds = ['chroma_key', 'color_correction', 'noise_suppression', 'compressor'] as const;
export const obsFilterKindSchema = z.enum(obsFilterKinds);
export type ObsFilterKind = z.infer<typeof obsFilterKindSchema>;

export const obsFilterSchema = z.object({
  name: z.string(),
  kind: z.string(),
  enabled: z.boolean(),
  index: z.number().int(),
  settings: z.record(z.string(), z.unknown()),
});

export const obsOutputNames = ['stream', 'record', 'replay', 'virtualcam'] as const;
export const obsOutputNameSchema = z.enum(obsOutputNames);
export type ObsOutputName = z.infer<typeof obsOutputNameSchema>;

export const obsStatsSchema = z.object({
  connectionId: z.string(),
  at: z.number(),
  fps: z.number(),
  cpuPercent: z.number(),
  memoryMb: z.number(),
  renderSkippedFrames: z.number(),
  renderTotalFrames: z.number(),
  outputSkippedFrames: z.number(),
  outputTotalFrames: z.number(),
  streamDroppedFrames: z.number().describe('Frames the stream output skipped (network congestion)'),
  streamTotalFrames: z.number(),
  streamBitrateKbps: z.number().describe('From the byte counter between two samples'),
  streamCongestion: z.number(),
});
export type ObsStats = z.infer<typeof obsStatsSchema>;

export const obsOutputsSchema = z.object({
  stream: z.object({ active: z.boolean(), reconnecting: z.boolean(), durationMs: z.number(), bytes: z.number(), server: z.string().nullable() }),
  record: z.object({ active: z.boolean(), paused: z.boolean(), durationMs: z.number(), bytes: z.number() }),
  replay: z.object({ active: z.boolean(), available: z.boolean() }),
  virtualcam: z.object({ active: z.boolean(), available: z.boolean() }),
  stats: obsStatsSchema.nullable(),
});
export type ObsOutputs = z.infer<typeof obsOutputsSchema>;

export const obsTemplateNames = ['gaming', 'interview', 'presentation', 'just-chatting'] as const;
export const obsTemplateNameSchema = z.enum(obsTemplateNames);
export type ObsTemplateName = z.infer<typeof obsTemplateNameSchema>;

export const obsTemplateSchema = z.object({
  name: obsTemplateNameSchema,
  label: z.string(),
  description: z.string(),
  parameters: z.array(z.enum(['screen', 'camera', 'secondCamera', 'title'])),
});

const conn = { id: idSchema };
const none = z.object({}).strict();

export const obsMethods = {
  'obs.connections.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'OBS instances this studio controls, with state, latency and next retry',
    input: none,
    output: z.array(obsConnectionSchema),
    http: { method: 'GET', path: '/obs/connections' },
  }),
  'obs.connections.create': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Add an OBS instance (password sealed at rest); OBS_AUTH_FAILED when OBS refuses the password',
    input: z
      .object({
        host: obsHostSchema.default('127.0.0.1'),
        port: z.number().int().min(1).max(65535).default(4455),
        password: z.string().max(256).default(''),
        label: z.string().trim().min(1).max(64).optional(),
      })
      .strict(),
    output: obsConnectionSchema,
    http: { method: 'POST', path: '/obs/connections', status: 201 },
  }),
  'obs.connections.update': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Change the address, password or label of an OBS instance (it reconnects)',
    input: z
      .object({ ...conn, host: obsHostSchema.optional(), port: z.number().int().min(1).max(65535).optional(), password: z.string().max(256).optional(), label: z.string().trim().min(1).max(64).optional() })
      .strict(),
    output: obsConnectionSchema,
    http: { method: 'PATCH', path: '/obs/connections/:id' },
  }),
  'obs.connections.delete': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Forget an OBS instance (disconnects it)',
    input: z.object(conn).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/obs/connections/:id' },
  }),
  'obs.scenes.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Scenes with the program and preview ones; thumbnails with screenshots=true',
    input: z.object({ ...conn, screenshots: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional() }).strict(),
    output: obsScenesSchema,
    http: { method: 'GET', path: '/obs/connections/:id/scenes' },
  }),
  'obs.scenes.create': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Create an empty scene',
    input: z.object({ ...conn, name: obsNameSchema }).strict(),
    output: obsScenesSchema,
    http: { method: 'POST', path: '/obs/connections/:id/scenes', status: 201 },
  }),
  'obs.scenes.rename': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Rename a scene',
    input: z.object({ ...conn, scene: obsNameSchema, newName: obsNameSchema }).strict(),
    output: obsScenesSchema,
    http: { method: 'PATCH', path: '/obs/connections/:id/scenes/:scene' },
  }),
  'obs.scenes.delete': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Remove a scene',
    input: z.object({ ...conn, scene: obsNameSchema }).strict(),
    output: obsScenesSchema,
    http: { method: 'DELETE', path: '/obs/connections/:id/scenes/:scene' },
  }),
  'obs.programScene.set': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Switch the program scene (what is streamed)',
    input: z.object({ ...conn, name: obsNameSchema }).strict(),
    output: z.object({ programScene: z.string() }),
    http: { method: 'PUT', path: '/obs/connections/:id/program-scene' },
  }),
  'obs.previewScene.set': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Set the preview scene (studio mode must be on)',
    input: z.object({ ...conn, name: obsNameSchema }).strict(),
    output: z.object({ previewScene: z.string() }),
    http: { method: 'PUT', path: '/obs/connections/:id/preview-scene' },
  }),
  'obs.studioMode.set': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Turn studio mode (preview/program) on or off',
    input: z.object({ ...conn, enabled: z.boolean() }).strict(),
    output: z.object({ studioMode: z.boolean() }),
    http: { method: 'PUT', path: '/obs/connections/:id/studio-mode' },
  }),
  'obs.transitions.get': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Transitions and the current one with its duration',
    input: z.object(conn).strict(),
    output: z.object({ transitions: z.array(z.object({ name: z.string(), kind: z.string(), fixed: z.boolean() })), current: z.string().nullable(), durationMs: z.number().nullable() }),
    http: { method: 'GET', path: '/obs/connections/:id/transitions' },
  }),
  'obs.transitions.set': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Choose the current transition and/or its duration; trigger=true runs the studio-mode transition',
    input: z.object({ ...conn, name: obsNameSchema.optional(), durationMs: z.number().int().min(OBS_TRANSITION_MS.min).max(OBS_TRANSITION_MS.max).optional(), trigger: z.boolean().optional() }).strict(),
    output: z.object({ current: z.string().nullable(), durationMs: z.number().nullable() }),
    http: { method: 'PUT', path: '/obs/connections/:id/transition' },
  }),
  'obs.collections.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Scene collections and the current one',
    input: z.object(conn).strict(),
    output: z.object({ current: z.string(), collections: z.array(z.string()) }),
    http: { method: 'GET', path: '/obs/connections/:id/scene-collections' },
  }),
  'obs.collections.set': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Switch the scene collection (create=true makes a new one)',
    input: z.object({ ...conn, name: obsNameSchema, create: z.boolean().optional() }).strict(),
    output: z.object({ current: z.string(), collections: z.array(z.string()) }),
    http: { method: 'PUT', path: '/obs/connections/:id/scene-collection' },
  }),
  'obs.inputs.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Inputs (sources) with kind, mute and volume',
    input: z.object(conn).strict(),
    output: z.array(obsInputSchema),
    http: { method: 'GET', path: '/obs/connections/:id/inputs' },
  }),
  'obs.inputs.create': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Create an input by kind (display, window, camera, media, image, browser, text, color) in a scene',
    input: z.object({ ...conn, scene: obsNameSchema, name: obsNameSchema, kind: obsInputKindSchema, settings: z.record(z.string(), z.unknown()).optional() }).strict(),
    output: z.object({ name: z.string(), kind: z.string(), sceneItemId: z.number().int() }),
    http: { method: 'POST', path: '/obs/connections/:id/inputs', status: 201 },
  }),
  'obs.inputs.delete': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Remove an input from every scene',
    input: z.object({ ...conn, input: obsNameSchema }).strict(),
    output: z.object({ name: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/obs/connections/:id/inputs/:input' },
  }),
  'obs.inputs.get': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Settings of an input',
    input: z.object({ ...conn, input: obsNameSchema }).strict(),
    output: z.object({ name: z.string(), kind: z.string(), settings: z.record(z.string(), z.unknown()) }),
    http: { method: 'GET', path: '/obs/connections/:id/inputs/:input' },
  }),
  'obs.inputs.update': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Change settings (merged), mute or volume of an input',
    input: z
      .object({ ...conn, input: obsNameSchema, settings: z.record(z.string(), z.unknown()).optional(), muted: z.boolean().optional(), volumeDb: z.number().min(-100).max(26).optional() })
      .strict(),
    output: obsInputSchema,
    http: { method: 'PATCH', path: '/obs/connections/:id/inputs/:input' },
  }),
  'obs.sceneItems.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Sources in a scene with visibility and transform',
    input: z.object({ ...conn, scene: obsNameSchema }).strict(),
    output: z.array(obsSceneItemSchema),
    http: { method: 'GET', path: '/obs/connections/:id/scenes/:scene/items' },
  }),
  'obs.sceneItems.update': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Show/hide a source in a scene, move, scale or crop it',
    input: z.object({ ...conn, scene: obsNameSchema, item: z.coerce.number().int().min(0), enabled: z.boolean().optional(), transform: obsTransformPatchSchema.optional() }).strict(),
    output: obsSceneItemSchema,
    http: { method: 'PATCH', path: '/obs/connections/:id/scenes/:scene/items/:item' },
  }),
  'obs.filters.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Filters of a source',
    input: z.object({ ...conn, source: obsNameSchema }).strict(),
    output: z.array(obsFilterSchema),
    http: { method: 'GET', path: '/obs/connections/:id/sources/:source/filters' },
  }),
  'obs.filters.create': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Add a filter (chroma key, color correction, noise suppression, compressor)',
    input: z.object({ ...conn, source: obsNameSchema, name: obsNameSchema, kind: obsFilterKindSchema, settings: z.record(z.string(), z.unknown()).optional() }).strict(),
    output: obsFilterSchema,
    http: { method: 'POST', path: '/obs/connections/:id/sources/:source/filters', status: 201 },
  }),
  'obs.filters.update': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Enable/disable a filter or change its settings',
    input: z.object({ ...conn, source: obsNameSchema, filter: obsNameSchema, enabled: z.boolean().optional(), settings: z.record(z.string(), z.unknown()).optional() }).strict(),
    output: obsFilterSchema,
    http: { method: 'PATCH', path: '/obs/connections/:id/sources/:source/filters/:filter' },
  }),
  'obs.filters.delete': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Remove a filter',
    input: z.object({ ...conn, source: obsNameSchema, filter: obsNameSchema }).strict(),
    output: z.object({ name: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/obs/connections/:id/sources/:source/filters/:filter' },
  }),
  'obs.outputs.get': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Stream, record, replay buffer and virtual camera state, with the latest stats',
    input: z.object(conn).strict(),
    output: obsOutputsSchema,
    http: { method: 'GET', path: '/obs/connections/:id/outputs' },
  }),
  'obs.outputs.start': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Start the stream, recording, replay buffer or virtual camera',
    input: z.object({ ...conn, output: obsOutputNameSchema }).strict(),
    output: obsOutputsSchema,
    http: { method: 'POST', path: '/obs/connections/:id/outputs/:output/start' },
  }),
  'obs.outputs.stop': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Stop the stream, recording, replay buffer or virtual camera',
    input: z.object({ ...conn, output: obsOutputNameSchema }).strict(),
    output: obsOutputsSchema,
    http: { method: 'POST', path: '/obs/connections/:id/outputs/:output/stop' },
  }),
  'obs.streamToStudio': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: "One click: create a stream (and its key) here and point OBS's custom RTMP server at our ingest",
    input: z.object({ ...conn, stream: streamNameSchema, start: z.boolean().optional() }).strict(),
    output: z.object({ stream: z.string(), server: z.string(), created: z.boolean(), streaming: z.boolean() }),
    http: { method: 'POST', path: '/obs/connections/:id/stream-to-studio' },
  }),
  'obs.templates.list': method({
    tag: 'obs',
    scope: 'obs:read',
    summary: 'Scene templates and the parameters each asks for',
    input: none,
    output: z.array(obsTemplateSchema),
    http: { method: 'GET', path: '/obs/templates' },
  }),
  'obs.templates.apply': method({
    tag: 'obs',
    scope: 'obs:write',
    summary: 'Create a scene from a template with real inputs laid out for the canvas size',
    input: z
      .object({
        ...conn,
        template: obsTemplateNameSchema,
        sceneName: obsNameSchema.optional(),
        screen: z.number().int().min(0).max(16).optional(),
        camera: z.string().max(256).optional(),
        secondCamera: z.string().max(256).optional(),
        title: z.string().max(256).optional(),
      })
      .strict(),
    output: z.object({ scene: z.string(), items: z.array(obsSceneItemSchema) }),
    http: { method: 'POST', path: '/obs/connections/:id/templates/:template', status: 201 },
  }),
} as const;

export const obsEvents = {
  'obs.connection': event({ summary: 'An OBS connection changed state, latency or settings (null when deleted)', payload: z.object({ id: z.string(), connection: obsConnectionSchema.nullable() }) }),
  'obs.scene': event({
    summary: 'Program or preview scene changed, or the scene list changed',
    payload: z.object({ connectionId: z.string(), programScene: z.string().nullable(), previewScene: z.string().nullable(), listChanged: z.boolean() }),
  }),
  'obs.output': event({
    summary: 'Stream, record, replay buffer or virtual camera changed state',
    payload: z.object({ connectionId: z.string(), output: obsOutputNameSchema, state: z.string(), active: z.boolean() }),
  }),
  'obs.input': event({
    summary: 'An input was created, removed, renamed, muted or its volume changed',
    payload: z.object({ connectionId: z.string(), change: z.enum(['created', 'removed', 'renamed', 'mute', 'volume', 'settings', 'filters', 'items']), name: z.string() }),
  }),
  'obs.transition': event({ summary: 'The current transition or its duration changed', payload: z.object({ connectionId: z.string(), name: z.string().nullable(), durationMs: z.number().nullable() }) }),
  'obs.stats': event({ summary: 'OBS stats, every obs.statsIntervalMs while connected', payload: obsStatsSchema }),
  'obs.meters': event({
    summary: 'Audio levels of the inputs that make sound (peak dBFS, -60 is silence), 5 times a second',
    payload: z.object({ connectionId: z.string(), inputs: z.array(z.object({ name: z.string(), peakDb: z.number() })) }),
  }),
} as const;
