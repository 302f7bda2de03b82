import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedVersions } from '../../test-support/sqlite-schema.js';
import { TABLE_FIXTURES } from '../../test-support/upgrade-fixtures.js';
import { buildHome, checkHome, fixtureSecrets, LAST_VERSION, migrationsUpTo, schemaAt, VERSIONS, type FixtureSecrets } from '../../test-support/upgrade-homes.js';
import { StudioError } from '../core/errors.js';
import { migrate, openDatabase, SCHEMA_VERSION } from './db.js';
import { MIGRATIONS } from './migrations.js';

// Upgrades: a home made by every earlier schema version, with rows in every table, opens on today's
// build with everything readable through today's stores; a home this build cannot read (newer,
// foreign, not SQLite) is refused and left byte for byte as it was.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-upgrades-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let secrets: FixtureSecrets;
beforeAll(async () => {
  secrets = await fixtureSecrets();
});

const thrown = (f: () => unknown): StudioError => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    return error as StudioError;
  }
  throw new Error('expected a StudioError, nothing was thrown');
};

/** Every file of a folder with a hash of its bytes (a -wal or -shm left behind counts as a change). */
const folderState = (dir: string): Record<string, string> =>
  Object.fromEntries(fs.readdirSync(dir).sort().map((name) => [name, crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, name))).digest('hex')]));

const freshDir = (name: string): string => {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  return dir;
};

