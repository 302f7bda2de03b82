import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { STUDIO_VERSION } from '../../src-shared/version.js';
import { ConfigStore } from '../conf/config-store.js';
import { HomeLock } from '../platform/home.js';
import { homeLayout, resolveHome, resourcesDir } from '../platform/paths.js';
import { createBackup, restoreBackup, type BackupCounts, type MediaDirs } from '../store/backup.js';
import { datedBackupName } from '../store/backup-schedule.js';

export const BACKUP_USAGE = `Usage: streams backup <file|folder> [--home DIR] [--media]
       streams restore <file> [--home DIR]

backup writes the studio home to one file (a gzipped tar), also while its host runs:
the database (a consistent copy), config.yaml, the api-token, the host's certificates,
studio media; with --media also the recordings and the video library. A folder as
the target gets a dated file name. The file holds every secret of the studio: keep
it as you keep the home.
restore unpacks a backup into a new home (one with no database yet, and no host
running on it), checking the file first; then start it with streams host --home DIR
(--port N where the original host still runs).`;

/** Where a config (read through the same defaults and environment as the host) keeps the media. */
export function mediaDirsOf(configFile: string, home: string): MediaDirs {
  const current = fs.existsSync(configFile) ? ConfigStore.load(configFile, path.join(resourcesDir(), 'config.default.yaml')).current : null;
  const recordings = current?.recording.dir ?? '';
  const library = current?.library.dir ?? '';
  return {
    recordings: recordings === '' ? path.join(home, 'recordings') : path.resolve(home, recordings),
    library: library === '' ? path.join(home, 'library') : path.resolve(home, library),
  };
}

function describeCounts(counts: BackupCounts): string {
  const words: [keyof BackupCounts, string][] = [['streams', 'stream'], ['recordings', 'recording'], ['videos', 'video'], ['users', 'user'], ['apiTokens', 'API token']];
  return words.map(([key, word]) => `${counts[key]} ${word}${counts[key] === 1 ? '' : 's'}`).join(', ');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

function parse(argv: string[], command: string, options: Record<string, { type: 'string' | 'boolean' }>): { values: Record<string, string | boolean | undefined>; file: string } | number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, home: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`streams ${command}: ${(error as Error).message}\n${BACKUP_USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${BACKUP_USAGE}\n`);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    process.stderr.write(`streams ${command}: expected one file\n${BACKUP_USAGE}\n`);
    return 2;
  }
  return { values: parsed.values as Record<string, string | boolean | undefined>, file };
}

/** `streams backup <file> [--home DIR] [--media]`. */
export async function runBackup(argv: string[]): Promise<number> {
  const args = parse(argv, 'backup', { media: { type: 'boolean' } });
  if (typeof args === 'number') return args;
  const layout = homeLayout(resolveHome(args.values.home as string | undefined));
  const target = fs.existsSync(args.file) && fs.statSync(args.file).isDirectory() ? path.join(args.file, datedBackupName(new Date(), args.values.media === true)) : args.file;
  const started = Date.now();
  const result = await createBackup(target, {
    home: layout.root,
    media: mediaDirsOf(layout.config, layout.root),
    includeMedia: args.values.media === true,
    studioVersion: STUDIO_VERSION,
  });
  process.stdout.write(
    [
      `Backed up ${path.resolve(layout.root)} to ${result.file}`,
      `  ${megabytes(result.bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s; schema ${result.manifest.schemaVersion}; ${describeCounts(result.manifest.counts)}`,
      `  media: ${result.manifest.media ? 'recordings and library included' : 'not included (add --media)'}`,
      '',
    ].join('\n'),
  );
  return 0;
}

/** `streams restore <file> [--home DIR]`: holds the new home's lock while it unpacks, so no host starts half-way. */
export async function runRestore(argv: string[]): Promise<number> {
  const args = parse(argv, 'restore', {});
  if (typeof args === 'number') return args;
  const layout = homeLayout(resolveHome(args.values.home as string | undefined));
  const made = !fs.existsSync(layout.root);
  fs.mkdirSync(layout.root, { recursive: true });
  const lock = await HomeLock.acquire(layout.root, () => ({ pid: process.pid, url: 'restoring a backup', mode: 'restore' }));
  try {
    const result = await restoreBackup(args.file, { home: layout.root, mediaDirsOf: (configFile) => mediaDirsOf(configFile, layout.root) });
    const { manifest } = result;
    process.stdout.write(
      [
        `Restored ${path.resolve(args.file)} into ${result.home}`,
        `  taken ${manifest.createdAt} by Streams Studio ${manifest.studioVersion} (schema ${manifest.schemaVersion}); ${describeCounts(manifest.counts)}`,
        `  media: ${result.media ? `recordings in ${result.media.recordings}, library in ${result.media.library}` : 'not in this backup'}`,
        `Start it: streams host --home ${result.home}`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (error) {
    // A refused restore leaves no trace: not even the folder it made for the new home.
    if (made && fs.readdirSync(layout.root).length === 0) fs.rmdirSync(layout.root);
    throw error;
  } finally {
    await lock.release();
  }
}
