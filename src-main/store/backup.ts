import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '../core/errors.js';
import { SCHEMA_VERSION } from './db.js';

/** tar loads with the first archive made or opened, not with the host. */
const tarModule = () => import('../core/tar-lib.js');

/**
 * A studio home in one file, and back.
 *
 * The archive is a gzipped tar:
 *   streams-backup.json   the manifest (format, versions, the database's checksum, what is inside)
 *   studio.db             a consistent copy of the database made by SQLite's online backup API, so a
 *                         host may keep running (and writing) while it is taken
 *   home/...              every other file of the home (config.yaml, api-token, tls/ with the host's
 *                         certificate authority, studio-media/, obs/ ...), minus what is rebuilt at start
 *                         (logs, live segments, the child ledger, the lock) and the media folders
 *   media/recordings/...  with `media`: the recordings folder, wherever the config puts it
 *   media/library/...     with `media`: the video library
 *
 * Paths in the database are relative to those folders, so a restored home works from another path.
 * The destination keys' AES key lives in the database (see SecretBox): a backup holds every secret of
 * the studio and is written owner-only (0600).
 */

export const BACKUP_FORMAT = 'streams-studio-backup';
const FORMAT_VERSION = 1;
const MANIFEST = 'streams-backup.json';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  studioVersion: string;
  schemaVersion: number;
  createdAt: string;
  media: boolean;
  database: { sha256: string; bytes: number };
  counts: BackupCounts;
}

export type BackupCounts = Record<'streams' | 'recordings' | 'videos' | 'users' | 'apiTokens', number>;

export interface MediaDirs {
  recordings: string;
  library: string;
}

export interface BackupOptions {
  /** The studio home's folder. */
  home: string;
  /** Where the recordings and the library are (from the home's config). */
  media: MediaDirs;
  /** Copy the recordings and the library too (they can be large). */
  includeMedia: boolean;
  studioVersion: string;
  /** Folders of the home never copied besides the built-in ones (e.g. where scheduled backups go). */
  exclude?: readonly string[];
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
}

/** What a starting host makes again, and what must not be copied live. */
const TRANSIENT = ['studio.db', 'studio.db-wal', 'studio.db-shm', 'studio.db-journal', 'host.lock', 'host.sock', 'children', 'live', 'logs', 'backups'];