describe('a home made by an earlier schema version', () => {
  it.each(VERSIONS)('version %i opens on this build, fully migrated, with every row readable through the stores', async (version) => {
    const file = path.join(freshDir(`v${version}`), 'studio.db');
    buildHome(file, version, secrets);
    const db = openDatabase(file);
    try {
      expect(appliedVersions(db)).toEqual(VERSIONS);
      await checkHome(db, version, secrets);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});

describe('the fixtures keep up with the migrations', () => {
  it('has a fixture for every table of the last schema, each from the migration that made it', () => {
    const made = new Map<string, number>();
    for (const version of VERSIONS) for (const table of schemaAt(version).keys()) if (!made.has(table)) made.set(table, version);
    const missing = [...made.keys()].filter((table) => !TABLE_FIXTURES.some((f) => f.table === table));
    expect(missing, `tables without a fixture in test-support/upgrade-fixtures.ts: ${missing.join(', ')}`).toEqual([]);
    for (const f of TABLE_FIXTURES.filter((t) => !t.create)) expect(f.since, `${f.table} is made by migration ${made.get(f.table)}`).toBe(made.get(f.table));
  });

  it('has a fixture value for every column a migration added to an existing table', () => {
    const missing: string[] = [];
    for (const version of VERSIONS.slice(1)) {
      const before = schemaAt(version - 1);
      for (const [table, columns] of schemaAt(version)) {
        const old = before.get(table);
        if (!old) continue;
        const covered = TABLE_FIXTURES.find((f) => f.table === table)?.later?.filter((l) => l.version === version).flatMap((l) => Object.keys(l.values)) ?? [];
        for (const column of columns) if (!old.includes(column) && !covered.includes(column)) missing.push(`${table}.${column} (migration ${version})`);
      }
    }
    expect(missing, `columns without a value in the fixture's \`later\`: ${missing.join(', ')}`).toEqual([]);
  });

  it('has migrations that leave the transaction to migrate(): no COMMIT, ROLLBACK, SAVEPOINT, VACUUM, PRAGMA or ATTACH', () => {
    // Each runs inside the transaction that records it: a COMMIT would split it from its schema_migrations
    // row (a kill between the two and it runs twice), VACUUM cannot run there, and a pragma like
    // foreign_keys is silently ignored there.
    const forbidden = /\b(BEGIN\s+(DEFERRED|IMMEDIATE|EXCLUSIVE|TRANSACTION)?\s*;|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|END\s+TRANSACTION|VACUUM|PRAGMA|ATTACH|DETACH)\b/i;
    expect(MIGRATIONS.filter((m) => forbidden.test(m.sql)).map((m) => m.version)).toEqual([]);
  });

  it('brings a home to SCHEMA_VERSION, the last migration', () => {
    expect(SCHEMA_VERSION).toBe(LAST_VERSION);
    expect(VERSIONS).toEqual(VERSIONS.map((_, i) => i + 1));
  });
});

describe('a home this build cannot read', () => {
  const FUTURE = {
    version: LAST_VERSION + 1,
    name: 'from a later release',
    sql: 'CREATE TABLE holograms (id TEXT PRIMARY KEY); ALTER TABLE streams ADD COLUMN hologram TEXT;',
  };

  it('refuses a home from a newer version with HOME_TOO_NEW, changing nothing in it', () => {
    const dir = freshDir('newer');
    const file = path.join(dir, 'studio.db');
    buildHome(file, LAST_VERSION, secrets);
    const newer = new Database(file);
    migrate(newer, [...MIGRATIONS, FUTURE]);
    newer.close();
    const before = folderState(dir);
    const readLedger = (): unknown => {
      const ro = new Database(file, { readonly: true });
      try {
        return ro.prepare('SELECT * FROM schema_migrations ORDER BY version').all();
      } finally {
        ro.close();
      }
    };
    const ledger = readLedger();

    const error = thrown(() => openDatabase(file));
    expect(error.code).toBe('HOME_TOO_NEW');
    expect(error.message).toContain(file);
    expect(error.message).toContain(`schema version ${LAST_VERSION + 1}`);
    expect(error.message).toContain(`up to ${LAST_VERSION}`);
    expect(error.message).toMatch(/upgrade Streams Studio to open it; nothing was changed/i);
    expect(error.details).toEqual({ path: file, version: LAST_VERSION + 1, known: LAST_VERSION });

    expect(folderState(dir)).toEqual(before);
    expect(readLedger()).toEqual(ledger);
  });

  it('refuses it in migrate() too, before creating or changing anything', () => {
    const db = new Database(':memory:');
    try {
      migrate(db, [...MIGRATIONS, FUTURE]);
      const error = thrown(() => migrate(db));
      expect(error.code).toBe('HOME_TOO_NEW');
      expect(appliedVersions(db)).toEqual([...VERSIONS, LAST_VERSION + 1]);
    } finally {
      db.close();
    }
  });

  it('refuses a database with tables but no schema_migrations (another program\'s) with HOME_UNRECOGNISED, changing nothing', () => {
    const dir = freshDir('foreign');
    const file = path.join(dir, 'studio.db');
    const other = new Database(file);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('not a studio');");
    other.close();
    const before = folderState(dir);

    const error = thrown(() => openDatabase(file));
    expect(error.code).toBe('HOME_UNRECOGNISED');
    expect(error.message).toContain(file);
    expect(error.message).toContain('notes');
    expect(error.message).toContain('nothing was changed');
    expect(error.details).toEqual({ path: file, tables: ['notes'] });
    expect(folderState(dir)).toEqual(before);
  });

  it('refuses a home whose schema_migrations was lost rather than running migration 1 over its tables', () => {
    const dir = freshDir('ledger-lost');
    const file = path.join(dir, 'studio.db');
    buildHome(file, 4, secrets);
    const damaged = new Database(file);
    damaged.exec('DROP TABLE schema_migrations');
    damaged.close();
    const before = folderState(dir);

    const error = thrown(() => openDatabase(file));
    expect(error.code).toBe('HOME_UNRECOGNISED');
    expect(error.details?.tables).toEqual(expect.arrayContaining([...schemaAt(4).keys()]));
    expect(folderState(dir)).toEqual(before);
  });

  it('refuses a file that is not SQLite with HOME_UNRECOGNISED, changing nothing', () => {
    const dir = freshDir('not-sqlite');
    const file = path.join(dir, 'studio.db');
    fs.writeFileSync(file, 'streams:\n  - name: show\n'.repeat(200));
    const before = folderState(dir);

    const error = thrown(() => openDatabase(file));
    expect(error.code).toBe('HOME_UNRECOGNISED');
    expect(error.message).toContain(file);
    expect(folderState(dir)).toEqual(before);
  });

  it('still opens a new, empty file and a home whose first migration never committed', () => {
    const dir = freshDir('empty');
    const empty = path.join(dir, 'empty.db');
    fs.writeFileSync(empty, '');
    const interrupted = path.join(dir, 'interrupted.db');
    buildHome(interrupted, 0, secrets);
    for (const file of [empty, interrupted]) {
      const db = openDatabase(file);
      try {
        expect(appliedVersions(db)).toEqual(VERSIONS);
      } finally {
        db.close();
      }
    }
  });

  it('is refused by the same rule at every version the fixtures know', () => {
    // A build that knows version v opens every home up to v and refuses the next one.
    for (const version of VERSIONS.slice(0, -1)) {
      const db = new Database(':memory:');
      try {
        migrate(db, migrationsUpTo(version + 1));
        expect(thrown(() => migrate(db, migrationsUpTo(version))).code).toBe('HOME_TOO_NEW');
      } finally {
        db.close();
      }
    }
  });
});
