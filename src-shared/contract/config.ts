import { z } from 'zod';

export const configFieldSchema = z.object({
  path: z.string(),
  env: z.string(),
  type: z.enum(['string', 'integer', 'number', 'boolean', 'enum']),
  description: z.string(),
  restart: z.boolean(),
  default: z.unknown(),
  secret: z.boolean().optional().describe('A credential: config shows only its last 4 characters (…abcd); write the whole value to change it'),
  options: z.array(z.string()).readonly().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

export const configViewSchema = z.object({
  config: z.record(z.string(), z.unknown()).describe('The effective config (file, then STREAMS_* variables); a secret field as its hint (…abcd)'),
  fields: z.array(configFieldSchema),
  envOverrides: z
    .array(z.object({ path: z.string(), env: z.string() }))
    .describe('Keys set by environment variables: the API cannot change them'),
  file: z.string(),
  restartPending: z.array(z.string()).describe('Keys saved since start that take effect after a restart'),
});
export type ConfigView = z.infer<typeof configViewSchema>;
