import type { PurgeRequest } from '../../src-shared/contract/cdn.js';
import type { Db } from './db.js';

export interface EdgeRecord {
  id: string;
  url: string;
  region: string;
  version: string;
  registeredAt: number;
  lastSeenAt: number | null;
  lastSeq: number;
  /** An operator drained it: no new viewers, until undrained (survives restarts). */
  drained: boolean;
}

type EdgeRow = {
  id: string;
  url: string;
  region: string;
  version: string;
  registered_at: number;
  last_seen_at: number | null;
  last_seq: number;
  drained: number;
};

const toRecord = (r: EdgeRow): EdgeRecord => ({
  id: r.id,
  url: r.url,
  region: r.region,
  version: r.version,
  registeredAt: r.registered_at,
  lastSeenAt: r.last_seen_at,
  lastSeq: r.last_seq,
  drained: r.drained === 1,
});

/** How many purges are kept for edges that come back (older ones are replayed as nothing). */
const PURGE_LOG_LIMIT = 10_000;

/** Registered edges and the purge log (sequence numbers = the log's row ids). */
export class EdgeStore {
  constructor(private readonly db: Db) {}

  list(): EdgeRecord[] {
    return (this.db.prepare('SELECT * FROM edges ORDER BY registered_at').all() as EdgeRow[]).map(toRecord);
  }

  get(id: string): EdgeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM edges WHERE id = ?').get(id) as EdgeRow | undefined;
    return row ? toRecord(row) : undefined;
  }

  upsert(edge: { id: string; url: string; region: string; version: string }, now = Date.now()): EdgeRecord {
    this.db
      .prepare(
        `INSERT INTO edges (id, url, region, version, registered_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET url = excluded.url, region = excluded.region, version = excluded.version, last_seen_at = excluded.last_seen_at`,
      )
      .run(edge.id, edge.url, edge.region, edge.version, now, now);
    return this.get(edge.id)!;
  }

  seen(id: string, at: number): void {
    this.db.prepare('UPDATE edges SET last_seen_at = ? WHERE id = ?').run(at, id);
  }

  applied(id: string, seq: number): void {
    this.db.prepare('UPDATE edges SET last_seq = MAX(last_seq, ?) WHERE id = ?').run(seq, id);
  }

  setDrained(id: string, drained: boolean): void {
    this.db.prepare('UPDATE edges SET drained = ? WHERE id = ?').run(drained ? 1 : 0, id);
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM edges WHERE id = ?').run(id).changes > 0;
  }

  appendPurge(id: string, request: PurgeRequest, now = Date.now()): number {
    const seq = Number(this.db.prepare('INSERT INTO cdn_purges (id, request, created_at) VALUES (?, ?, ?)').run(id, JSON.stringify(request), now).lastInsertRowid);
    if (seq % 100 === 0) this.db.prepare('DELETE FROM cdn_purges WHERE seq <= ?').run(seq - PURGE_LOG_LIMIT);
    return seq;
  }

  lastSeq(): number {
    return (this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'cdn_purges'").get() as { seq: number } | undefined)?.seq ?? 0;
  }

  purgesAfter(seq: number): { seq: number; id: string; request: PurgeRequest }[] {
    return (this.db.prepare('SELECT seq, id, request FROM cdn_purges WHERE seq > ? ORDER BY seq').all(seq) as { seq: number; id: string; request: string }[]).map(
      (r) => ({ seq: r.seq, id: r.id, request: JSON.parse(r.request) as PurgeRequest }),
    );
  }
}
