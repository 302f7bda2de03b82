import type { ConfigField } from '../../../src-shared/config.js';
import { configSchema, getAtPath } from '../../../src-shared/config.js';
import { fieldIssuesFromZod, type FieldIssue } from '../../../src-shared/errors.js';

/** What an input holds: text for text/number/select inputs, a boolean for checkboxes. */
export type RawValue = string | boolean;
export type FieldErrors = Record<string, string>;

type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

export function toRaw(field: Pick<ConfigField, 'type'>, value: unknown): RawValue {
  if (field.type === 'boolean') return value === true;
  return value === undefined || value === null ? '' : String(value);
}

/** Input text to a config value; numbers are only checked for being numbers, the schema does the rest. */
export function fromRaw(field: Pick<ConfigField, 'type'>, raw: RawValue): Parsed {
  if (field.type === 'boolean') return { ok: true, value: raw === true };
  const text = String(raw);
  if (field.type === 'integer' || field.type === 'number') {
    if (text.trim() === '') return { ok: false, message: 'required' };
    const n = Number(text);
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, message: 'must be a number' };
  }
  return { ok: true, value: text };
}

/** Parsed values of the edited fields that differ from the effective config, by dotted path. */
export function changedValues(fields: readonly ConfigField[], config: unknown, edits: Record<string, RawValue>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const field of fields) {
    if (!(field.path in edits)) continue;
    const parsed = fromRaw(field, edits[field.path] as RawValue);
    const current = getAtPath(config, field.path);
    if (!parsed.ok || !Object.is(parsed.value, current)) changes[field.path] = parsed.ok ? parsed.value : edits[field.path];
  }
  return changes;
}

function setAtPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = target;
  parts.slice(0, -1).forEach((part) => {
    const next = cur[part];
    cur = cur[part] = next !== null && typeof next === 'object' ? { ...(next as Record<string, unknown>) } : {};
  });
  cur[parts[parts.length - 1] as string] = value;
}

/** `{ 'http.port': 8080 }` -> `{ http: { port: 8080 } }`, the partial `config.update` takes. */
export function toNestedPatch(changes: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(changes)) setAtPath(patch, path, value);
  return patch;
}

/** Issues by path, first message wins, only for fields the form shows. */
export function errorsByPath(issues: readonly FieldIssue[], fields: readonly ConfigField[]): FieldErrors {
  const known = new Set(fields.map((f) => f.path));
  const errors: FieldErrors = {};
  for (const issue of issues) {
    if (known.has(issue.path) && !(issue.path in errors)) errors[issue.path] = issue.message;
  }
  return errors;
}

/** Checks the edited config with the same schema the host uses; errors only for edited fields. */
export function validateEdits(fields: readonly ConfigField[], config: unknown, edits: Record<string, RawValue>): FieldErrors {
  const errors: FieldErrors = {};
  const candidate = structuredClone((config ?? {}) as Record<string, unknown>);
  const edited = new Set<string>();
  for (const field of fields) {
    if (!(field.path in edits)) continue;
    const parsed = fromRaw(field, edits[field.path] as RawValue);
    // An edit back to the saved value is no edit (a secret's saved value is its hint, which the schema would refuse).
    if (parsed.ok && Object.is(parsed.value, getAtPath(config, field.path))) continue;
    edited.add(field.path);
    if (parsed.ok) setAtPath(candidate, field.path, parsed.value);
    else errors[field.path] = parsed.message;
  }
  for (const field of fields) {
    // A secret left as it is stands in the candidate as its hint: put a valid stand-in there.
    if (field.secret && !edited.has(field.path)) setAtPath(candidate, field.path, '');
  }
  const result = configSchema.safeParse(candidate);
  if (result.success) return errors;
  const schemaErrors = errorsByPath(fieldIssuesFromZod(result.error), fields);
  for (const [path, message] of Object.entries(schemaErrors)) {
    if (edited.has(path) && !(path in errors)) errors[path] = message;
  }
  return errors;
}

const WORDS: Record<string, string> = { ms: '(ms)', kbps: '(kb/s)', mbps: '(Mbit/s)', tls: 'TLS', ttl: 'TTL', http: 'HTTP', api: 'API', ssh: 'SSH' };

/** `probeTimeoutMs` -> `Probe timeout (ms)`. */
export function labelOf(path: string): string {
  const key = path.split('.').pop() ?? path;
  const words = key.split(/(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase());
  const text = words.map((w) => WORDS[w] ?? w).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const SECTIONS: Record<string, string> = {
  studio: 'Studio',
  http: 'Web UI and API',
  rtmp: 'RTMP ingest',
  srt: 'SRT ingest',
  live: 'Live packaging',
  recording: 'Recording',
  library: 'Video library',
  auth: 'Sign-in and access',
  limits: 'Limits',
  audit: 'Audit log',
  tls: 'TLS certificates',
  data: 'Live data and chat',
  mqtt: 'MQTT broker',
  bridges: 'Data bridges (NATS, Redis)',
  log: 'Logging',
  system: 'System',
  ffmpeg: 'ffmpeg',
  obs: 'OBS Studio',
  webrtc: 'WebRTC',
  guests: 'Guests',
  remote: 'Remote desktop',
  scaling: 'Autoscaling',
};

export function sectionsOf(fields: readonly ConfigField[]): { id: string; title: string; fields: ConfigField[] }[] {
  const sections = new Map<string, ConfigField[]>();
  for (const field of fields) {
    const id = field.path.split('.')[0] ?? '';
    sections.set(id, [...(sections.get(id) ?? []), field]);
  }
  return [...sections].map(([id, list]) => ({ id, title: SECTIONS[id] ?? labelOf(id), fields: list }));
}
