import type { AuditEntry } from '../../src-shared/contract/index.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import type { AuditStore } from '../store/audit.js';
import type { AuditPort } from './types.js';

const FLUSH_MS = 250;
const MAX_PENDING = 5000;
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The audit log: entries are batched (one transaction every 250 ms, or at once on a list) so a burst of
 * calls costs one write; kept `audit.retentionDays`, pruned hourly.
 */
export class AuditService implements AuditPort, Service {
  readonly name = 'audit';
  private pending: Omit<AuditEntry, 'id'>[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: { store: AuditStore; retentionDays: () => number; logger: Logger }) {}

  start(): void {
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  dispose(): void {
    clearInterval(this.pruneTimer);
    this.flush();
  }

  record(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): void {
    if (this.pending.length >= MAX_PENDING) this.flush();
    this.pending.push({ ...entry, at: entry.at ?? Date.now() });
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  list(query: { limit: number; before?: number; actor?: string; action?: string }): { entries: AuditEntry[]; next: number | null } {
    this.flush();
    return this.deps.store.list(query);
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.deps.store.add(batch);
    } catch (error) {
      this.deps.logger.error({ err: error, lost: batch.length }, 'audit entries could not be written');
    }
  }

  private prune(): void {
    try {
      const removed = this.deps.store.prune(Date.now() - this.deps.retentionDays() * 86_400_000);
      if (removed > 0) this.deps.logger.info({ removed }, 'old audit entries pruned');
    } catch (error) {
      this.deps.logger.error({ err: error }, 'audit prune failed');
    }
  }
}
