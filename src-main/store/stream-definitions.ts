import type { z } from 'zod';
import type { Db } from './db.js';

/**
 * One list of definitions per stream, kept as JSON in a table `(stream TEXT PRIMARY KEY, <column> TEXT
 * NOT NULL)`: the data windows, bridges, processors and channel schemas. Reading checks each stored item
 * again with its schema: a hand-edited row loses what no longer parses, and a row that is not JSON reads
 * as null (the caller says what it does instead), never as an exception at start.
 */
export class StreamDefinitionStore<T> {
  constructor(
    private readonly db: Db,
    private readonly table: string,
    private readonly column: string,
    private readonly item: z.ZodType<T>,
  ) {}

  /** Every stream that has a row. */
  all(): { stream: string; items: T[] | null }[] {
    const rows = this.db.prepare(`SELECT stream, ${this.column} AS json FROM ${this.table}`).all() as { stream: string; json: string }[];
    return rows.map((r) => ({ stream: r.stream, items: this.parse(r.json) }));
  }

  /** The stream's list; undefined without a row, null for one that is not JSON. */
  get(stream: string): T[] | null | undefined {
    const row = this.db.prepare(`SELECT ${this.column} AS json FROM ${this.table} WHERE stream = ?`).get(stream) as { json: string } | undefined;
    return row ? this.parse(row.json) : undefined;
  }

  put(stream: string, items: readonly T[]): void {
    this.db
      .prepare(`INSERT INTO ${this.table} (stream, ${this.column}) VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET ${this.column} = excluded.${this.column}`)
      .run(stream, JSON.stringify(items));
  }

  delete(stream: string): void {
    this.db.prepare(`DELETE FROM ${this.table} WHERE stream = ?`).run(stream);
  }

  private parse(json: string): T[] | null {
    let list: unknown;
    try {
      list = JSON.parse(json);
    } catch {
      return null;
    }
    if (!Array.isArray(list)) return null;
    return list.flatMap((value) => {
      const parsed = this.item.safeParse(value);
      return parsed.success ? [parsed.data] : [];
    });
  }
}
