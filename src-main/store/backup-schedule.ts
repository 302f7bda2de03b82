import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { StudioConfig } from '../../src-shared/config.js';
import type { BackupItem, BackupStatus } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import { createBackup, type MediaDirs } from './backup.js';

/**
 * `streams-backup-20261126-061502.tar.gz` (`...-media.tar.gz` with the recordings and the library):
 * sorts by date, no characters a file system refuses.
 */
export function datedBackupName(at: Date, media = false): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `streams-backup-${stamp}${media ? '-media' : ''}.tar.gz`;
}

const NAME = /^streams-backup-(\d{8}-\d{6})(?:-(\d+))?(-media)?\.tar\.gz$/;

/** Date, then the number a second backup in the same second got: the order they were written in. */
function orderOf(name: string): string {
  const match = NAME.exec(name);
  return match ? `${match[1]!}-${(match[2] ?? '1').padStart(6, '0')}` : name;
}

/** A first backup waits this long after the start (the host has better things to do while it starts). */
export const FIRST_DELAY_MS = 5 * 60_000;
/** After a failed attempt (a full disk, a folder gone), the next one comes sooner than a whole period. */
export const RETRY_MS = 60 * 60_000;

/**
 * When the next scheduled backup is due: a period after the newest one on disk (a restart does not
 * reset the clock), no sooner than a few minutes after the start, sooner after a failure; null when off.
 */
export function nextBackupAt(o: { everyHours: number; newestAt: number | null; startedAt: number; failedAt: number | null }): number | null {
  if (o.everyHours <= 0) return null;
  const period = o.everyHours * 3_600_000;
  const due = o.newestAt === null ? o.startedAt + FIRST_DELAY_MS : Math.max(o.newestAt + period, o.startedAt + FIRST_DELAY_MS);
  const failedSince = o.failedAt !== null && o.failedAt >= (o.newestAt ?? 0);
  return failedSince ? Math.max(due, o.failedAt! + Math.min(period, RETRY_MS)) : due;
}

/** The backup files of a folder, newest first; anything else in it is not ours and never touched. */
export function listBackups(dir: string): BackupItem[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((name) => NAME.test(name));
  } catch {
    return [];
  }
  const items: BackupItem[] = [];
  for (const name of names) {
    try {
      const stat = fs.statSync(path.join(dir, name));
      items.push({ name, bytes: stat.size, at: stat.mtimeMs, media: name.endsWith('-media.tar.gz') });
    } catch {
      // Removed meanwhile.
    }
  }
  return items.sort((a, b) => (orderOf(a.name) < orderOf(b.name) ? 1 : orderOf(a.name) > orderOf(b.name) ? -1 : 0));
}

/** Deletes the oldest backups past `keep`; returns the names removed. */
export function pruneBackups(dir: string, keep: number): string[] {
  const removed: string[] = [];
  for (const item of listBackups(dir).slice(keep)) {
    fs.rmSync(path.join(dir, item.name), { force: true });
    removed.push(item.name);
  }
  return removed;
}

export interface BackupScheduleOptions {
  config: () => StudioConfig['backup'];
  home: string;
  media: () => MediaDirs;
  studioVersion: string;
  logger: Logger;
  now?: () => number;
}

/** The host's scheduled backups (backup.everyHours), and the "back up now" of the API and the dashboard. */
export class BackupSchedule {
  readonly name = 'backups';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BackupItem> | undefined;
  private last: BackupStatus['last'] = null;
  private failedAt: number | null = null;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly o: BackupScheduleOptions) {
    this.now = o.now ?? Date.now;
    this.startedAt = this.now();
  }

  get dir(): string {
    const dir = this.o.config().dir;
    return dir === '' ? path.join(this.o.home, 'backups') : path.resolve(this.o.home, dir);
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), 30_000);
    this.timer.unref();
  }

  async dispose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    // A backup half-written is removed by createBackup itself; let one in flight finish.
    await this.running?.catch(() => undefined);
  }

  nextAt(): number | null {
    return nextBackupAt({ everyHours: this.o.config().everyHours, newestAt: listBackups(this.dir)[0]?.at ?? null, startedAt: this.startedAt, failedAt: this.failedAt });
  }

  async tick(): Promise<void> {
    const next = this.nextAt();
    if (next === null || this.now() < next || this.running) return;
    await this.run().catch(() => undefined);
  }

  status(): BackupStatus {
    const config = this.o.config();
    return { everyHours: config.everyHours, keep: config.keep, dir: this.dir, media: config.media, nextAt: this.nextAt(), running: this.running !== undefined, last: this.last, items: listBackups(this.dir) };
  }

  /** One backup at a time: a second call while one runs waits for that one. */
  run(): Promise<BackupItem> {
    this.running ??= this.backup().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async backup(): Promise<BackupItem> {
    const config = this.o.config();
    const dir = this.dir;
    const started = this.now();
    const log = this.o.logger;
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const base = datedBackupName(new Date(started), config.media);
      let name = base;
      // Two in one second (a manual one right after a scheduled one): the second gets a number.
      for (let n = 2; fs.existsSync(path.join(dir, name)); n++) name = base.replace(/^(streams-backup-\d{8}-\d{6})/, `$1-${n}`);
      const result = await createBackup(path.join(dir, name), { home: this.o.home, media: this.o.media(), includeMedia: config.media, studioVersion: this.o.studioVersion, exclude: [dir] });
      const removed = pruneBackups(dir, config.keep);
      const durationMs = this.now() - started;
      this.last = { at: started, ok: true, name, bytes: result.bytes, error: null, durationMs };
      this.failedAt = null;
      log.info({ file: result.file, bytes: result.bytes, durationMs, removed }, 'backup written');
      return { name, bytes: result.bytes, at: started, media: config.media };
    } catch (error) {
      const message = (error as Error).message;
      this.last = { at: started, ok: false, name: null, bytes: null, error: message, durationMs: this.now() - started };
      this.failedAt = started;
      log.warn({ dir, error: message }, 'backup failed');
      throw error instanceof StudioError ? error : new StudioError('INTERNAL', `the backup failed: ${message}`, { dir });
    }
  }
}
