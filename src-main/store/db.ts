import fs from 'node:fs';
import Database from 'better-sqlite3';
import { StudioError } from '../core/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

const statementCache = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * A statement prepared once per connection: `db.prepare` compiles the SQL again on each call (the
 * stream lookup behind every playlist and segment request spent a tenth of the host's CPU there in the
 * soak). For get/all/run only: a statement in the middle of iterate() cannot be run again.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let statements = statementCache.get(db);
  if (!statements) statementCache.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (!statement) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}
export type Migration = (typeof MIGRATIONS)[number];

/** The schema version this build brings a database to. */
export const SCHEMA_VERSION = latestVersion(MIGRATIONS);

/**
 * Opens the studio database in WAL mode and applies pending migrations in one transaction each.
 * A database this build cannot use (from a newer version, another program's, not SQLite) is refused
 * with HOME_TOO_NEW or HOME_UNRECOGNISED before anything is written to it.
 */
export function openDatabase(file: string): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (error) {
    throw new StudioError('HOME_UNWRITABLE', `cannot open the database ${file} (${(error as Error).message})`, {
      path: file,
    });
  }
  try {
    // Reads wait for another connection's write instead of failing.
    db.pragma('busy_timeout = 2000');
    // Before the first write (switching to WAL rewrites the file's header): a refused file stays byte for byte as it was.
    assertUsableSchema(db, file, SCHEMA_VERSION);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    applyPending(db, MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Looks at a home's database, if there is one, without writing to it: HOME_TOO_NEW or HOME_UNRECOGNISED
 * before anything else of the home is read (a newer version's config.yaml has keys this one does not
 * know: "upgrade" is the message that helps, not "unknown key").
 */
export function checkDatabaseFile(file: string): void {
  if (!fs.existsSync(file)) return;
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch {
    // Not readable here: openDatabase says so with its own error.
    return;
  }
  try {
    db.pragma('busy_timeout = 2000');
    assertUsableSchema(db, file, SCHEMA_VERSION);
  } catch (error) {
    // Only a verdict counts here; anything else (a lock, a read-only folder) is openDatabase's to report.
    if (error instanceof StudioError) throw error;
  } finally {
    db.close();
  }
}

/** Applies the pending ones of `migrations` (all of this build's by default); returns how many. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  assertUsableSchema(db, db.name, latestVersion(migrations));
  return applyPending(db, migrations);
}

/** What a database's own tables say about its schema. */
export interface SchemaState {
  /** The versions recorded in schema_migrations; null when the file has no such table. */
  applied: number[] | null;
  /** Its tables besides schema_migrations and SQLite's own. */
  tables: string[];
}

export type SchemaVerdict = { kind: 'ok' } | { kind: 'too-new'; found: number; known: number } | { kind: 'unrecognised'; tables: string[] };

/** Whether a build that knows schema versions up to `known` may migrate and use a database in `state`. */
export function judgeSchema(state: SchemaState, known: number): SchemaVerdict {
  const found = Math.max(0, ...(state.applied ?? []));
  if (found > known) return { kind: 'too-new', found, known };
  // Tables without a recorded version: another program's file, or ours with its bookkeeping lost.
  // Migration 1 would fail half-way over it or, worse, mix our tables into someone else's database.
  if (found === 0 && state.tables.length > 0) return { kind: 'unrecognised', tables: state.tables };
  return { kind: 'ok' };
}

function readSchemaState(db: Db): SchemaState {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  );
  const applied = tables.includes('schema_migrations')
    ? (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version)
    : null;
  return { applied, tables: tables.filter((t) => t !== 'schema_migrations') };
}

/** Reads only; throws HOME_TOO_NEW or HOME_UNRECOGNISED naming the file when this build must not touch it. */
function assertUsableSchema(db: Db, file: string, known: number): void {
  let state: SchemaState;
  try {
    state = readSchemaState(db);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') throw error;
    throw new StudioError('HOME_UNRECOGNISED', `the database ${file} is damaged or not a database at all (${(error as Error).message}); nothing was changed. Restore a backup, or move it away to start afresh`, {
      path: file,
    });
  }
  const verdict = judgeSchema(state, known);
  if (verdict.kind === 'too-new') {
    throw new StudioError(
      'HOME_TOO_NEW',
      `the database ${file} holds schema version ${verdict.found}, made by a newer Streams Studio; this one knows versions up to ${verdict.known}. ` +
        'Upgrade Streams Studio to open it; nothing was changed',
      { path: file, version: verdict.found, known: verdict.known },
    );
  }
  if (verdict.kind === 'unrecognised') {
    const shown = verdict.tables.slice(0, 5).join(', ') + (verdict.tables.length > 5 ? ', ...' : '');
    throw new StudioError(
      'HOME_UNRECOGNISED',
      `the database ${file} has tables (${shown}) but no record of a Streams Studio schema version: it is another program's or a damaged one; ` +
        'nothing was changed. Restore a backup, or move it away to start afresh',
      { path: file, tables: verdict.tables },
    );
  }
}

function applyPending(db: Db, migrations: readonly Migration[]): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const pending = migrations.filter((m) => !applied.has(m.version));
  if (pending.length === 0) return 0;
  // Foreign keys are off while migrations run, as SQLite's ALTER TABLE procedure asks: a migration that
  // rebuilds a table (the way to change a column) drops the old one, and with them on that drop would
  // cascade into every row referring to it. The pragma is ignored inside a transaction, hence out here.
  const enforced = db.pragma('foreign_keys', { simple: true }) === 1;
  if (enforced) db.pragma('foreign_keys = OFF');
  try {
    for (const migration of pending) applyOne(db, migration);
  } finally {
    if (enforced) db.pragma('foreign_keys = ON');
  }
  return pending.length;
}

/** A migration and its schema_migrations row in one transaction: an error or a kill leaves the version before it. */
function applyOne(db: Db, migration: Migration): void {
  const label = `migration ${migration.version} (${migration.name})`;
  try {
    db.transaction(() => {
      // With foreign keys off, a migration proves before it commits that it left no reference dangling.
      const before = danglingReferences(db);
      db.exec(migration.sql);
      const added = danglingReferences(db) - before;
      if (added > 0) throw new Error(`it would leave ${added} row(s) referring to nothing`);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
    })();
  } catch (error) {
    throw new StudioError('INTERNAL', `${label} failed: ${(error as Error).message}; the database stays at the version before it`, {
      version: migration.version,
    });
  }
}

/** Rows whose foreign key finds no parent (PRAGMA foreign_key_check reports them whether or not keys are enforced). */
function danglingReferences(db: Db): number {
  return (db.pragma('foreign_key_check') as unknown[]).length;
}

function latestVersion(migrations: readonly Migration[]): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/** A JSON column's value; a null or damaged one reads as the fallback rather than breaking a whole list. */
export function readJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
