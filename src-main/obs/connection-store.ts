import type { Db } from '../store/db.js';

/** An OBS connection as stored: the password only sealed (SecretBox, the row id as context). */
export interface ObsConnectionRecord {
  id: string;
  label: string;
  host: string;
  port: number;
  passwordEnc: string | null;
  managed: boolean;
  createdAt: number;
}

interface Row {
  id: string;
  label: string;
  host: string;
  port: number;
  password_enc: string | null;
  managed: number;
  created_at: number;
}

const fromRow = (r: Row): ObsConnectionRecord => ({
  id: r.id,
  label: r.label,
  host: r.host,
  port: r.port,
  passwordEnc: r.password_enc,
  managed: r.managed === 1,
  createdAt: r.created_at,
});

/**
 * The `obs_connections` table. Created here (IF NOT EXISTS) rather than in a numbered migration, so
 * that it stays independent of the order in which other tables are added.
 */
export class ObsConnectionStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS obs_connections (
      id TEXT PRIMARY KEY,
      label TEXT NOT NULL,
      host TEXT NOT NULL,
      port INTEGER NOT NULL,
      password_enc TEXT,
      managed INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL
    )`);
  }

  all(): ObsConnectionRecord[] {
    return (this.db.prepare('SELECT * FROM obs_connections ORDER BY created_at, rowid').all() as Row[]).map(fromRow);
  }

  get(id: string): ObsConnectionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM obs_connections WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  upsert(r: ObsConnectionRecord): void {
    this.db
      .prepare(
        `INSERT INTO obs_connections (id, label, host, port, password_enc, managed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, host = excluded.host, port = excluded.port, password_enc = excluded.password_enc, managed = excluded.managed`,
      )
      .run(r.id, r.label, r.host, r.port, r.passwordEnc, r.managed ? 1 : 0, r.createdAt);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM obs_connections WHERE id = ?').run(id).changes === 1;
  }
}
