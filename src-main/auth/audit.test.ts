import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { AuditStore } from '../store/audit.js';
import { AuditService } from './audit.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 1);
const entry = (action: string, actor = 'owner', at = T0) => ({ at, actor, action, target: 'cam', ip: '10.0.0.5', result: 'ok' as const, detail: null });

describe('AuditStore', () => {
  let db: Db;
  let store: AuditStore;
  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new AuditStore(db);
  });
  afterEach(() => db.close());

  it('lists newest first and pages by id until next is null', () => {
    store.add(Array.from({ length: 5 }, (_, i) => entry(`streams.update.${i}`)));
    const first = store.list({ limit: 2 });
    expect(first.entries.map((e) => e.action)).toEqual(['streams.update.4', 'streams.update.3']);
    const second = store.list({ limit: 2, before: first.next! });
    expect(second.entries.map((e) => e.action)).toEqual(['streams.update.2', 'streams.update.1']);
    const last = store.list({ limit: 2, before: second.next! });
    expect(last.entries.map((e) => e.action)).toEqual(['streams.update.0']);
    expect(last.next).toBeNull();
  });

  it('filters by actor and action prefix; a filter made only of LIKE wildcards filters nothing', () => {
    store.add([entry('streams.create', 'alice'), entry('users.create', 'bob'), entry('streams.delete', 'bob')]);
    expect(store.list({ limit: 10, actor: 'bob' }).entries.map((e) => e.action)).toEqual(['streams.delete', 'users.create']);
    expect(store.list({ limit: 10, action: 'streams.' }).entries).toHaveLength(2);
    expect(store.list({ limit: 10, actor: '%' }).entries).toHaveLength(3);
    expect(store.list({ limit: 10, actor: 'b', action: 'users' }).entries.map((e) => e.actor)).toEqual(['bob']);
  });

  it('bounds every stored field and prunes by age', () => {
    store.add([{ ...entry('x'.repeat(300), 'a'.repeat(300), T0 - 40 * DAY), detail: 'd'.repeat(900) }, entry('recent')]);
    const [recent, old] = store.list({ limit: 10 }).entries;
    expect(recent!.action).toBe('recent');
    expect(old!.actor).toHaveLength(200);
    expect(old!.action).toHaveLength(100);
    expect(old!.detail).toHaveLength(500);
    expect(store.prune(T0 - 30 * DAY)).toBe(1);
    expect(store.list({ limit: 10 }).entries.map((e) => e.action)).toEqual(['recent']);
  });
});

describe('AuditService', () => {
  let db: Db;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    db = openDatabase(':memory:');
  });
  afterEach(() => {
    vi.useRealTimers();
    db.close();
  });

  it('batches writes, flushes on a list, and prunes at start by retentionDays', () => {
    const store = new AuditStore(db);
    store.add([entry('old', 'owner', T0 - 8 * DAY), entry('kept', 'owner', T0 - 6 * DAY)]);
    const service = new AuditService({ store, retentionDays: () => 7, logger: silentLogger() });
    service.start();
    expect(store.list({ limit: 10 }).entries.map((e) => e.action)).toEqual(['kept']);

    service.record({ actor: 'owner', action: 'streams.create', target: 'cam', ip: '::1', result: 'ok', detail: null });
    expect(store.list({ limit: 10 }).entries).toHaveLength(1); // still pending
    vi.advanceTimersByTime(300);
    expect(store.list({ limit: 10 }).entries[0]).toMatchObject({ action: 'streams.create', at: T0, ip: '::1' });

    service.record({ actor: 'viewer', action: 'streams.delete', target: 'cam', ip: null, result: 'denied', detail: 'FORBIDDEN' });
    expect(service.list({ limit: 1 }).entries[0]).toMatchObject({ actor: 'viewer', result: 'denied', detail: 'FORBIDDEN' });
    service.dispose();
  });

  it('prunes again every hour', () => {
    const store = new AuditStore(db);
    const service = new AuditService({ store, retentionDays: () => 1, logger: silentLogger() });
    service.start();
    service.record({ actor: 'owner', action: 'a', target: null, ip: null, result: 'ok', detail: null });
    service.flush();
    vi.advanceTimersByTime(DAY + 3_600_000);
    expect(store.list({ limit: 10 }).entries).toHaveLength(0);
    service.dispose();
  });
});
