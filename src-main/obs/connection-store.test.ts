import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { newBoxSecret, SecretBox } from '../restream/secret-box.js';
import { ObsConnectionStore } from './connection-store.js';

describe('OBS connection store', () => {
  it('keeps the password only sealed, bound to its row, and survives a reopen of the table', () => {
    const db = new Database(':memory:');
    const secret = newBoxSecret();
    const box = new SecretBox(() => secret);
    const store = new ObsConnectionStore(db);
    store.upsert({ id: 'a1', label: 'Desk', host: '127.0.0.1', port: 4455, passwordEnc: box.seal('hunter2-password', 'a1'), managed: false, createdAt: 1 });
    const raw = JSON.stringify(db.prepare('SELECT * FROM obs_connections').all());
    expect(raw).not.toContain('hunter2');
    const again = new ObsConnectionStore(db);
    const record = again.get('a1')!;
    expect(box.open(record.passwordEnc!, 'a1')).toBe('hunter2-password');
    expect(() => box.open(record.passwordEnc!, 'b2')).toThrow();
    again.upsert({ ...record, port: 4460 });
    expect(again.all().map((r) => r.port)).toEqual([4460]);
    expect(again.delete('a1')).toBe(true);
    expect(again.delete('a1')).toBe(false);
  });
});
