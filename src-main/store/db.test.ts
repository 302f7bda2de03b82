import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { migrate, openDatabase } from './db.js';
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
