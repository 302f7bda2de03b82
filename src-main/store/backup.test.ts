import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as tar from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../core/errors.js';
import { createBackup, restoreBackup, type MediaDirs } from './backup.js';
import { openDatabase } from './db.js';

let tmp: string;
let home: string;

const defaultsOf = (root: string): MediaDirs => ({ recordings: path.join(root, 'recordings'), library: path.join(root, 'library') });

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

async function codeOf(promise: Promise<unknown>, message?: RegExp): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StudioError);
    if (message) expect((error as StudioError).message).toMatch(message);
    return (error as StudioError).code;
  }
  throw new Error('expected a refusal');
}

async function entriesOf(file: string): Promise<string[]> {
  const names: string[] = [];
  await tar.list({ file, onReadEntry: (entry) => names.push(entry.path.replace(/\/$/, '')) });
  return names.sort();
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-unit-'));
  home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const db = openDatabase(path.join(home, 'studio.db'));
  db.prepare('INSERT INTO streams (name, key_hash, ladder, created_at, state_at) VALUES (?, ?, ?, ?, ?)').run('show', 'hash', 'passthrough', 1, 1);
  db.close();
  write(path.join(home, 'config.yaml'), 'studio:\n  name: Test\n');
  write(path.join(home, 'api-token'), 'token\n');
  write(path.join(home, 'tls', 'ca.crt'), 'CA');
  write(path.join(home, 'logs', 'host.log'), 'log');
  write(path.join(home, 'live', 'show', 'seg.m4s'), 'segment');
  write(path.join(home, 'children', 'ledger'), '1');
  write(path.join(home, 'recordings', 'show.mp4'), 'recording');
  write(path.join(home, 'library', 'videos', 'v1', 'master.m3u8'), '#EXTM3U');
});

afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('createBackup', () => {
  it('takes the database, the config, the token and the certificates, never what a host makes again; media only when asked', async () => {
    const file = path.join(tmp, 'a.tar.gz');
    const result = await createBackup(file, { home, media: defaultsOf(home), includeMedia: false, studioVersion: '9.9.9' });
    expect(result.manifest).toMatchObject({ format: 'streams-studio-backup', formatVersion: 1, studioVersion: '9.9.9', media: false, counts: { streams: 1, videos: 0 } });
    expect(result.manifest.schemaVersion).toBeGreaterThan(10);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await entriesOf(file)).toEqual(['home', 'home/api-token', 'home/config.yaml', 'home/tls', 'home/tls/ca.crt', 'streams-backup.json', 'studio.db']);
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    const withMedia = path.join(tmp, 'b.tar.gz');
    await createBackup(withMedia, { home, media: defaultsOf(home), includeMedia: true, studioVersion: '9.9.9' });
    const names = await entriesOf(withMedia);
    expect(names).toContain('media/recordings/show.mp4');
    expect(names).toContain('media/library/videos/v1/master.m3u8');
    expect(names.filter((n) => n.startsWith('home/recordings') || n.startsWith('home/library') || n.startsWith('home/logs'))).toEqual([]);
  });

  it('a backup written into the home does not take itself along', async () => {
    const file = path.join(home, 'mine.tar.gz');
    await createBackup(file, { home, media: defaultsOf(home), includeMedia: false, studioVersion: '1' });
    expect((await entriesOf(file)).filter((n) => n.includes('mine.tar.gz'))).toEqual([]);
  });

  it('refuses a folder that is no studio home, writing nothing', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    expect(await codeOf(createBackup(path.join(tmp, 'x.tar.gz'), { home: empty, media: defaultsOf(empty), includeMedia: false, studioVersion: '1' }))).toBe('NOT_FOUND');
    expect(fs.existsSync(path.join(tmp, 'x.tar.gz'))).toBe(false);
  });
});

