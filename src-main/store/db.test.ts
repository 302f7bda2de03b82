import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { judgeSchema, migrate, openDatabase, prepared, type Migration } from './db.js';
import { MIGRATIONS } from './migrations.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-db-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const tables = (db: ReturnType<typeof openDatabase>): string[] =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

describe('openDatabase', () => {
  it('opens a file in WAL mode with foreign keys and a busy timeout', () => {
    const file = path.join(tmp, 'wal.db');
    const db = openDatabase(file);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(2000);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('applies every migration once, recording each', () => {
    const db = openDatabase(path.join(tmp, 'fresh.db'));
    try {
      expect(tables(db)).toEqual(expect.arrayContaining(['ffmpeg_probe', 'schema_migrations', 'sessions']));
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      expect(migrate(db)).toBe(0);
    } finally {
      db.close();
    }
  });

  it('is idempotent on reopen and keeps the data', () => {
    const file = path.join(tmp, 'reopen.db');
    const first = openDatabase(file);
    first.prepare("INSERT INTO ffmpeg_probe (key, info, probed_at) VALUES ('k', '{}', 1)").run();
    const appliedAt = first.prepare('SELECT applied_at FROM schema_migrations').all();
    first.close();
    const second = openDatabase(file);
    try {
      expect(second.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
      expect(second.prepare('SELECT applied_at FROM schema_migrations').all()).toEqual(appliedAt);
      expect(second.prepare('SELECT key FROM ffmpeg_probe').all()).toEqual([{ key: 'k' }]);
      expect(second.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      second.close();
    }
  });

  it('migrate() reports how many migrations it applied', () => {
    const db = new Database(':memory:');
    try {
      expect(migrate(db)).toBe(MIGRATIONS.length);
      expect(migrate(db)).toBe(0);
    } finally {
      db.close();
    }
  });

  it('has migration versions that are unique and increasing', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions[0]).toBe(1);
  });

  it('refuses a path it cannot open with HOME_UNWRITABLE naming the file', () => {
    const file = path.join(tmp, 'no-such-dir', 'studio.db');
    let error: unknown;
    try {
      openDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('HOME_UNWRITABLE');
    expect((error as StudioError).message).toContain(file);
    expect((error as StudioError).details).toEqual({ path: file });
  });
});

describe('prepared', () => {
  it('prepares a statement once per connection, and a column added later is still read', () => {
    const db = openDatabase(path.join(tmp, 'prepared.db'));
    const other = openDatabase(path.join(tmp, 'prepared-other.db'));
    try {
      db.exec('CREATE TABLE t (a INTEGER)');
      other.exec('CREATE TABLE t (a INTEGER)');
      const select = prepared(db, 'SELECT * FROM t WHERE a = ?');
      expect(prepared(db, 'SELECT * FROM t WHERE a = ?')).toBe(select);
      expect(prepared(other, 'SELECT * FROM t WHERE a = ?')).not.toBe(select);
      prepared(db, 'INSERT INTO t (a) VALUES (?)').run(1);
      expect(select.get(1)).toEqual({ a: 1 });
      // A schema change re-prepares it inside SQLite: SELECT * sees the new column.
      db.exec('ALTER TABLE t ADD COLUMN b TEXT DEFAULT \'x\'');
      expect(prepared(db, 'SELECT * FROM t WHERE a = ?').get(1)).toEqual({ a: 1, b: 'x' });
    } finally {
      db.close();
      other.close();
    }
  });
});

describe('judgeSchema', () => {
  it.each([
    ['a new file', { applied: null, tables: [] }, { kind: 'ok' }],
    ['a home whose first migration never committed', { applied: [], tables: [] }, { kind: 'ok' }],
    ['a home at an earlier version', { applied: [1, 2, 3], tables: ['sessions', 'streams'] }, { kind: 'ok' }],
    ['a home at this version', { applied: [1, 2, 3, 4], tables: ['sessions'] }, { kind: 'ok' }],
    ['a home from a newer version', { applied: [1, 2, 3, 4, 5], tables: ['sessions'] }, { kind: 'too-new', found: 5, known: 4 }],
    ['tables without schema_migrations', { applied: null, tables: ['notes'] }, { kind: 'unrecognised', tables: ['notes'] }],
    ['tables with an empty schema_migrations', { applied: [], tables: ['sessions'] }, { kind: 'unrecognised', tables: ['sessions'] }],
  ] as const)('%s', (_, state, verdict) => {
    expect(judgeSchema({ applied: state.applied === null ? null : [...state.applied], tables: [...state.tables] }, 4)).toEqual(verdict);
  });
});

describe('migrate() and foreign keys', () => {
  // A parent and a child that cascades from it, as destinations from streams.
  const FAMILY: Migration = {
    version: 1,
    name: 'parents and children',
    sql: `CREATE TABLE parents (id TEXT PRIMARY KEY, label TEXT NOT NULL);
          CREATE TABLE children (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES parents (id) ON DELETE CASCADE);`,
  };
  const withFamily = (): Database.Database => {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [FAMILY]);
    db.exec("INSERT INTO parents VALUES ('p1', 'one'); INSERT INTO children VALUES ('c1', 'p1'), ('c2', 'p1');");
    return db;
  };
  const versions = (db: Database.Database): number[] => (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version);

  it('lets a migration rebuild a referenced table without cascading into the rows that refer to it', () => {
    // SQLite's way to change a column: make the new table, copy, drop the old one, rename.
    const rebuild: Migration = {
      version: 2,
      name: 'rebuild parents',
      sql: `CREATE TABLE parents_new (id TEXT PRIMARY KEY, label TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
            INSERT INTO parents_new (id, label) SELECT id, label FROM parents;
            DROP TABLE parents;
            ALTER TABLE parents_new RENAME TO parents;`,
    };
    const db = withFamily();
    try {
      expect(migrate(db, [FAMILY, rebuild])).toBe(1);
      expect(db.prepare('SELECT id FROM children ORDER BY id').all()).toEqual([{ id: 'c1' }, { id: 'c2' }]);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      // Still enforced, and still cascading, after the rebuild.
      db.prepare("DELETE FROM parents WHERE id = 'p1'").run();
      expect(db.prepare('SELECT COUNT(*) AS n FROM children').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });

  it('rolls back a migration that would leave rows referring to nothing, naming it', () => {
    const orphaning: Migration = { version: 2, name: 'drop the parents', sql: 'DELETE FROM parents;' };
    const db = withFamily();
    try {
      let error: unknown;
      try {
        migrate(db, [FAMILY, orphaning]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StudioError);
      expect((error as StudioError).message).toMatch(/migration 2 \(drop the parents\) failed: it would leave 2 row\(s\) referring to nothing/);
      expect(db.prepare('SELECT id FROM parents').all()).toEqual([{ id: 'p1' }]);
      expect(versions(db)).toEqual([1]);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('leaves a failed migration wholly unapplied, its first statements included', () => {
    const failing: Migration = { version: 2, name: 'half right', sql: 'CREATE TABLE extra (id TEXT); INSERT INTO nowhere VALUES (1);' };
    const db = withFamily();
    try {
      expect(() => migrate(db, [FAMILY, failing])).toThrow(/migration 2 \(half right\) failed: no such table: nowhere; the database stays at the version before it/);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").all()).toEqual([]);
      expect(versions(db)).toEqual([1]);
    } finally {
      db.close();
    }
  });
});
