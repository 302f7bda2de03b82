import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './db.js';
import { JobStore } from './jobs.js';

describe('JobStore', () => {
  let dir: string;
  let dbs: Db[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-jobs-'));
    dbs = [];
  });
  afterEach(() => {
    for (const db of dbs) db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const open = (): JobStore => {
    const db = openDatabase(path.join(dir, 'studio.db'));
    dbs.push(db);
    return new JobStore(db);
  };

  it('never hands one job to two claimers on the same file', () => {
    const [a, b] = [open(), open()];
    for (let i = 0; i < 20; i++) a.insert({ kind: 'process', subject: `s${i}`, payload: {}, priority: 0, maxAttempts: 3, estimateSec: null, now: i });
    const claimed: string[] = [];
    for (let i = 0; i < 25; i++) {
      const job = (i % 2 === 0 ? a : b).claimNext(100, []);
      if (job) claimed.push(job.id);
    }
    expect(claimed).toHaveLength(20);
    expect(new Set(claimed).size).toBe(20);
    expect(a.get(claimed[0]!)).toMatchObject({ state: 'running', attempts: 1, startedAt: 100 });
  });

  it('skips the given ids, keeps the waiting order, and updates only from the given states', () => {
    const s = open();
    const x = s.insert({ kind: 'k', subject: 'x', payload: { durationSec: 10 }, priority: 0, maxAttempts: 3, estimateSec: 5, now: 1 });
    const y = s.insert({ kind: 'k', subject: 'y', payload: {}, priority: 1, maxAttempts: 3, estimateSec: null, now: 2 });
    expect(s.claimNext(3, [y.id])!.id).toBe(x.id);
    expect(s.update(x.id, { state: 'done' }, 'queued')).toBe(false);
    expect(s.update(x.id, { state: 'done', estimateSec: 4, finishedAt: 9, error: null }, 'running')).toBe(true);
    expect(s.speedSamples('k')).toEqual([{ wallSec: 4, mediaSec: 10 }]);
    expect(s.active().map((j) => j.id)).toEqual([y.id]);
    expect(s.finished(10).map((j) => j.id)).toEqual([x.id]);
    expect(s.deleteFor('x')).toBe(1);
    expect(s.latestFor('y')!.payload).toEqual({});
  });
});
