import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from './db.js';
import { SessionStore } from './sessions.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-sessions-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1);

describe('SessionStore', () => {
  let db: Db;
  let store: SessionStore;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    db = openDatabase(':memory:');
    store = new SessionStore(db);
  });
  afterEach(() => {
    vi.useRealTimers();
    db.close();
  });

  it('creates a session with a random 256-bit token and verifies it', () => {
    const { token, session } = store.create(HOUR, { userAgent: 'Firefox', ip: '10.0.0.5' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toEqual({ id: expect.any(String), createdAt: T0, expiresAt: T0 + HOUR, userAgent: 'Firefox', ip: '10.0.0.5', userId: null, lastSeenAt: T0 });
    expect(store.verify(token)).toEqual(session);
    expect(store.create(HOUR).token).not.toBe(token);
  });

  it('defaults missing metadata and cuts a long user agent to 256 characters', () => {
    expect(store.create(HOUR).session).toMatchObject({ userAgent: '', ip: '' });
    const { token } = store.create(HOUR, { userAgent: 'u'.repeat(1000) });
    expect(store.verify(token)?.userAgent).toBe('u'.repeat(256));
  });

  it('refuses unknown tokens', () => {
    store.create(HOUR);
    expect(store.verify('')).toBeUndefined();
    expect(store.verify('nope')).toBeUndefined();
  });

  it('revokes one session without touching the others', () => {
    const a = store.create(HOUR);
    const b = store.create(HOUR);
    store.revoke(a.token);
    store.revoke('unknown');
    expect(store.verify(a.token)).toBeUndefined();
    expect(store.verify(b.token)).toEqual(b.session);
  });

  it('expires a session at its expiry time', () => {
    const { token } = store.create(HOUR);
    vi.setSystemTime(T0 + HOUR - 1);
    expect(store.verify(token)).toBeDefined();
    vi.setSystemTime(T0 + HOUR);
    expect(store.verify(token)).toBeUndefined();
  });

  it('purges expired sessions only, returning how many', () => {
    store.create(HOUR);
    store.create(2 * HOUR);
    const long = store.create(10 * HOUR);
    vi.setSystemTime(T0 + 2 * HOUR);
    expect(store.purgeExpired()).toBe(2);
    expect(store.purgeExpired()).toBe(0);
    expect(store.verify(long.token)).toEqual(long.session);
  });
});

describe('SessionStore on disk', () => {
  it('stores only a SHA-256 hash of each token, never the token', () => {
    const file = path.join(tmp, 'studio.db');
    const db = openDatabase(file);
    const store = new SessionStore(db);
    const tokens = [store.create(HOUR).token, store.create(HOUR).token, store.create(HOUR).token];
    const rows = db.prepare('SELECT * FROM sessions').all() as Record<string, unknown>[];
    for (const token of tokens) {
      const hash = crypto.createHash('sha256').update(token).digest('hex');
      expect(rows.some((r) => r.token_hash === hash)).toBe(true);
      for (const row of rows) expect(Object.values(row)).not.toContain(token);
    }
    // Whatever is on disk (database and WAL) holds the hashes, never the raw tokens.
    const onDisk = (): Buffer => Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const bytes of [onDisk(), (db.close(), onDisk())]) {
      for (const token of tokens) {
        expect(bytes.includes(token)).toBe(false);
        expect(bytes.includes(crypto.createHash('sha256').update(token).digest('hex'))).toBe(true);
      }
    }
    const reopened = openDatabase(file);
    try {
      for (const token of tokens) expect(new SessionStore(reopened).verify(token)).toBeDefined();
    } finally {
      reopened.close();
    }
  });
});
