import { describe, expect, it } from 'vitest';
import type { BackupStatus } from '../../../src-shared/contract/index.js';
import { backupState } from './backup-model.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 26, 12, 0, 0);
const base: BackupStatus = { everyHours: 24, keep: 7, dir: '/home/backups', media: false, nextAt: now + 20 * HOUR, running: false, last: null, items: [] };
const item = (ageHours: number) => ({ name: 'streams-backup-x.tar.gz', bytes: 1000, at: now - ageHours * HOUR, media: false });

describe('backupState', () => {
  it.each<[string, Partial<BackupStatus>, { word: string | RegExp; tone: string; next: string | null }]>([
    ['this minute', { items: [item(0.01)] }, { word: 'backed up just now', tone: 'ok', next: 'next in 20h 0m' }],
    ['a recent one', { items: [item(4)] }, { word: 'backed up 4h 0m ago', tone: 'ok', next: 'next in 20h 0m' }],
    ['overdue past two periods', { items: [item(49)], nextAt: now - 1000 }, { word: 'backed up 2d 1h ago', tone: 'warn', next: 'due now' }],
    ['none yet', {}, { word: 'no backup yet', tone: 'warn', next: 'next in 20h 0m' }],
    ['off and none', { everyHours: 0, nextAt: null }, { word: 'no backups: scheduled backups are off', tone: 'off', next: null }],
    ['the last failed', { items: [item(30)], last: { at: now - HOUR, ok: false, name: null, bytes: null, error: 'ENOSPC', durationMs: 5 } }, { word: 'the last backup failed', tone: 'bad', next: 'next in 20h 0m' }],
    ['running', { running: true, items: [item(30)] }, { word: 'backing up…', tone: 'ok', next: 'next in 20h 0m' }],
  ])('%s', (_what, patch, want) => {
    expect(backupState({ ...base, ...patch }, now)).toEqual(want);
  });
});
