import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { hashPassword } from '../src-main/auth/passwords.js';
import { migrate, type Db } from '../src-main/store/db.js';
import { MIGRATIONS } from '../src-main/store/migrations.js';
import { PASSWORD, TABLE_FIXTURES, type FixtureSecrets } from './upgrade-fixtures.js';

/**
 * Studio homes as each schema version left them, for the upgrade and kill-mid-migration tests: the
 * product's own migrate() over the migrations up to a version (so the same transactions and
 * schema_migrations rows), then the rows of upgrade-fixtures.ts in every table that exists by then.
 */

export type { FixtureSecrets } from './upgrade-fixtures.js';

export const VERSIONS = MIGRATIONS.map((m) => m.version);
export const LAST_VERSION = VERSIONS[VERSIONS.length - 1]!;

export const migrationsUpTo = (version: number): typeof MIGRATIONS => MIGRATIONS.filter((m) => m.version <= version);

export async function fixtureSecrets(): Promise<FixtureSecrets> {
  return { passwordHash: await hashPassword(PASSWORD) };
}

/** Migrates `db` to `version` and fills it (0: a new home whose first migration never committed). */
export function fillHome(db: Db, version: number, secrets: FixtureSecrets): void {
  migrate(db, migrationsUpTo(version));
  db.transaction(() => {
    for (const f of TABLE_FIXTURES.filter((t) => t.since <= version)) {
      f.create?.(db);
      for (const row of f.rows(secrets)) insertRow(db, f.table, row);
      for (const later of f.later ?? []) if (later.version <= version) updateRows(db, f.table, later.where, later.values);
    }
  })();
}

/** A home file at `version`, in WAL mode as every home is kept, closed. */
export function buildHome(file: string, version: number, secrets: FixtureSecrets): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    fillHome(db, version, secrets);
  } finally {
    db.close();
  }
}

/** Reads every fixture of a home made at `builtAt` back through today's stores; tables made after it must be empty. */
export async function checkHome(db: Db, builtAt: number, secrets: FixtureSecrets): Promise<void> {
  for (const f of TABLE_FIXTURES) {
    if (f.since <= builtAt) await f.check(db, builtAt, secrets);
    else if (!f.create) expect((db.prepare(`SELECT COUNT(*) AS n FROM ${f.table}`).get() as { n: number }).n, f.table).toBe(0);
  }
}

function insertRow(db: Db, table: string, row: Record<string, unknown>): void {
  const columns = Object.keys(row);
  db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(row);
}

function updateRows(db: Db, table: string, where: Record<string, unknown>, values: Record<string, unknown>): void {
  const sets = Object.keys(values).map((c) => `${c} = @set_${c}`);
  const conditions = Object.keys(where).map((c) => `${c} = @where_${c}`);
  const params = Object.fromEntries([
    ...Object.entries(values).map(([c, v]) => [`set_${c}`, v]),
    ...Object.entries(where).map(([c, v]) => [`where_${c}`, v]),
  ]);
  const changed = db.prepare(`UPDATE ${table} SET ${sets.join(', ')} WHERE ${conditions.join(' AND ')}`).run(params).changes;
  if (changed === 0) throw new Error(`the fixture update of ${table} matched no row`);
}

/** The tables and their columns after the migrations up to `version` (an empty database migrated in memory). */
export function schemaAt(version: number): Map<string, string[]> {
  const db = new Database(':memory:');
  try {
    migrate(db, migrationsUpTo(version));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name != 'schema_migrations'").all() as { name: string }[];
    return new Map(tables.map(({ name }) => [name, (db.pragma(`table_info(${name})`) as { name: string }[]).map((c) => c.name)]));
  } finally {
    db.close();
  }
}
