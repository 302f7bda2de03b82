import { z } from 'zod';
import { event, method } from './define.js';
import { displayIdSchema } from './remote.js';
import { streamNameSchema } from './streams.js';

/** A top-level window of a display, as a broadcast can capture it (its rectangle, in display pixels). */
export const displayWindowSchema = z.object({
  id: z.number().int().describe('The X window id on Linux'),
  title: z.string(),
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
});
export type DisplayWindow = z.infer<typeof displayWindowSchema>;

export const rectSchema = z.object({
  x: z.number().int().min(0),
  y: z.number().int().min(0),
  width: z.number().int().min(2),
  height: z.number().int().min(2),
});
export type Rect = z.infer<typeof rectSchema>;

export const broadcastStates = ['starting', 'live', 'restarting', 'failed'] as const;
export const broadcastStateSchema = z.enum(broadcastStates);
export type BroadcastState = z.infer<typeof broadcastStateSchema>;

export const broadcastInputSchema = z
  .object({
    displayId: displayIdSchema,
    stream: streamNameSchema,
    region: rectSchema.strict().optional().describe('A rectangle of the display; odd sizes are rounded down to even (H.264)'),
    windowId: z.number().int().min(1).optional().describe("Capture this window's rectangle (GET /displays/:id/windows)"),
    fps: z.number().int().min(1).max(60).default(30),
    bitrateKbps: z.number().int().min(100).max(50_000).default(4000),
  })
  .strict()
  .refine((input) => input.region === undefined || input.windowId === undefined, {
    message: 'give a region or a window, not both',
    path: ['windowId'],
  });

/** A display published as a live stream: one supervised ffmpeg (x11grab + audio) into the stream's Path. */
export const broadcastSchema = z.object({
  id: z.string(),
  displayId: z.string(),
  stream: streamNameSchema,
  target: rectSchema.describe('The captured rectangle of the display'),
  windowId: z.number().int().optional(),
  fps: z.number().int(),
  bitrateKbps: z.number().int(),
  encoder: z.string().describe('The H.264 encoder from the capability probe (libx264 without a GPU)'),
  audio: z.string().describe('"silence", or the PulseAudio source captured'),
  state: broadcastStateSchema,
  startedAt: z.number(),
  restarts: z.number().int().describe('Consecutive failures so far (0 once it has stayed live)'),
  lastError: z.string().optional(),
});
export type Broadcast = z.infer<typeof broadcastSchema>;

export const broadcastMethods = {
  'displays.windows': method({
    tag: 'remote',
    scope: 'remote:read',
    summary: 'The mapped top-level windows of a display, with their titles and rectangles',
    input: z.object({ id: displayIdSchema }).strict(),
    output: z.array(displayWindowSchema),
    http: { method: 'GET', path: '/displays/:id/windows' },
  }),
  'broadcasts.list': method({
    tag: 'remote',
    scope: 'streams:read',
    summary: 'Displays being broadcast as live streams',
    input: z.object({}).strict(),
    output: z.array(broadcastSchema),
    http: { method: 'GET', path: '/broadcasts' },
  }),
  'broadcasts.create': method({
    tag: 'remote',
    scope: 'streams:write',
    summary: 'Broadcast a display (or a region or window of it) into a stream: HLS/DASH, recording, restreaming and WebRTC follow',
    input: broadcastInputSchema,
    output: broadcastSchema,
    http: { method: 'POST', path: '/broadcasts', status: 201 },
  }),
  'broadcasts.delete': method({
    tag: 'remote',
    scope: 'streams:write',
    summary: 'Stop a broadcast: its stream ends cleanly',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/broadcasts/:id' },
  }),
} as const;

export const broadcastEvents = {
  'broadcast.changed': event({
    summary: 'A broadcast started, changed state or stopped (null when stopped)',
    payload: z.object({ id: z.string(), broadcast: broadcastSchema.nullable() }),
  }),
} as const;