describe('restoreBackup', () => {
  it('puts the home back in another folder, media where its config says', async () => {
    const file = path.join(tmp, 'a.tar.gz');
    await createBackup(file, { home, media: defaultsOf(home), includeMedia: true, studioVersion: '1' });
    const target = path.join(tmp, 'restored');
    const result = await restoreBackup(file, { home: target, mediaDirsOf: () => defaultsOf(target) });
    expect(result.media).toEqual(defaultsOf(target));
    expect(fs.readFileSync(path.join(target, 'tls', 'ca.crt'), 'utf8')).toBe('CA');
    expect(fs.readFileSync(path.join(target, 'recordings', 'show.mp4'), 'utf8')).toBe('recording');
    expect(fs.readFileSync(path.join(target, 'library', 'videos', 'v1', 'master.m3u8'), 'utf8')).toBe('#EXTM3U');
    const db = openDatabase(path.join(target, 'studio.db'));
    expect(db.prepare('SELECT name FROM streams').all()).toEqual([{ name: 'show' }]);
    db.close();
    expect(fs.readdirSync(target).filter((n) => n.startsWith('.restore-'))).toEqual([]);
  });

  it('refuses a damaged database, a newer schema or backup format, and media that would mix with other files, changing nothing', async () => {
    const file = path.join(tmp, 'a.tar.gz');
    await createBackup(file, { home, media: defaultsOf(home), includeMedia: true, studioVersion: '1' });
    const unpacked = path.join(tmp, 'unpacked');
    fs.mkdirSync(unpacked);
    await tar.extract({ file, cwd: unpacked });
    const repack = async (name: string, change: (dir: string) => void): Promise<string> => {
      const dir = path.join(tmp, `variant-${name}`);
      fs.cpSync(unpacked, dir, { recursive: true });
      change(dir);
      const out = path.join(tmp, `${name}.tar.gz`);
      await tar.create({ gzip: true, file: out, cwd: dir }, fs.readdirSync(dir));
      return out;
    };
    const manifestOf = (dir: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(dir, 'streams-backup.json'), 'utf8')) as Record<string, unknown>;
    const setManifest = (dir: string, patch: Record<string, unknown>): void => fs.writeFileSync(path.join(dir, 'streams-backup.json'), JSON.stringify({ ...manifestOf(dir), ...patch }));

    const tampered = await repack('tampered', (dir) => fs.appendFileSync(path.join(dir, 'studio.db'), 'x'));
    const newerSchema = await repack('newer-schema', (dir) => {
      const db = new Database(path.join(dir, 'studio.db'));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(999, 'from the future', 1);
      db.close();
      // Its checksum taken again: only the schema is wrong.
      setManifest(dir, { database: { sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, 'studio.db'))).digest('hex'), bytes: 0 } });
    });
    // The database is today's but the manifest says 999 (written by a newer version that kept the old schema).
    const newerSchemaManifest = await repack('newer-manifest', (dir) => setManifest(dir, { schemaVersion: 999 }));
    const newerFormat = await repack('newer-format', (dir) => setManifest(dir, { formatVersion: 2 }));
    const noManifest = await repack('no-manifest', (dir) => fs.rmSync(path.join(dir, 'streams-backup.json')));

    const target = path.join(tmp, 'target');
    const refusals: [string, RegExp][] = [
      [tampered, /does not match the checksum/],
      [newerSchema, /schema 999 .*upgrade to restore it/],
      [newerSchemaManifest, /schema 999 .*upgrade to restore it/],
      [newerFormat, /backup format 2\): upgrade/],
      [noManifest, /not a Streams Studio backup/],
    ];
    for (const [bad, message] of refusals) {
      expect(await codeOf(restoreBackup(bad, { home: target, mediaDirsOf: () => defaultsOf(target) }), message), bad).toBe('BACKUP_INVALID');
      expect(fs.readdirSync(target), bad).toEqual([]);
    }

    // Recordings configured outside the home, in a folder that already holds someone's files.
    const elsewhere = path.join(tmp, 'shared-recordings');
    write(path.join(elsewhere, 'theirs.mp4'), 'theirs');
    expect(await codeOf(restoreBackup(file, { home: target, mediaDirsOf: () => ({ ...defaultsOf(target), recordings: elsewhere }) }))).toBe('HOME_NOT_EMPTY');
    expect(fs.readdirSync(target)).toEqual([]);
    expect(fs.readdirSync(elsewhere)).toEqual(['theirs.mp4']);

    // A home that holds a studio already.
    expect(await codeOf(restoreBackup(file, { home, mediaDirsOf: () => defaultsOf(home) }))).toBe('HOME_NOT_EMPTY');
    expect(await codeOf(restoreBackup(path.join(tmp, 'none.tar.gz'), { home: target, mediaDirsOf: () => defaultsOf(target) }))).toBe('NOT_FOUND');
  });
});
