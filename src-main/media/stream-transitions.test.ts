import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src-shared/contract/index.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { StreamStore } from '../store/streams.js';
import { StreamTransitions } from './stream-transitions.js';

let tmp: string;
let db: Db;
let store: StreamStore;
let events: EventPayload<'stream.state'>[];
let transitions: StreamTransitions;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-transitions-'));
  db = openDatabase(path.join(tmp, 'studio.db'));
  store = new StreamStore(db);
  store.create({ name: 'show', ladder: 'passthrough', latency: 'standard', dvrMinutes: 0, private: false, record: false, createdAt: 1 }, 'sk_show');
  const bus = new EventBus();
  events = [];
  bus.on('stream.state', (e) => events.push(e));
  transitions = new StreamTransitions({ store, bus, logger: silentLogger() });
});
afterEach(() => {
  db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('StreamTransitions', () => {
  it('persists and emits each transition with its reason', () => {
    transitions.apply('show', 'publish', 'rtmp publisher from 127.0.0.1');
    transitions.apply('show', 'unpublish', 'publisher left');
    expect(events.map((e) => [e.state, e.reason])).toEqual([
      ['live', 'rtmp publisher from 127.0.0.1'],
      ['ended', 'publisher left'],
    ]);
    const record = store.get('show')!;
    expect(record).toMatchObject({ state: 'ended', stateReason: 'publisher left' });
    expect(record.stateAt).toBe(events[1]!.at);
  });

  it('ignores an event that does not apply, and an unknown stream', () => {
    transitions.apply('show', 'unpublish', 'never live');
    transitions.apply('nobody', 'publish', null);
    expect(events).toEqual([]);
    expect(store.get('show')!.state).toBe('idle');
  });

  it('keeps an error through the unpublish that follows it', () => {
    transitions.apply('show', 'publish', null);
    transitions.apply('show', 'fail', 'packager failed: boom');
    transitions.apply('show', 'unpublish', 'publisher left');
    expect(store.get('show')).toMatchObject({ state: 'error', stateReason: 'packager failed: boom' });
  });

  it('ends a stream left live by a crash, without an event', () => {
    store.create({ name: 'idle', ladder: 'passthrough', latency: 'standard', dvrMinutes: 0, private: false, record: false, createdAt: 1 }, 'sk_idle');
    transitions.apply('show', 'publish', null);
    events.length = 0;
    transitions.endLeftLive();
    expect(store.get('show')).toMatchObject({ state: 'ended', stateReason: 'host restarted' });
    expect(store.get('idle')!.state).toBe('idle');
    expect(events).toEqual([]);
  });
});