/** Writes a backup of `options.home` to `file` (through a `.partial` file renamed at the end: never a half backup under the name). */
export async function createBackup(file: string, options: BackupOptions): Promise<BackupResult> {
  const home = path.resolve(options.home);
  const database = path.join(home, 'studio.db');
  if (!fs.existsSync(database)) throw new StudioError('NOT_FOUND', `no studio database in ${home}: is this a studio home?`, { path: home });
  const target = path.resolve(file);
  const partial = `${target}.partial`;
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-backup-'));
  try {
    const snapshot = path.join(stage, 'studio.db');
    await snapshotDatabase(database, snapshot);
    const { schemaVersion, counts } = describeDatabase(snapshot);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: FORMAT_VERSION,
      studioVersion: options.studioVersion,
      schemaVersion,
      createdAt: new Date().toISOString(),
      media: options.includeMedia,
      database: { sha256: await sha256Of(snapshot), bytes: fs.statSync(snapshot).size },
      counts,
    };
    fs.writeFileSync(path.join(stage, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    // The home and the media folders join the archive through links in the stage (tar follows them).
    const entries = [MANIFEST, 'studio.db', 'home'];
    fs.symlinkSync(home, path.join(stage, 'home'));
    const skipped = new Set([...TRANSIENT.map((name) => path.join(home, name)), ...(options.exclude ?? []).map((p) => path.resolve(home, p)), target, partial]);
    const media = { recordings: path.resolve(home, options.media.recordings), library: path.resolve(home, options.media.library) };
    skipped.add(media.recordings).add(media.library);
    if (options.includeMedia) {
      fs.mkdirSync(path.join(stage, 'media'));
      for (const [name, dir] of Object.entries(media)) if (fs.existsSync(dir)) fs.symlinkSync(dir, path.join(stage, 'media', name));
      entries.push('media');
    }
    fs.rmSync(partial, { force: true });
    fs.writeFileSync(partial, '', { mode: 0o600 });
    await (await tarModule()).create(
      {
        gzip: true,
        file: partial,
        cwd: stage,
        follow: true,
        portable: true,
        filter: (entry) => !isSkipped(entry, home, skipped),
      },
      entries,
    );
    fs.renameSync(partial, target);
    return { file: target, bytes: fs.statSync(target).size, manifest };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/** `home/<rel>` entries map back to the home; a skipped folder takes everything under it along. */
function isSkipped(entry: string, home: string, skipped: ReadonlySet<string>): boolean {
  const parts = entry.split('/').filter((p) => p !== '' && p !== '.');
  if (parts[0] !== 'home') return false;
  let at = home;
  for (const part of parts.slice(1)) {
    at = path.join(at, part);
    if (skipped.has(at)) return true;
  }
  return false;
}

/** SQLite's online backup: a consistent copy while the host writes (WAL readers do not block it). */
async function snapshotDatabase(source: string, target: string): Promise<void> {
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StudioError('HOME_UNWRITABLE', `cannot open the database ${source} (${(error as Error).message})`, { path: source });
  }
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target);
  } finally {
    db.close();
  }
  // The copy is a standalone file: no WAL to carry along.
  const copy = new Database(target);
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

function describeDatabase(file: string): { schemaVersion: number; counts: BackupCounts } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string): number => {
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
      return exists ? (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n : 0;
    };
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return {
      schemaVersion: row.v ?? 0,
      counts: { streams: count('streams'), recordings: count('recordings'), videos: count('videos'), users: count('users'), apiTokens: count('api_tokens') },
    };
  } finally {
    db.close();
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface RestoreOptions {
  /** The new home's folder (made if missing; must hold no studio database). */
  home: string;
  /** Where the restored config puts the recordings and the library, read once the config is in place. */
  mediaDirsOf: (configFile: string) => MediaDirs;
}

export interface RestoreResult {
  manifest: BackupManifest;
  home: string;
  media: MediaDirs | null;
}

/**
 * Unpacks a backup into a new home. Everything is checked before anything is moved into place
 * (manifest, the database's checksum and integrity, its schema against this build, media folders
 * that would mix with other files), so a refused restore leaves the target as it was.
 */
export async function restoreBackup(file: string, options: RestoreOptions): Promise<RestoreResult> {
  const archive = path.resolve(file);
  if (!fs.existsSync(archive)) throw new StudioError('NOT_FOUND', `no backup file ${archive}`, { path: archive });
  const home = path.resolve(options.home);
  const database = path.join(home, 'studio.db');
  if (fs.existsSync(database)) {
    throw new StudioError('HOME_NOT_EMPTY', `${home} already holds a studio database: restore into a new home (or move this one away first); nothing was changed`, { path: home });
  }
  fs.mkdirSync(home, { recursive: true });
  // Unpacked next to the home (same disk), so moving into place is a rename.
  const stage = fs.mkdtempSync(path.join(home, '.restore-'));
  try {
    try {
      await (await tarModule()).extract({ file: archive, cwd: stage, strict: true });
    } catch (error) {
      throw new StudioError('BACKUP_INVALID', `${archive} is not a readable backup (${(error as Error).message}); nothing was changed`, { path: archive });
    }
    const manifest = readManifest(path.join(stage, MANIFEST), archive);
    const snapshot = path.join(stage, 'studio.db');
    await checkDatabase(snapshot, manifest, archive);
    const stagedHome = path.join(stage, 'home');
    let media: MediaDirs | null = null;
    const mediaMoves: [string, string][] = [];
    if (manifest.media) {
      // The backup's config says where the media go, resolved against the new home.
      const configFile = path.join(stagedHome, 'config.yaml');
      const dirs = options.mediaDirsOf(configFile);
      media = { recordings: path.resolve(home, dirs.recordings), library: path.resolve(home, dirs.library) };
      for (const [name, dir] of Object.entries(media)) {
        const from = path.join(stage, 'media', name);
        if (!fs.existsSync(from)) continue;
        if (!isInside(dir, home) && fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
          throw new StudioError('HOME_NOT_EMPTY', `the backup's config keeps its ${name} in ${dir}, which already holds files: empty it or change ${name === 'recordings' ? 'recording.dir' : 'library.dir'} first; nothing was changed`, { path: dir });
        }
        mediaMoves.push([from, dir]);
      }
    }
    if (fs.existsSync(stagedHome)) for (const name of fs.readdirSync(stagedHome)) moveInto(path.join(stagedHome, name), path.join(home, name));
    for (const [from, dir] of mediaMoves) {
      fs.mkdirSync(dir, { recursive: true });
      for (const name of fs.readdirSync(from)) moveInto(path.join(from, name), path.join(dir, name));
    }
    for (const suffix of ['-wal', '-shm', '-journal']) fs.rmSync(`${database}${suffix}`, { force: true });
    moveInto(snapshot, database);
    return { manifest, home, media };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

function readManifest(file: string, archive: string): BackupManifest {
  let manifest: Partial<BackupManifest>;
  try {
    manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BackupManifest>;
  } catch {
    throw new StudioError('BACKUP_INVALID', `${archive} is not a Streams Studio backup (no ${MANIFEST} inside); nothing was changed`, { path: archive });
  }
  if (manifest.format !== BACKUP_FORMAT || typeof manifest.formatVersion !== 'number' || !manifest.database) {
    throw new StudioError('BACKUP_INVALID', `${archive} is not a Streams Studio backup (its manifest is not one); nothing was changed`, { path: archive });
  }
  if (manifest.formatVersion > FORMAT_VERSION) {
    throw new StudioError('BACKUP_INVALID', `${archive} was written by a newer Streams Studio (${String(manifest.studioVersion)}, backup format ${manifest.formatVersion}): upgrade to restore it; nothing was changed`, { path: archive, formatVersion: manifest.formatVersion });
  }
  return manifest as BackupManifest;
}

async function checkDatabase(snapshot: string, manifest: BackupManifest, archive: string): Promise<void> {
  if (!fs.existsSync(snapshot) || (await sha256Of(snapshot)) !== manifest.database.sha256) {
    throw new StudioError('BACKUP_INVALID', `${archive} is damaged: its database does not match the checksum taken at backup; nothing was changed`, { path: archive });
  }
  const db = new Database(snapshot, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true }) as string;
    if (result !== 'ok') throw new StudioError('BACKUP_INVALID', `${archive}: the database fails SQLite's integrity check (${result}); nothing was changed`, { path: archive });
    // The database's own record, not only the manifest's word.
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const schemaVersion = Math.max(row.v ?? 0, manifest.schemaVersion);
    if (schemaVersion > SCHEMA_VERSION) {
      throw new StudioError('BACKUP_INVALID', `${archive} holds a database of schema ${schemaVersion} from Streams Studio ${manifest.studioVersion}; this version knows up to ${SCHEMA_VERSION}: upgrade to restore it; nothing was changed`, { path: archive, schemaVersion });
    }
  } finally {
    db.close();
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Renames `from` onto `to`, merging folders; a copy where the two are on different disks. */
function moveInto(from: string, to: string): void {
  if (fs.existsSync(to) && fs.statSync(to).isDirectory() && fs.statSync(from).isDirectory()) {
    for (const name of fs.readdirSync(from)) moveInto(path.join(from, name), path.join(to, name));
    return;
  }
  fs.rmSync(to, { recursive: true, force: true });
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    fs.cpSync(from, to, { recursive: true, preserveTimestamps: true });
    fs.rmSync(from, { recursive: true, force: true });
  }
}
