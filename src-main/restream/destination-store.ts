import type { Db } from '../store/db.js';
import type { DestinationKind } from './destination-url.js';

/** A destination as stored: the key only sealed (keyEnc) and hinted (keyHint). */
export interface DestinationRecord {
  id: string;
  stream: string;
  kind: DestinationKind;
  label: string;
  /** Server URL without the key. */
  url: string;
  keyEnc: string | null;
  keyHint: string | null;
  autoStart: boolean;
  rendition: string | null;
  createdAt: number;
}

export type DestinationPatch = Partial<Pick<DestinationRecord, 'kind' | 'label' | 'url' | 'keyEnc' | 'keyHint' | 'autoStart' | 'rendition'>>;

interface Row {
  id: string;
  stream: string;
  kind: string;
  label: string;
  url: string;
  key_enc: string | null;
  key_hint: string | null;
  auto_start: number;
  rendition: string | null;
  created_at: number;
}

const fromRow = (r: Row): DestinationRecord => ({
  id: r.id,
  stream: r.stream,
  kind: r.kind as DestinationKind,
  label: r.label,
  url: r.url,
  keyEnc: r.key_enc,
  keyHint: r.key_hint,
  autoStart: r.auto_start === 1,
  rendition: r.rendition,
  createdAt: r.created_at,
});

/** The `destinations` table (migration 3). Rows go with their stream (ON DELETE CASCADE). */
export class DestinationStore {
  constructor(private readonly db: Db) {}

  list(stream: string): DestinationRecord[] {
    return (this.db.prepare('SELECT * FROM destinations WHERE stream = ? ORDER BY created_at, rowid').all(stream) as Row[]).map(fromRow);
  }

  all(): DestinationRecord[] {
    return (this.db.prepare('SELECT * FROM destinations ORDER BY stream, created_at, rowid').all() as Row[]).map(fromRow);
  }

  get(id: string): DestinationRecord | undefined {
    const row = this.db.prepare('SELECT * FROM destinations WHERE id = ?').get(id) as Row | undefined;
    return row && fromRow(row);
  }

  insert(record: DestinationRecord): void {
    this.db
      .prepare(
        `INSERT INTO destinations (id, stream, kind, label, url, key_enc, key_hint, auto_start, rendition, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(record.id, record.stream, record.kind, record.label, record.url, record.keyEnc, record.keyHint, record.autoStart ? 1 : 0, record.rendition, record.createdAt);
  }

  /** Applies the fields present in `patch`; returns the updated record, or undefined when there is no such row. */
  update(id: string, patch: DestinationPatch): DestinationRecord | undefined {
    const current = this.get(id);
    if (!current) return undefined;
    const next = { ...current, ...patch };
    this.db
      .prepare('UPDATE destinations SET kind = ?, label = ?, url = ?, key_enc = ?, key_hint = ?, auto_start = ?, rendition = ? WHERE id = ?')
      .run(next.kind, next.label, next.url, next.keyEnc, next.keyHint, next.autoStart ? 1 : 0, next.rendition, id);
    return next;
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM destinations WHERE id = ?').run(id).changes === 1;
  }

  /** Deletes every destination of a stream; returns their ids. */
  deleteStream(stream: string): string[] {
    return this.db.transaction(() => {
      const ids = (this.db.prepare('SELECT id FROM destinations WHERE stream = ?').all(stream) as { id: string }[]).map((r) => r.id);
      this.db.prepare('DELETE FROM destinations WHERE stream = ?').run(stream);
      return ids;
    })();
  }
}
