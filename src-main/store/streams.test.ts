import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from './db.js';
import { StreamStore } from './streams.js';

const show = { name: 'show', ladder: 'passthrough' as const, latency: 'standard' as const, dvrMinutes: 0, private: false, record: false, createdAt: 1000 };

describe('StreamStore.get (kept between writes: every playlist, part and segment request reads it)', () => {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(':memory:');
  });
  afterEach(() => db.close());

  it('follows every write, from any store on the same database', () => {
    const a = new StreamStore(db);
    const b = new StreamStore(db);
    expect(a.get('show')).toBeUndefined();
    expect(b.create(show, 'sk_one')).toBe(true);
    expect(a.get('show')).toMatchObject({ name: 'show', state: 'idle', record: false });
    b.update('show', { record: true, p2p: { mode: 'on', maxPeers: 3, maxUploadKbps: 800 } });
    expect(a.get('show')).toMatchObject({ record: true, p2p: { mode: 'on', maxPeers: 3 } });
    b.setState('show', 'live', 2000, null);
    expect(a.get('show')).toMatchObject({ state: 'live', stateAt: 2000 });
    b.setKey('show', 'sk_two');
    expect(a.byKey('sk_two')?.name).toBe('show');
    expect(a.byKey('sk_one')).toBeUndefined();
    expect(b.delete('show')).toBe(true);
    expect(a.get('show')).toBeUndefined();
    // A store on another database keeps its own.
    const other = openDatabase(':memory:');
    expect(new StreamStore(other).get('show')).toBeUndefined();
    other.close();
  });

  it('hands out copies: a caller that changes one changes nothing kept', () => {
    const store = new StreamStore(db);
    store.create(show, 'sk_one');
    const read = store.get('show')!;
    read.record = true;
    read.p2p.maxPeers = 99;
    expect(store.get('show')).toMatchObject({ record: false });
    expect(store.get('show')!.p2p.maxPeers).not.toBe(99);
  });
});
