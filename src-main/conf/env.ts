import type { ConfigField } from '../../src-shared/config.js';

/** Environment variables that are not config keys but are ours all the same. */
export const RESERVED_ENV = new Set(['STREAMS_HOME']);

export type EnvValue = { ok: true; value: unknown } | { ok: false; message: string };

/** Converts the text of an environment variable to the field's type; pure. */
export function coerceEnvValue(field: ConfigField, raw: string): EnvValue {
  const text = raw.trim();
  switch (field.type) {
    case 'integer':
      return /^[-+]?\d+$/.test(text) ? { ok: true, value: Number(text) } : { ok: false, message: `expected a whole number, got "${raw}"` };
    case 'number':
      return text !== '' && Number.isFinite(Number(text))
        ? { ok: true, value: Number(text) }
        : { ok: false, message: `expected a number, got "${raw}"` };
    case 'boolean': {
      const lower = text.toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(lower)) return { ok: true, value: true };
      if (['false', '0', 'no', 'off'].includes(lower)) return { ok: true, value: false };
      return { ok: false, message: `expected true or false, got "${raw}"` };
    }
    case 'enum':
      return field.options?.includes(text)
        ? { ok: true, value: text }
        : { ok: false, message: `expected one of ${field.options?.join(', ') ?? ''}, got "${raw}"` };
    default:
      return { ok: true, value: raw };
  }
}

export interface EnvOverrides {
  values: { field: ConfigField; value: unknown }[];
  errors: { env: string; message: string }[];
}

/**
 * Reads every STREAMS_* variable. An unknown one inside a config section (STREAMS_HTTP_PROT) is an
 * error, since it is almost surely a typo; others (STREAMS_ELECTRON_PATH, used by tooling) are not ours.
 */
export function readEnvOverrides(fields: readonly ConfigField[], env: NodeJS.ProcessEnv): EnvOverrides {
  const byEnv = new Map(fields.map((f) => [f.env, f]));
  const sections = new Set(fields.map((f) => f.env.split('_')[1]));
  const result: EnvOverrides = { values: [], errors: [] };
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('STREAMS_') || raw === undefined || RESERVED_ENV.has(name)) continue;
    const field = byEnv.get(name);
    if (!field && !sections.has(name.split('_')[1])) continue;
    if (!field) {
      result.errors.push({ env: name, message: 'is not a config key (config.yaml lists them)' });
      continue;
    }
    const coerced = coerceEnvValue(field, raw);
    if (coerced.ok) result.values.push({ field, value: coerced.value });
    else result.errors.push({ env: name, message: coerced.message });
  }
  return result;
}
