import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { configSchema, getAtPath, listConfigFields, secretHintOf, type ConfigField, type StudioConfig } from '../../src-shared/config.js';
import type { ConfigView } from '../../src-shared/contract/index.js';
import { fieldIssuesFromZod, type FieldIssue } from '../../src-shared/errors.js';
import { StudioError } from '../core/errors.js';
import { readEnvOverrides } from './env.js';
import { deepMerge, isPlainObject, leafPaths, setAtPath, type Plain } from './merge.js';

export interface ConfigChange {
  changed: string[];
  config: StudioConfig;
}

/**
 * The config of one home: config.yaml (created from the shipped commented defaults), then STREAMS_*
 * variables on top, validated by the shared schema. API patches are written back into the YAML
 * document in place, so the comments a person wrote survive.
 */
export class ConfigStore {
  readonly fields: readonly ConfigField[] = listConfigFields();
  private doc: YAML.Document;
  private fileValues: Plain;
  private envValues: Plain = {};
  private envLocked = new Map<string, string>();
  private effective: StudioConfig;
  private readonly restartPending = new Set<string>();
  private readonly listeners = new Set<(change: ConfigChange) => void>();

  private constructor(
    readonly file: string,
    doc: YAML.Document,
    env: NodeJS.ProcessEnv,
  ) {
    this.doc = doc;
    this.fileValues = this.validateFile(doc);
    this.applyEnv(env);
    this.effective = this.validateEffective();
  }

  /** Loads (or creates from `defaultsFile`) the config; throws CONFIG_INVALID naming the field. */
  static load(file: string, defaultsFile: string, env: NodeJS.ProcessEnv = process.env): ConfigStore {
    if (!fs.existsSync(file)) fs.copyFileSync(defaultsFile, file);
    const text = fs.readFileSync(file, 'utf8');
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const line = first.linePos?.[0]?.line;
      throw new StudioError('CONFIG_INVALID', `${file}${line ? `:${line}` : ''}: ${first.message.split('\n')[0] ?? ''}`, {
        file,
      });
    }
    return new ConfigStore(file, doc, env);
  }

  get current(): StudioConfig {
    return this.effective;
  }

  onChange(listener: (change: ConfigChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What the API shows: the effective config with every secret field as its hint (the host reads `current`). */
  view(): ConfigView {
    const config = structuredClone(this.effective) as unknown as Plain;
    for (const field of this.fields) {
      if (field.secret) setAtPath(config, field.path, secretHintOf(String(getAtPath(config, field.path) ?? '')));
    }
    return {
      config,
      fields: this.fields.map((f) => ({ ...f })),
      envOverrides: [...this.envLocked].map(([p, env]) => ({ path: p, env })),
      file: this.file,
      restartPending: [...this.restartPending],
    };
  }

  /**
   * Applies a partial config from the API. Invalid values, unknown keys and keys locked by an
   * environment variable are refused as VALIDATION_FAILED with one entry per field; nothing is written then.
   */
  update(patch: unknown): ConfigChange {
    if (!isPlainObject(patch)) {
      throw new StudioError('VALIDATION_FAILED', 'expected an object of config keys', { fields: [] });
    }
    const body = this.withSecretsKept(patch);
    const issues: FieldIssue[] = [];
    const paths = leafPaths(body);
    for (const p of paths) {
      const env = this.envLocked.get(p);
      if (env) issues.push({ path: p, message: `set by the environment variable ${env}; unset it to change this here` });
    }
    const nextFile = deepMerge(this.fileValues, body);
    const fileCheck = configSchema.safeParse(nextFile);
    if (!fileCheck.success) issues.push(...fieldIssuesFromZod(fileCheck.error));
    if (issues.length > 0) {
      throw new StudioError('VALIDATION_FAILED', `Invalid config: ${issues[0]!.path}: ${issues[0]!.message}`, {
        fields: issues,
      });
    }
    const changed = paths.filter((p) => getAtPath(this.fileValues, p) !== getAtPath(nextFile, p));
    if (changed.length === 0) return { changed, config: this.effective };
    for (const p of changed) {
      const value = getAtPath(fileCheck.data, p);
      this.doc.setIn(p.split('.'), value);
    }
    this.writeAtomically(this.doc.toString());
    this.fileValues = nextFile;
    this.effective = this.validateEffective();
    for (const p of changed) if (this.fields.find((f) => f.path === p)?.restart) this.restartPending.add(p);
    const change = { changed, config: this.effective };
    for (const listener of this.listeners) listener(change);
    return change;
  }

  /** A secret sent back as the hint the view showed (a GET, edited, PATCHed whole) means "unchanged". */
  private withSecretsKept(patch: Plain): Plain {
    let kept = patch;
    for (const field of this.fields) {
      const sent = field.secret ? getAtPath(patch, field.path) : undefined;
      const saved = String(getAtPath(this.effective, field.path) ?? '');
      if (typeof sent === 'string' && sent !== '' && sent === secretHintOf(saved)) {
        kept = kept === patch ? structuredClone(patch) : kept;
        setAtPath(kept, field.path, saved);
      }
    }
    return kept;
  }

  private validateFile(doc: YAML.Document): Plain {
    const raw: unknown = doc.toJS() ?? {};
    if (!isPlainObject(raw)) {
      throw new StudioError('CONFIG_INVALID', `${this.file}: expected a mapping of config keys`, { file: this.file });
    }
    const result = configSchema.safeParse(raw);
    if (!result.success) {
      const issue = fieldIssuesFromZod(result.error)[0]!;
      throw new StudioError('CONFIG_INVALID', `${this.file}: ${issue.path}: ${issue.message}`, {
        file: this.file,
        field: issue.path,
        fields: fieldIssuesFromZod(result.error),
      });
    }
    return raw;
  }

  private applyEnv(env: NodeJS.ProcessEnv): void {
    const overrides = readEnvOverrides(this.fields, env);
    const firstError = overrides.errors[0];
    if (firstError) {
      throw new StudioError('CONFIG_INVALID', `${firstError.env}: ${firstError.message}`, {
        env: firstError.env,
        fields: overrides.errors.map((e) => ({ path: e.env, message: e.message })),
      });
    }
    this.envValues = {};
    for (const { field, value } of overrides.values) {
      setAtPath(this.envValues, field.path, value);
      this.envLocked.set(field.path, field.env);
    }
  }

  private validateEffective(): StudioConfig {
    const result = configSchema.safeParse(deepMerge(this.fileValues, this.envValues));
    if (!result.success) {
      const issue = fieldIssuesFromZod(result.error)[0]!;
      const env = this.envLocked.get(issue.path);
      throw new StudioError('CONFIG_INVALID', `${env ?? `${this.file}: ${issue.path}`}: ${issue.message}`, {
        field: issue.path,
        ...(env ? { env } : { file: this.file }),
      });
    }
    return result.data;
  }

  /** Write, fsync, rename: a crash at any moment leaves either the old or the new file, never half. */
  private writeAtomically(text: string): void {
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    try {
      const dir = fs.openSync(path.dirname(this.file), 'r');
      fs.fsyncSync(dir);
      fs.closeSync(dir);
    } catch {
      // Directories cannot be fsynced on every OS (Windows); the rename is still atomic.
    }
  }
}
