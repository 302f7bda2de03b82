import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { planRetention, sweepRetention, type RetentionCandidate } from './retention.js';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
const GB = 1024 ** 3;

const rec = (id: string, ageDays: number, gb: number, busy = false, endedAgoDays: number | null = ageDays): RetentionCandidate => ({
  id,
  startedAt: NOW - ageDays * DAY,
  endedAt: endedAgoDays === null ? null : NOW - endedAgoDays * DAY,
  bytes: gb * GB,
  busy,
});

const policy = (over: Partial<Parameters<typeof planRetention>[1]> = {}) => ({ now: NOW, retentionDays: 30, freeBytes: 100 * GB, minFreeBytes: 2 * GB, ...over });

describe('planRetention', () => {
  it('deletes recordings that ended more than retentionDays ago, oldest first', () => {
    const list = [rec('new', 1, 1), rec('old', 40, 1), rec('older', 90, 1), rec('edge', 30.5, 1, false, 29.9)];
    expect(planRetention(list, policy())).toEqual([
      { id: 'older', reason: 'age' },
      { id: 'old', reason: 'age' },
    ]);
  });

  it('keeps everything with retentionDays 0 and enough space', () => {
    expect(planRetention([rec('ancient', 3000, 5)], policy({ retentionDays: 0 }))).toEqual([]);
  });

  it('deletes oldest first while free space is under the floor, counting what age deletions free', () => {
    const list = [rec('d', 1, 1), rec('c', 2, 1), rec('b', 3, 1), rec('a', 45, 1)];
    // 0.5 GB free, floor 2 GB: 'a' (age) frees 1, then 'b' brings it to 2.5.
    expect(planRetention(list, policy({ freeBytes: 0.5 * GB }))).toEqual([
      { id: 'a', reason: 'age' },
      { id: 'b', reason: 'space' },
    ]);
  });

  it('never picks a recording in progress or being converted, nor an empty one for space', () => {
    const list = [rec('live', 100, 10, true, null), rec('converting', 50, 3, true), rec('empty', 5, 0), rec('done', 2, 1)];
    expect(planRetention(list, policy({ freeBytes: 1.5 * GB }))).toEqual([{ id: 'done', reason: 'space' }]);
  });

  it('stops once the floor is met', () => {
    expect(planRetention([rec('x', 2, 1), rec('y', 1, 1)], policy({ freeBytes: 1.5 * GB }))).toEqual([{ id: 'x', reason: 'space' }]);
  });

  it('deletes nothing for space when deleting everything would still leave the disk under the floor', () => {
    // Something else filled the disk: the recordings would be lost and no recording could go on.
    expect(planRetention([rec('x', 2, 1), rec('y', 1, 1)], policy({ freeBytes: 0, minFreeBytes: 10 * GB }))).toEqual([]);
    // Age deletions still happen, and count towards the floor.
    expect(planRetention([rec('old', 45, 1), rec('x', 2, 1)], policy({ freeBytes: 0, minFreeBytes: 10 * GB }))).toEqual([{ id: 'old', reason: 'age' }]);
    expect(planRetention([rec('old', 45, 1), rec('x', 2, 1)], policy({ freeBytes: 0, minFreeBytes: 2 * GB }))).toEqual([
      { id: 'old', reason: 'age' },
      { id: 'x', reason: 'space' },
    ]);
  });
});

describe('sweepRetention', () => {
  it('removes the planned recordings, going on past a failed deletion', async () => {
    const removed: string[] = [];
    const done = await sweepRetention({
      candidates: () => [rec('a', 40, 1), rec('b', 50, 1), rec('c', 1, 1)],
      policy: () => policy(),
      remove: async (id) => {
        if (id === 'b') throw new Error('busy');
        removed.push(id);
      },
      logger: silentLogger(),
    });
    expect(removed).toEqual(['a']);
    expect(done).toEqual([{ id: 'a', reason: 'age' }]);
  });
});
