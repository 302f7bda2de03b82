import { z } from 'zod';
import { event, method } from './define.js';
import { EDGE_FUNCTION_CODE_MAX, EDGE_FUNCTION_NAME_RE, routeProblem } from '../edge-functions.js';

/**
 * Edge functions: njs JavaScript an operator runs on every edge for a route and a phase (see
 * src-shared/edge-functions.ts for what a function is given and may return). Each change is checked by
 * nginx on this host before any edge sees it, versioned, rolled out to every edge at once (or to a
 * canary share first), and rolled back when an edge refuses it, when its error rate passes its
 * threshold, or on request.
 */

const nameSchema = z.string().regex(EDGE_FUNCTION_NAME_RE, 'a name is 1 to 48 lowercase letters, digits and -, starting with a letter');
const routeSchema = z
  .string()
  .superRefine((route, ctx) => {
    const problem = routeProblem(route);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('The paths it runs for: * within a path segment, ** across them (e.g. /live/**)');
const phaseSchema = z.enum(['request', 'response']).describe('request: before the edge looks the object up; response: as the answer\'s headers go out');
const codeSchema = z.string().min(1, 'required').max(EDGE_FUNCTION_CODE_MAX).describe('njs JavaScript defining function handle(req, res)');

export const rollbackPolicySchema = z
  .object({
    errorRate: z.number().min(0.001).max(1).default(0.1).describe('The share of calls that throw past which a version rolls back by itself'),
    minErrors: z.number().int().min(1).max(100_000).default(5).describe('...once at least this many calls threw'),
  })
  .strict();

export const edgeFunctionVersionSchema = z.object({
  version: z.number().int().min(1),
  route: z.string(),
  phase: phaseSchema,
  code: z.string(),
  createdAt: z.number(),
  state: z.enum(['stable', 'canary', 'superseded', 'rolled-back']).describe('stable: what the edges run; canary: what the canary edges run'),
  rolledBack: z
    .object({ at: z.number(), reason: z.string(), automatic: z.boolean() })
    .nullable()
    .describe('Why this version was taken off the edges'),
});
export type EdgeFunctionVersion = z.infer<typeof edgeFunctionVersionSchema>;

export const edgeFunctionEdgeSchema = z.object({
  id: z.string(),
  version: z.number().int().nullable().describe('The version this edge should run (null: none)'),
  status: z.enum(['applied', 'failed', 'pending']).describe('applied: its nginx runs it; failed: its nginx refused it; pending: not confirmed yet (away, or applying)'),
  error: z.string().nullable(),
});

export const edgeFunctionCountersSchema = z.object({
  version: z.number().int(),
  calls: z.number().int(),
  errors: z.number().int(),
  avgMs: z.number().nullable().describe('Mean time a call took on the edges (njs measures whole milliseconds)'),
});

export const edgeFunctionErrorSchema = z.object({
  at: z.number(),
  edge: z.string(),
  version: z.number().int(),
  uri: z.string(),
  message: z.string(),
});

export const edgeFunctionSchema = z.object({
  name: z.string(),
  enabled: z.boolean(),
  route: z.string().describe('Of the stable version (else the canary)'),
  phase: phaseSchema,
  code: z.string(),
  version: z.number().int().nullable().describe('The stable version every edge outside the canary runs; null: none yet (or rolled back past the first)'),
  canary: z
    .object({ version: z.number().int(), percent: z.number(), edges: z.array(z.string()) })
    .nullable()
    .describe('A version on a share of the edges first; POST .../promote puts it on every edge'),
  rollback: rollbackPolicySchema.required(),
  versions: z.array(edgeFunctionVersionSchema),
  edges: z.array(edgeFunctionEdgeSchema),
  counters: z.array(edgeFunctionCountersSchema).describe('Calls and errors per version, summed over the edges since they started it'),
  recentErrors: z.array(edgeFunctionErrorSchema).describe('The last errors the edges reported, newest first'),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type EdgeFunction = z.infer<typeof edgeFunctionSchema>;

const canaryField = z
  .number()
  .int()
  .min(1)
  .max(99)
  .optional()
  .describe('Roll the new version out to this share of the edges (at least one) first; the rest keep the stable version');

export const cdnFunctionEvents = {
  'cdn.functions': event({ summary: 'The edge functions changed (a version, a rollout, a rollback, counters)', payload: z.array(edgeFunctionSchema) }),
};

export const cdnFunctionMethods = {
  'cdn.functions': method({
    tag: 'cdn',
    scope: 'cdn:read',
    summary: 'Edge functions, with their versions, where each runs, and their counters',
    input: z.object({}).strict(),
    output: z.array(edgeFunctionSchema),
    http: { method: 'GET', path: '/cdn/functions' },
  }),
  'cdn.function': method({
    tag: 'cdn',
    scope: 'cdn:read',
    summary: 'One edge function',
    input: z.object({ name: nameSchema }).strict(),
    output: edgeFunctionSchema,
    http: { method: 'GET', path: '/cdn/functions/:name' },
  }),
  'cdn.createFunction': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary:
      'Add an edge function: checked by nginx (400 FUNCTION_INVALID with its message; no edge sees it), then rolled out to every ' +
      'connected edge (or a canary share) and answered once they applied it; an edge that refuses it rolls it back (502 ROLLOUT_FAILED)',
    input: z
      .object({ name: nameSchema, route: routeSchema, phase: phaseSchema, code: codeSchema, enabled: z.boolean().default(true), canaryPercent: canaryField, rollback: rollbackPolicySchema.optional() })
      .strict(),
    output: edgeFunctionSchema,
    http: { method: 'POST', path: '/cdn/functions', status: 201 },
  }),
  'cdn.updateFunction': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Change an edge function: new code, route or phase make a new version (checked and rolled out as on creation); enabled false takes it off every edge',
    input: z
      .object({ name: nameSchema, route: routeSchema.optional(), phase: phaseSchema.optional(), code: codeSchema.optional(), enabled: z.boolean().optional(), canaryPercent: canaryField, rollback: rollbackPolicySchema.optional() })
      .strict(),
    output: edgeFunctionSchema,
    http: { method: 'PATCH', path: '/cdn/functions/:name' },
  }),
  'cdn.deleteFunction': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Remove an edge function from every edge and forget its versions',
    input: z.object({ name: nameSchema }).strict(),
    output: z.object({ name: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/cdn/functions/:name' },
  }),
  'cdn.rollbackFunction': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary:
      'Roll back: a canary is taken off its edges; else the stable version goes back to `version` (default: the one before it that was not rolled back; none: the function runs nowhere)',
    input: z.object({ name: nameSchema, version: z.number().int().min(1).optional() }).strict(),
    output: edgeFunctionSchema,
    http: { method: 'POST', path: '/cdn/functions/:name/rollback' },
  }),
  'cdn.promoteFunction': method({
    tag: 'cdn',
    scope: 'cdn:write',
    summary: 'Put the canary version on every edge (it becomes the stable version)',
    input: z.object({ name: nameSchema }).strict(),
    output: edgeFunctionSchema,
    http: { method: 'POST', path: '/cdn/functions/:name/promote' },
  }),
  'cdn.functionTemplates': method({
    tag: 'cdn',
    scope: 'cdn:read',
    summary: 'Functions to start from: region redirect, token check, A/B of two ladders, CORS',
    input: z.object({}).strict(),
    output: z.array(z.object({ id: z.string(), title: z.string(), description: z.string(), name: z.string(), route: z.string(), phase: phaseSchema, code: z.string() })),
    http: { method: 'GET', path: '/cdn/function-templates' },
  }),
};
