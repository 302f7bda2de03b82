import type { Db } from './db.js';

/** A guest's own recording as kept: which upload, whose, and when its first frame was captured (host clock). */
export interface GuestTakeRecord {
  uploadId: string;
  guestId: string;
  stream: string;
  take: number;
  startedAt: number;
  mimeType: string;
  /** Known once the take ended (the guest sent its Upload-Length). */
  size: number | null;
  completedAt: number | null;
  /** The show's clock's lateBy (media/media-clock.ts) when the take was complete. */
  programLagMs: number;
  createdAt: number;
  updatedAt: number;
}

type Row = {
  upload_id: string;
  guest_id: string;
  stream: string;
  take: number;
  started_at: number;
  mime_type: string;
  size: number | null;
  completed_at: number | null;
  program_lag_ms: number;
  created_at: number;
  updated_at: number;
};

const toRecord = (r: Row): GuestTakeRecord => ({
  uploadId: r.upload_id,
  guestId: r.guest_id,
  stream: r.stream,
  take: r.take,
  startedAt: r.started_at,
  mimeType: r.mime_type,
  size: r.size,
  completedAt: r.completed_at,
  programLagMs: r.program_lag_ms,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Guests' takes in SQLite, one row per upload. */
export class GuestTakeStore {
  constructor(private readonly db: Db) {}

  get(uploadId: string): GuestTakeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM guest_takes WHERE upload_id = ?').get(uploadId) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  ofStream(stream: string): GuestTakeRecord[] {
    return (this.db.prepare('SELECT * FROM guest_takes WHERE stream = ? ORDER BY started_at, take').all(stream) as Row[]).map(toRecord);
  }

  /** A guest's take of that number (a take is uploaded once: a second upload of it is refused). */
  byTake(guestId: string, take: number): GuestTakeRecord | undefined {
    const row = this.db.prepare('SELECT * FROM guest_takes WHERE guest_id = ? AND take = ?').get(guestId, take) as Row | undefined;
    return row ? toRecord(row) : undefined;
  }

  /** The highest take number of a guest (0 without any). */
  lastTake(guestId: string): number {
    return (this.db.prepare('SELECT MAX(take) AS n FROM guest_takes WHERE guest_id = ?').get(guestId) as { n: number | null }).n ?? 0;
  }

  insert(t: GuestTakeRecord): void {
    this.db
      .prepare(
        `INSERT INTO guest_takes (upload_id, guest_id, stream, take, started_at, mime_type, size, completed_at, program_lag_ms, created_at, updated_at)
         VALUES (@uploadId, @guestId, @stream, @take, @startedAt, @mimeType, @size, @completedAt, @programLagMs, @createdAt, @updatedAt)`,
      )
      .run(t);
  }

  complete(uploadId: string, size: number, programLagMs: number, at: number): void {
    this.db.prepare('UPDATE guest_takes SET size = ?, completed_at = ?, program_lag_ms = ?, updated_at = ? WHERE upload_id = ?').run(size, at, Math.round(programLagMs), at, uploadId);
  }

  delete(uploadId: string): void {
    this.db.prepare('DELETE FROM guest_takes WHERE upload_id = ?').run(uploadId);
  }
}
