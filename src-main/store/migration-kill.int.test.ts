import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appliedVersions, rowCounts, schemaText } from '../../test-support/sqlite-schema.js';
import { buildHome, checkHome, fillHome, fixtureSecrets, migrationsUpTo, VERSIONS, type FixtureSecrets } from '../../test-support/upgrade-homes.js';
import { migrate, openDatabase } from './db.js';

// A migration killed outright (SIGKILL) inside its transaction, for every migration: the home is left
// at the version before it, with none of that migration's changes and all of its data, and today's
// build then opens it, finishes every migration and reads the data back.

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-migration-kill-'));
const script = path.join(tmp, 'paused-migration.cjs');
let secrets: FixtureSecrets;

beforeAll(async () => {
  // Bundled once (better-sqlite3 stays a package, found through NODE_PATH).
  await build({
    entryPoints: [path.join(root, 'test-support/paused-migration.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile: script,
    logLevel: 'silent',
  });
  secrets = await fixtureSecrets();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

/** The child's first line on stdout; fails if it exits first or says nothing for `timeoutMs`. */
function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no line from the child in ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      resolve(out.slice(0, end));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the child exited (${signal ?? code}) before its line; stderr: ${err}`));
    });
  });
}

/** What a home's file holds, read without writing: versions, schema, rows per table. */
function snapshot(file: string): { versions: number[]; schema: string; rows: Record<string, number>; integrity: unknown } {
  const db = new Database(file, { readonly: true });
  try {
    return { versions: appliedVersions(db), schema: schemaText(db), rows: rowCounts(db), integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

/** The schema once migration `version` ran over the fixture home before it: what the paused transaction must see. */
function schemaAfterMigration(version: number): string {
  const db = new Database(':memory:');
  try {
    fillHome(db, version - 1, secrets);
    migrate(db, migrationsUpTo(version));
    return schemaText(db);
  } finally {
    db.close();
  }
}

describe('a migration killed inside its transaction', () => {
  it.each(VERSIONS)('migration %i: the home stays at the version before it, and this build then upgrades it with its data', async (version) => {
    const file = path.join(tmp, `killed-in-${version}.db`);
    buildHome(file, version - 1, secrets);
    const before = snapshot(file);
    expect(before.versions).toEqual(VERSIONS.filter((v) => v < version));

    const child = spawn(process.execPath, [script, file, String(version)], {
      env: { ...process.env, NODE_PATH: path.join(root, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const line = JSON.parse(await firstLine(child, 15_000)) as { paused?: number; schema?: string; done?: boolean };
    expect(line.paused, `the child never paused in migration ${version}: ${JSON.stringify(line)}`).toBe(version);
    // The migration's SQL had run in the open transaction: the kill lands after it, before the commit.
    expect(line.schema).toBe(schemaAfterMigration(version));
    expect(line.schema).not.toBe(before.schema);
    child.kill('SIGKILL');
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');

    // As the kill left it (read-only, before anything repairs or migrates it): the version before, whole.
    expect(snapshot(file)).toEqual(before);
    expect(before.integrity).toBe('ok');

    const db = openDatabase(file);
    try {
      expect(appliedVersions(db)).toEqual(VERSIONS);
      await checkHome(db, version - 1, secrets);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
