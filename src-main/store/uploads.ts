import { prepared, type Db } from './db.js';

/** One tus upload as the library knows it; the bytes and the tus info live in the upload folder. */
export interface UploadRecord {
  id: string;
  /** 'token' for the API token, 'session:<id>' for a signed-in browser. */
  owner: string;
  size: number | null;
  fileName: string | null;
  title: string | null;
  createdAt: number;
  finishedAt: number | null;
}

interface Row {
  id: string;
  owner: string;
  size: number | null;
  file_name: string | null;
  title: string | null;
  created_at: number;
  finished_at: number | null;
}

const fromRow = (r: Row): UploadRecord => ({
  id: r.id,
  owner: r.owner,
  size: r.size,
  fileName: r.file_name,
  title: r.title,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

/** The `uploads` table (migration 7): who owns an upload and whether it finished. */
export class UploadStore {
  constructor(private readonly db: Db) {}

  insert(u: Omit<UploadRecord, 'finishedAt'>): UploadRecord {
    prepared(this.db, 'INSERT INTO uploads (id, owner, size, file_name, title, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(u.id, u.owner, u.size, u.fileName, u.title, u.createdAt);
    return { ...u, finishedAt: null };
  }

  get(id: string): UploadRecord | undefined {
    // Asked on every PATCH of an upload (5 MB chunks): prepared once.
    const row = prepared(this.db, 'SELECT * FROM uploads WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  list(): UploadRecord[] {
    return (this.db.prepare('SELECT * FROM uploads ORDER BY created_at, id').all() as Row[]).map(fromRow);
  }

  /** Finished, with its final size (an upload created with Upload-Defer-Length had none). */
  markFinished(id: string, at: number, size: number): void {
    prepared(this.db, 'UPDATE uploads SET finished_at = ?, size = ? WHERE id = ? AND finished_at IS NULL').run(at, size, id);
  }

  delete(id: string): boolean {
    return prepared(this.db, 'DELETE FROM uploads WHERE id = ?').run(id).changes > 0;
  }
}
