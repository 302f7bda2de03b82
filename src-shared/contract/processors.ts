import { z } from 'zod';
import { channelNameSchema, windowKinds } from './data.js';
import { method } from './define.js';
import { streamNameSchema } from './streams.js';

/**
 * Processors: per-stream pipelines over the data channels, in JSON. Each reads a channel (or joins two
 * within a time window), runs its steps in order (filter, map, flatMap, aggregate) and publishes what
 * comes out to its output channel, stamped like any other message. Checked when saved: a bad pipeline is
 * refused with the step it is in.
 */

/** A field of the message data: `temp`, `user.name`, `items.0.price` (dots between names or indexes). */
export const FIELD_PATH_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,7}$/;
const fieldPath = z.string().max(200).regex(FIELD_PATH_PATTERN, 'a field path: names or indexes separated by dots (user.name, items.0)');

export const conditionOps = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'matches'] as const;
export const conditionSchema = z
  .object({
    field: fieldPath,
    op: z.enum(conditionOps),
    value: z.unknown().optional().describe('eq/ne: any JSON; gt/gte/lt/lte: a number; in: an array; contains: a string or value; matches: a regular expression; exists: true or false'),
  })
  .strict();
export type Condition = z.infer<typeof conditionSchema>;

export const processorStepSchema = z.discriminatedUnion('op', [
  z
    .object({
      op: z.literal('filter'),
      all: z.array(conditionSchema).max(20).optional().describe('Every condition holds'),
      any: z.array(conditionSchema).max(20).optional().describe('At least one holds'),
    })
    .strict(),
  z
    .object({
      op: z.literal('map'),
      fields: z
        .record(z.string().regex(/^[A-Za-z0-9_$-]{1,64}$/), z.union([fieldPath, z.object({ value: z.unknown() }).strict()]))
        .describe('The new data: each name taken from a field path of the old, or a fixed {"value": ...}'),
    })
    .strict(),
  z.object({ op: z.literal('flatMap'), field: fieldPath.describe('An array field: each element becomes a message of its own') }).strict(),
  z
    .object({
      op: z.literal('aggregate'),
      kind: z.enum(windowKinds),
      sizeSec: z.number().int().min(1).max(86_400),
      stepSec: z.number().int().min(1).max(3600).optional(),
      groupBy: z.string().max(64).optional(),
      sumOf: z.string().max(64).optional(),
    })
    .strict()
    .describe('The last step: a window over what reaches it; each closed window (a sliding one every stepSec) is one message out'),
]);
export type ProcessorStep = z.infer<typeof processorStepSchema>;

export const joinSchema = z
  .object({
    left: channelNameSchema,
    right: channelNameSchema,
    leftKey: fieldPath,
    rightKey: fieldPath,
    withinMs: z.number().int().min(1).max(3_600_000).describe('A left and a right message are joined when their keys are equal and they arrived at most this far apart'),
  })
  .strict();

export const processorDefinitionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a processor id is 1 to 32 lowercase letters, digits, - and _'),
    input: channelNameSchema.or(z.object({ join: joinSchema }).strict()).describe('A channel, or {"join": {...}}: each pair out as {"key", "left", "right"}'),
    steps: z.array(processorStepSchema).max(20),
    output: channelNameSchema,
  })
  .strict();
export type ProcessorDefinition = z.infer<typeof processorDefinitionSchema>;

export const processorStatusSchema = z.object({
  id: z.string(),
  in: z.number().int().describe('Messages read since start'),
  out: z.number().int().describe('Messages published to the output since start'),
  errors: z.number().int().describe('Messages the output refused since start'),
  lastError: z.string().nullable(),
});
export type ProcessorStatus = z.infer<typeof processorStatusSchema>;

// ---- Protobuf channel schemas ----

export const channelSchemaSchema = z
  .object({
    channel: channelNameSchema,
    proto: z.string().min(1).max(65_536).describe('The .proto text (proto2 or proto3)'),
    message: z.string().min(1).max(200).describe('The message type a message of the channel is, with its package: "telemetry.Reading"'),
  })
  .strict();
export type ChannelSchema = z.infer<typeof channelSchemaSchema>;

export const processorMethods = {
  'data.processors': method({
    tag: 'data',
    scope: 'data:read',
    summary: "The stream's processors (filter, map, flatMap, aggregate, join) with their counters",
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({ processors: z.array(processorDefinitionSchema), status: z.array(processorStatusSchema) }),
    http: { method: 'GET', path: '/streams/:name/data/processors' },
  }),
  'data.setProcessors': method({
    tag: 'data',
    scope: 'data:write',
    summary: "Replace the stream's processors; a bad pipeline is refused naming the step",
    input: z.object({ name: streamNameSchema, processors: z.array(processorDefinitionSchema).max(20) }).strict(),
    output: z.object({ processors: z.array(processorDefinitionSchema) }),
    http: { method: 'PUT', path: '/streams/:name/data/processors' },
  }),
  'data.schemas': method({
    tag: 'data',
    scope: 'data:read',
    summary: "The stream's Protobuf channel schemas",
    input: z.object({ name: streamNameSchema }).strict(),
    output: z.object({ schemas: z.array(channelSchemaSchema) }),
    http: { method: 'GET', path: '/streams/:name/data/schemas' },
  }),
  'data.setSchemas': method({
    tag: 'data',
    scope: 'data:write',
    summary: "Replace the stream's Protobuf channel schemas: such a channel takes application/x-protobuf bodies, and every message of it must fit",
    input: z.object({ name: streamNameSchema, schemas: z.array(channelSchemaSchema).max(64) }).strict(),
    output: z.object({ schemas: z.array(channelSchemaSchema) }),
    http: { method: 'PUT', path: '/streams/:name/data/schemas' },
  }),
} as const;
