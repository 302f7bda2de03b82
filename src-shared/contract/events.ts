import { z } from 'zod';
import { configViewSchema } from './config.js';
import { cdnEvents } from './cdn.js';
import { cdnFunctionEvents } from './cdn-functions.js';
import { runnerEvents } from './runners.js';
import { event } from './define.js';
import { streamNameSchema, streamSchema, streamStateSchema, streamStatsSchema, viewerStatsSchema } from './streams.js';
import { ffmpegInfoSchema, systemStatsSchema } from './system.js';
import { destinationSchema, recordingSchema } from './restream.js';
import { obsEvents } from './obs.js';
import { broadcastEvents } from './broadcast.js';
import { videoEvents } from './videos.js';
import { dataEvents } from './data.js';
import { sceneEvents } from './scenes.js';
import { guestEvents } from './guests.js';

/** Every event pushed to clients (UI over IPC or WebSocket, later edges). */
export const events = {
  'system.stats': event({ summary: 'A new system sample, every system.statsIntervalMs', payload: systemStatsSchema }),
  'system.ffmpeg': event({ summary: 'ffmpeg was located and probed again', payload: ffmpegInfoSchema }),
  'config.changed': event({
    summary: 'The config was changed through the API',
    payload: z.object({ changed: z.array(z.string()), view: configViewSchema }),
  }),
  'stream.state': event({
    summary: 'A stream changed state (idle, live, ended, error)',
    payload: z.object({ name: streamNameSchema, state: streamStateSchema, at: z.number(), reason: z.string().nullable() }),
  }),
  'stream.stats': event({ summary: 'Live stream statistics, every second while live', payload: streamStatsSchema }),
  'stream.viewers': event({ summary: 'Viewer counts of a stream changed', payload: viewerStatsSchema }),
  'streams.changed': event({
    summary: 'A stream was created, updated or deleted (the whole stream, or null when deleted)',
    payload: z.object({ name: streamNameSchema, stream: streamSchema.nullable() }),
  }),
  'destination.changed': event({
    summary: 'A destination changed state, bitrate or settings (null when deleted)',
    payload: z.object({ stream: streamNameSchema, id: z.string(), destination: destinationSchema.nullable() }),
  }),
  'recording.changed': event({
    summary: 'A recording started, grew, ended, was converted or deleted (null when deleted)',
    payload: z.object({ id: z.string(), recording: recordingSchema.nullable() }),
  }),
  'host.stopping': event({
    summary: 'The host is shutting down; clients should expect the connection to close',
    payload: z.object({ reason: z.string() }),
  }),
  ...obsEvents,
  ...cdnEvents,
  ...cdnFunctionEvents,
  ...broadcastEvents,
  ...videoEvents,
  ...dataEvents,
  ...sceneEvents,
  ...guestEvents,
  ...runnerEvents,
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]['payload']>;

export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/** The one envelope of every pushed event, on IPC and WebSocket alike. */
export interface EventEnvelope<E extends EventName = EventName> {
  event: E;
  data: EventPayload<E>;
}
