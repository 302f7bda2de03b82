import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioConfig } from '../../src-shared/config.js';
import { BackupSchedule, datedBackupName, FIRST_DELAY_MS, listBackups, nextBackupAt, pruneBackups, RETRY_MS } from './backup-schedule.js';
import { openDatabase } from './db.js';

const HOUR = 3_600_000;

describe('nextBackupAt', () => {
  const t0 = Date.UTC(2026, 10, 26, 6, 0, 0);
  it.each([
    ['off', { everyHours: 0, newestAt: t0 - HOUR, startedAt: t0, failedAt: null }, null],
    ['no backup yet: a few minutes after the start', { everyHours: 24, newestAt: null, startedAt: t0, failedAt: null }, t0 + FIRST_DELAY_MS],
    ['a period after the newest (a restart does not reset the clock)', { everyHours: 24, newestAt: t0 - 2 * HOUR, startedAt: t0, failedAt: null }, t0 + 22 * HOUR],
    ['overdue at the start: not before the first delay', { everyHours: 24, newestAt: t0 - 48 * HOUR, startedAt: t0, failedAt: null }, t0 + FIRST_DELAY_MS],
    ['failed since the newest: again an hour later', { everyHours: 24, newestAt: t0 - 30 * HOUR, startedAt: t0 - 10 * HOUR, failedAt: t0 }, t0 + RETRY_MS],
    ['failed with a short period: a period later', { everyHours: 1, newestAt: null, startedAt: t0 - HOUR, failedAt: t0 }, t0 + HOUR],
    ['a failure before the newest backup is forgotten', { everyHours: 24, newestAt: t0, startedAt: t0 - HOUR, failedAt: t0 - 1000 }, t0 + 24 * HOUR],
  ])('%s', (_what, input, want) => {
    expect(nextBackupAt(input)).toBe(want);
  });
});

describe('datedBackupName', () => {
  it('sorts by date and says when the media are inside', () => {
    expect(datedBackupName(new Date(Date.UTC(2026, 10, 26, 6, 15, 2)))).toBe('streams-backup-20261126-061502.tar.gz');
    expect(datedBackupName(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), true)).toBe('streams-backup-20260102-030405-media.tar.gz');
  });
});

describe('the backups folder', () => {
  let tmp: string;
  let home: string;
  let config: StudioConfig['backup'];
  let clock: number;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-schedule-'));
    home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    openDatabase(path.join(home, 'studio.db')).close();
    fs.writeFileSync(path.join(home, 'config.yaml'), 'studio:\n  name: Test\n');
    config = { everyHours: 24, keep: 2, dir: '', media: false };
    clock = Date.UTC(2026, 10, 26, 6, 0, 0);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const schedule = (): BackupSchedule =>
    new BackupSchedule({
      config: () => config,
      home,
      media: () => ({ recordings: path.join(home, 'recordings'), library: path.join(home, 'library') }),
      studioVersion: '1.2.3',
      logger: pino({ level: 'silent' }),
      now: () => clock,
    });

  it('keeps the newest `keep` backups and never touches files that are not its own', async () => {
    const dir = path.join(home, 'backups');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    fs.writeFileSync(path.join(dir, 'streams-backup-old.tar.gz'), 'not a dated name');
    const s = schedule();
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      names.push((await s.run()).name);
      clock += 1000;
    }
    expect(names).toEqual(['streams-backup-20261126-060000.tar.gz', 'streams-backup-20261126-060001.tar.gz', 'streams-backup-20261126-060002.tar.gz']);
    expect(listBackups(dir).map((b) => b.name)).toEqual([names[2], names[1]]);
    expect(fs.readdirSync(dir).sort()).toEqual([names[1], names[2], 'notes.txt', 'streams-backup-old.tar.gz'].sort());
    // The backups folder is never inside a backup of itself.
    const status = s.status();
    expect(status).toMatchObject({ everyHours: 24, keep: 2, dir, media: false, running: false, last: { ok: true, name: names[2], error: null } });
    expect(pruneBackups(dir, 1)).toEqual([names[1]]);
  });

  it('one backup at a time; a second in the same second gets a number', async () => {
    const s = schedule();
    const [a, b] = await Promise.all([s.run(), s.run()]);
    expect(a).toEqual(b);
    const c = await s.run();
    expect(c.name).toBe('streams-backup-20261126-060000-2.tar.gz');
    const d = await s.run();
    expect(d.name).toBe('streams-backup-20261126-060000-3.tar.gz');
    expect(s.status().items.map((item) => item.name)).toEqual([d.name, c.name]);
  });

  it('a backup that cannot be written is reported, and tried again an hour later', async () => {
    fs.writeFileSync(path.join(tmp, 'a-file'), '');
    config = { ...config, dir: path.join(tmp, 'a-file', 'backups') };
    const s = schedule();
    await expect(s.run()).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(s.status().last).toMatchObject({ ok: false, name: null });
    expect(s.status().last?.error).toMatch(/ENOTDIR|not a directory/i);
    expect(s.nextAt()).toBe(clock + RETRY_MS);
  });

  it('tick backs up only when due', async () => {
    const s = schedule();
    await s.tick();
    expect(s.status().items).toEqual([]);
    clock += FIRST_DELAY_MS;
    await s.tick();
    expect(s.status().items).toHaveLength(1);
    clock += HOUR;
    await s.tick();
    expect(s.status().items).toHaveLength(1);
    config = { ...config, everyHours: 0 };
    clock += 48 * HOUR;
    await s.tick();
    expect(s.status()).toMatchObject({ nextAt: null, items: [{}] });
  });
});
