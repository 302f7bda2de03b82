import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bridgeDefinitionSchema, type BridgeDefinition } from '../../src-shared/contract/data.js';
import { openDatabase, type Db } from './db.js';
import { StreamDefinitionStore } from './stream-definitions.js';

describe('StreamDefinitionStore', () => {
  let db: Db;
  let store: StreamDefinitionStore<BridgeDefinition>;
  const a: BridgeDefinition = { id: 'a', engine: 'nats', direction: 'out', channel: '*' };
  const b: BridgeDefinition = { id: 'b', engine: 'redis', direction: 'in', channel: 'events', source: 'app:events', fromSeq: 0 };
  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new StreamDefinitionStore(db, 'data_bridges', 'bridges', bridgeDefinitionSchema);
  });
  afterEach(() => db.close());

  it('keeps one list per stream: put replaces, delete forgets', () => {
    expect(store.get('show')).toBeUndefined();
    store.put('show', [a]);
    store.put('show', [a, b]);
    store.put('other', [b]);
    expect(store.get('show')).toEqual([a, b]);
    expect(store.all()).toEqual([
      { stream: 'show', items: [a, b] },
      { stream: 'other', items: [b] },
    ]);
    store.delete('show');
    expect(store.get('show')).toBeUndefined();
  });

  it('reads a hand-edited row without what no longer parses, and one that is not JSON as null', () => {
    db.prepare('INSERT INTO data_bridges (stream, bridges) VALUES (?, ?)').run('show', JSON.stringify([a, { id: 'x', engine: 'kafka' }, b]));
    db.prepare('INSERT INTO data_bridges (stream, bridges) VALUES (?, ?)').run('broken', '{not json');
    db.prepare('INSERT INTO data_bridges (stream, bridges) VALUES (?, ?)').run('object', '{"id":"a"}');
    expect(store.get('show')).toEqual([a, b]);
    expect(store.get('broken')).toBeNull();
    expect(store.get('object')).toBeNull();
  });
});
