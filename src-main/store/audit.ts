import type { AuditEntry } from '../../src-shared/contract/index.js';
import type { Db } from './db.js';

interface Row {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  result: string;
  detail: string | null;
}

const fromRow = (r: Row): AuditEntry => ({ ...r, result: r.result === 'denied' || r.result === 'failed' ? r.result : 'ok' });

/** The audit log: who did what, when, from where; newest first, paged by id. */
export class AuditStore {
  constructor(private readonly db: Db) {}

  add(entries: Omit<AuditEntry, 'id'>[]): void {
    const insert = this.db.prepare('INSERT INTO audit_log (at, actor, action, target, ip, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const e of entries) insert.run(e.at, e.actor.slice(0, 200), e.action.slice(0, 100), e.target?.slice(0, 300) ?? null, e.ip?.slice(0, 64) ?? null, e.result, e.detail?.slice(0, 500) ?? null);
    })();
  }

  list(query: { limit: number; before?: number; actor?: string; action?: string }): { entries: AuditEntry[]; next: number | null } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.before !== undefined) {
      where.push('id < ?');
      args.push(query.before);
    }
    if (query.actor) {
      where.push('actor LIKE ?');
      args.push(`${query.actor.replace(/[%_]/g, '')}%`);
    }
    if (query.action) {
      where.push('action LIKE ?');
      args.push(`${query.action.replace(/[%_]/g, '')}%`);
    }
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...args, query.limit + 1) as Row[];
    const entries = rows.slice(0, query.limit).map(fromRow);
    return { entries, next: rows.length > query.limit ? entries.at(-1)!.id : null };
  }

  /** Deletes entries older than `before` (Unix ms); returns how many. */
  prune(before: number): number {
    return this.db.prepare('DELETE FROM audit_log WHERE at < ?').run(before).changes;
  }
}
