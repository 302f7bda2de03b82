import type { EdgeFunction } from '../../src-shared/contract/cdn-functions.js';
import type { Db } from './db.js';

/** What is kept of an edge function: everything but where it runs now and its counters (the edges report those). */
export type StoredFunction = Omit<EdgeFunction, 'route' | 'phase' | 'code' | 'edges' | 'counters' | 'recentErrors' | 'canary'> & {
  canary: { version: number; percent: number; edges: string[] } | null;
};

/** Edge functions, one JSON document each (with its versions). */
export class FunctionStore {
  constructor(private readonly db: Db) {}

  list(): StoredFunction[] {
    return (this.db.prepare('SELECT doc FROM cdn_functions ORDER BY created_at, name').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as StoredFunction);
  }

  save(fn: StoredFunction): void {
    this.db
      .prepare('INSERT INTO cdn_functions (name, doc, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET doc = excluded.doc')
      .run(fn.name, JSON.stringify(fn), fn.createdAt);
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM cdn_functions WHERE name = ?').run(name).changes > 0;
  }
}
