import crypto from 'node:crypto';
import type { JobState } from '../../src-shared/contract/videos.js';
import { readJson, type Db } from './db.js';

export interface JobErrorInfo {
  code: string;
  message: string;
}

/** A job as stored (migration 7's `jobs` table); the queue adds etaSec and queuePosition on read. */
export interface StoredJob {
  id: string;
  kind: string;
  subject: string;
  payload: unknown;
  state: JobState;
  priority: number;
  progress: number;
  step: string | null;
  attempts: number;
  maxAttempts: number;
  error: JobErrorInfo | null;
  /** Before it runs: its estimated seconds; once done: the seconds its last run took. */
  estimateSec: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

interface Row {
  id: string;
  kind: string;
  subject: string;
  payload: string;
  state: string;
  priority: number;
  progress: number;
  step: string | null;
  attempts: number;
  max_attempts: number;
  error: string | null;
  estimate_sec: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}


const fromRow = (r: Row): StoredJob => ({
  id: r.id,
  kind: r.kind,
  subject: r.subject,
  payload: readJson<unknown>(r.payload, {}),
  state: r.state as JobState,
  priority: r.priority,
  progress: r.progress,
  step: r.step,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  error: readJson<JobErrorInfo | null>(r.error, null),
  estimateSec: r.estimate_sec,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/** Waiting order: higher priority first, then oldest (rowid breaks ties within one millisecond). */
const WAITING_ORDER = 'priority DESC, created_at ASC, rowid ASC';

export type JobPatch = Partial<Pick<StoredJob, 'state' | 'progress' | 'step' | 'attempts' | 'error' | 'estimateSec' | 'startedAt' | 'finishedAt'>>;

const COLUMNS: Record<keyof JobPatch, string> = {
  state: 'state',
  progress: 'progress',
  step: 'step',
  attempts: 'attempts',
  error: 'error',
  estimateSec: 'estimate_sec',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
};

/** The `jobs` table: the processing queue's rows. Claiming is one IMMEDIATE transaction, so no two claimers take one row. */
export class JobStore {
  constructor(private readonly db: Db) {}

  insert(o: { kind: string; subject: string; payload: unknown; priority: number; maxAttempts: number; estimateSec: number | null; now: number }): StoredJob {
    const id = `job_${crypto.randomBytes(8).toString('hex')}`;
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, subject, payload, state, priority, progress, attempts, max_attempts, estimate_sec, created_at)
         VALUES (?, ?, ?, ?, 'queued', ?, 0, 0, ?, ?, ?)`,
      )
      .run(id, o.kind, o.subject, JSON.stringify(o.payload ?? {}), o.priority, o.maxAttempts, o.estimateSec, o.now);
    return this.get(id)!;
  }

  get(id: string): StoredJob | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  latestFor(subject: string): StoredJob | undefined {
    const row = this.db.prepare('SELECT * FROM jobs WHERE subject = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(subject) as Row | undefined;
    return row && fromRow(row);
  }

  forSubject(subject: string): StoredJob[] {
    return (this.db.prepare('SELECT * FROM jobs WHERE subject = ? ORDER BY created_at, rowid').all(subject) as Row[]).map(fromRow);
  }

  /** Running jobs, then waiting ones in the order they will run. */
  active(): StoredJob[] {
    const running = this.db.prepare(`SELECT * FROM jobs WHERE state = 'running' ORDER BY started_at, rowid`).all() as Row[];
    const waiting = this.db.prepare(`SELECT * FROM jobs WHERE state = 'queued' ORDER BY ${WAITING_ORDER}`).all() as Row[];
    return [...running, ...waiting].map(fromRow);
  }

  /** The newest finished jobs (done, failed, cancelled). */
  finished(limit: number): StoredJob[] {
    return (
      this.db.prepare(`SELECT * FROM jobs WHERE state IN ('done', 'failed', 'cancelled') ORDER BY finished_at DESC, rowid DESC LIMIT ?`).all(limit) as Row[]
    ).map(fromRow);
  }

  /**
   * Takes the next waiting job (not one of `skip`): running, attempts + 1, started now, progress 0.
   * One IMMEDIATE transaction: another process claiming at the same time waits for this one.
   */
  claimNext(now: number, skip: readonly string[]): StoredJob | undefined {
    return this.db.transaction((): StoredJob | undefined => {
      const next = this.peekNext(skip);
      return next && this.claim(next.id, now);
    }).immediate();
  }

  /** The next waiting job (not one of `skip`), without taking it. */
  peekNext(skip: readonly string[]): StoredJob | undefined {
    const skipped = skip.length > 0 ? `AND id NOT IN (${skip.map(() => '?').join(', ')})` : '';
    const row = this.db.prepare(`SELECT * FROM jobs WHERE state = 'queued' ${skipped} ORDER BY ${WAITING_ORDER} LIMIT 1`).get(...skip) as Row | undefined;
    return row && fromRow(row);
  }

  /** Takes waiting job `id` (running, attempts + 1, started now); undefined when it is no longer waiting. */
  claim(id: string, now: number): StoredJob | undefined {
    const changed = this.db
      .prepare(
        `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, finished_at = NULL, progress = 0, step = NULL
         WHERE id = ? AND state = 'queued'`,
      )
      .run(now, id).changes;
    return changed === 1 ? this.get(id) : undefined;
  }

  /** Only while the row is in state `from` (a cancel that came first wins); true when it changed. */
  update(id: string, patch: JobPatch, from?: JobState | readonly JobState[]): boolean {
    const fields = Object.keys(patch) as (keyof JobPatch)[];
    if (fields.length === 0) return false;
    const sets = fields.map((f) => `${COLUMNS[f]} = ?`).join(', ');
    const values = fields.map((f) => (f === 'error' ? (patch.error === null ? null : JSON.stringify(patch.error)) : patch[f]));
    const states = from === undefined ? [] : typeof from === 'string' ? [from] : [...from];
    const where = states.length > 0 ? ` AND state IN (${states.map(() => '?').join(', ')})` : '';
    return this.db.prepare(`UPDATE jobs SET ${sets} WHERE id = ?${where}`).run(...values, id, ...states).changes === 1;
  }

  /**
   * At start: jobs left running by a host that died go back to the queue (their run counted), or
   * fail with `exhausted` when that run was their last. Returns the ids of both kinds.
   */
  recoverInterrupted(now: number, exhausted: JobErrorInfo): { requeued: string[]; failed: string[] } {
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT id, attempts, max_attempts FROM jobs WHERE state = 'running'`).all() as {
        id: string;
        attempts: number;
        max_attempts: number;
      }[];
      const requeued: string[] = [];
      const failed: string[] = [];
      for (const r of rows) {
        if (r.attempts < r.max_attempts) {
          this.db.prepare(`UPDATE jobs SET state = 'queued', progress = 0, step = NULL WHERE id = ?`).run(r.id);
          requeued.push(r.id);
        } else {
          this.db
            .prepare(`UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ?`)
            .run(JSON.stringify(exhausted), now, r.id);
          failed.push(r.id);
        }
      }
      return { requeued, failed };
    }).immediate();
  }

  /** Wall seconds and media seconds of the newest done jobs of `kind` whose payload had a durationSec. */
  speedSamples(kind: string, limit = 20): { wallSec: number; mediaSec: number }[] {
    const rows = this.db
      .prepare(
        `SELECT estimate_sec AS wall, json_extract(payload, '$.durationSec') AS media FROM jobs
         WHERE kind = ? AND state = 'done' AND estimate_sec IS NOT NULL AND json_extract(payload, '$.durationSec') > 0
         ORDER BY finished_at DESC LIMIT ?`,
      )
      .all(kind, limit) as { wall: number; media: number }[];
    return rows.map((r) => ({ wallSec: r.wall, mediaSec: r.media }));
  }

  /** The payload learned more (the media duration once probed): the estimate follows. */
  setPayload(id: string, payload: unknown, estimateSec: number | null): void {
    this.db.prepare('UPDATE jobs SET payload = ?, estimate_sec = ? WHERE id = ?').run(JSON.stringify(payload ?? {}), estimateSec, id);
  }

  deleteFor(subject: string): number {
    return this.db.prepare('DELETE FROM jobs WHERE subject = ?').run(subject).changes;
  }
}
