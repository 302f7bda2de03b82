import type { BackupStatus } from '../../../src-shared/contract/index.js';
import { formatDuration } from './format.js';

/** What the backups card says at a glance: a word, a tone, and when the next one comes. */
export function backupState(status: BackupStatus, now: number): { word: string; tone: 'ok' | 'warn' | 'bad' | 'off'; next: string | null } {
  const newest = status.items[0] ?? null;
  const next = status.nextAt === null ? null : status.nextAt <= now ? 'due now' : `next in ${formatDuration((status.nextAt - now) / 1000)}`;
  if (status.running) return { word: 'backing up…', tone: 'ok', next };
  if (status.last && !status.last.ok) return { word: 'the last backup failed', tone: 'bad', next };
  if (!newest) return status.everyHours === 0 ? { word: 'no backups: scheduled backups are off', tone: 'off', next } : { word: 'no backup yet', tone: 'warn', next };
  const age = now - newest.at < 60_000 ? 'backed up just now' : `backed up ${formatDuration((now - newest.at) / 1000)} ago`;
  // Overdue: more than two periods (or two days, when off) without a new one.
  const overdueAfter = (status.everyHours === 0 ? 48 : status.everyHours * 2) * 3_600_000;
  return { word: age, tone: now - newest.at > overdueAfter ? 'warn' : 'ok', next };
}
