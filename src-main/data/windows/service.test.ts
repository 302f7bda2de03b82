import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WindowResult } from '../../../src-shared/contract/data.js';
import { CONFIG_DEFAULTS } from '../../../src-shared/config.js';
import { EventBus } from '../../core/bus.js';
import { StudioError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { openDatabase, type Db } from '../../store/db.js';
import { DataHub } from '../hub.js';
import type { StreamClockPort } from '../types.js';
import { MAX_CHANNEL_SERIES, WindowService } from './service.js';
import { DEFAULT_WINDOWS } from './windows.js';

const T0 = 1_700_000_040_000;
const notLive: StreamClockPort = { stamp: () => ({ mediaTime: null, programDateTime: null }), view: () => ({ live: false, mediaTime: null, programDateTime: null, anchor: null }) };
const viewer = { kind: 'api', transport: 'http', remoteAddress: null } as const;

describe('WindowService', () => {
  let dir: string;
  let db: Db;
  let now: number;
  let bus: EventBus;
  let hub: DataHub;
  let metrics: Registry;
  let service: WindowService;
  let events: WindowResult[];
  const make = () => new WindowService({ db, bus, hub, metrics, logger: silentLogger(), now: () => now });
  const publish = (channel: string, data: unknown) => hub.publish({ stream: 'alpha', channel, contentType: 'application/json', data, source: viewer });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'windows-'));
    db = openDatabase(path.join(dir, 'studio.db'));
    now = T0;
    bus = new EventBus();
    hub = new DataHub({ db, clock: notLive, config: () => CONFIG_DEFAULTS.data, logger: silentLogger(), now: () => now });
    metrics = new Registry();
    service = make();
    service.start();
    events = [];
    bus.on('data.window', (r) => events.push(r));
  });
  afterEach(() => {
    service.dispose();
    hub.dispose();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives defaults, keeps definitions in the store and refuses two windows of one id', () => {
    expect(service.definitions('alpha')).toEqual(DEFAULT_WINDOWS);
    const mine = [{ id: 'tips', label: 'Tips', channel: 'tips', kind: 'tumbling' as const, sizeSec: 300, sumOf: 'amount' }];
    service.setDefinitions('alpha', mine);
    expect(make().definitions('alpha')).toEqual(mine);
    expect(make().definitions('beta')).toEqual(DEFAULT_WINDOWS);
    expect(() => service.setDefinitions('alpha', [mine[0]!, mine[0]!])).toThrow(StudioError);
    bus.emit('streams.changed', { name: 'alpha', stream: null });
    expect(make().definitions('alpha')).toEqual(DEFAULT_WINDOWS);
  });

  it('counts votes live: results at most once a second, on the bus and the windows channel, closed at once', async () => {
    publish('votes', { option: 'A' });
    publish('votes', { option: 'B' });
    publish('votes', { option: 'A' });
    publish('poll', { question: 'Q?', options: ['A', 'B'] });
    now += 400;
    service.tick();
    const poll = () => events.filter((e) => e.window === 'poll');
    expect(poll()).toMatchObject([{ count: 3, groups: { A: 2, B: 1 }, closed: false }]);
    publish('votes', { option: 'B' });
    now += 300;
    service.tick(); // within the second: held back
    expect(poll()).toHaveLength(1);
    now += 800;
    service.tick();
    expect(poll()).toHaveLength(2);
    expect(poll()[1]).toMatchObject({ count: 4, groups: { A: 2, B: 2 } });
    now += 120_000;
    service.tick();
    expect(poll().at(-1)).toMatchObject({ count: 4, closed: true });
    expect(service.results('alpha').find((r) => r.window === 'poll')).toMatchObject({ count: 4, closed: true });
    // The messages window counts every channel but the results themselves.
    expect(service.results('alpha').find((r) => r.window === 'messages')?.count ?? 0).toBe(0); // a new minute began
    expect(events.find((e) => e.window === 'messages' && e.closed)).toMatchObject({ count: 5 });
    const published = hub.messages('alpha', 'windows', {}).map((m) => m.data as WindowResult);
    expect(published.filter((r) => r.window === 'poll').map((r) => r.count)).toEqual([3, 4, 4]);
    const text = await metrics.metrics();
    expect(text).toContain('streams_data_messages_total{stream="alpha",channel="votes"} 4');
    expect(text).toContain('streams_data_window_count{stream="alpha",window="poll"} 4');
  });

  it('a sliding window sends its fall to zero once, then stays quiet', () => {
    publish('reactions', { emoji: '🔥' });
    const reactions = () => events.filter((e) => e.window === 'reactions').map((e) => e.count);
    for (let i = 0; i < 14; i++) {
      now += 1000;
      service.tick();
    }
    expect(reactions()).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    // The minute that counted the reaction closed once; the empty ones after it send nothing.
    now += 180_000;
    service.tick();
    now += 60_000;
    service.tick();
    expect(events.filter((e) => e.window === 'messages').map((e) => [e.count, e.closed])).toEqual([[1, false], [1, true]]);
  });

  it('sends a new session or minute that counts as many as the one it closed', () => {
    publish('votes', { option: 'A' });
    now += 1500;
    service.tick();
    now += 130_000; // the session's gap passes without a tick: the next vote closes it and opens another
    publish('votes', { option: 'B' });
    now += 1000;
    service.tick();
    const poll = events.filter((e) => e.window === 'poll').map((e) => [e.count, e.closed, e.groups]);
    expect(poll).toEqual([
      [1, false, { A: 1 }],
      [1, true, { A: 1 }],
      [1, false, { B: 1 }],
    ]);
  });

  it('a minute closing at a tick goes out closed, not followed by its empty successor', () => {
    now += 59_500; // T0 is on a minute: this message is the minute's last
    publish('score', { home: 1, away: 0 });
    now += 700;
    service.tick();
    expect(events.filter((e) => e.window === 'messages').map((e) => [e.count, e.closed])).toEqual([[1, true]]);
    expect(service.results('alpha').find((r) => r.window === 'messages')).toMatchObject({ count: 0, closed: false });
  });

  it('a tick a little short of a second by the wall clock still sends what changed', () => {
    publish('votes', { option: 'A' });
    service.tick();
    publish('votes', { option: 'B' });
    now += 998;
    service.tick();
    expect(events.filter((e) => e.window === 'poll').map((e) => e.count)).toEqual([1, 2]);
  });

  it('keeps the messages_total series per stream bounded, counting further channels together', async () => {
    for (let i = 0; i < MAX_CHANNEL_SERIES + 5; i++) publish(`c${i}`, i);
    publish('c0', 'again');
    const text = await metrics.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('streams_data_messages_total{stream="alpha"'));
    expect(series).toHaveLength(MAX_CHANNEL_SERIES + 1);
    expect(text).toContain('streams_data_messages_total{stream="alpha",channel="c0"} 2');
    expect(text).toContain('streams_data_messages_total{stream="alpha",channel="(other)"} 5');
    bus.emit('streams.changed', { name: 'alpha', stream: null });
    expect(await metrics.metrics()).not.toContain('stream="alpha"');
  });

  it('rebuilds its windows from the kept messages after a restart: the poll in progress goes on counting', () => {
    now += 10_000;
    for (const option of ['A', 'B', 'A']) publish('votes', { option });
    publish('reactions', { emoji: '🔥' });
    now += 2000;
    service.tick();
    // The host stops (the hub writes its last batch) and starts again on the same store.
    service.dispose();
    hub.dispose();
    now += 3000;
    hub = new DataHub({ db, clock: notLive, config: () => CONFIG_DEFAULTS.data, logger: silentLogger(), now: () => now });
    service = make();
    service.start();
    const result = (w: string) => service.results('alpha').find((r) => r.window === w);
    expect(result('poll')).toMatchObject({ count: 3, groups: { A: 2, B: 1 }, closed: false });
    expect(result('messages')).toMatchObject({ count: 4, closed: false });
    expect(result('reactions')).toMatchObject({ count: 1 });
    publish('votes', { option: 'B' });
    expect(result('poll')).toMatchObject({ count: 4, groups: { A: 2, B: 2 } });
    // Windows that closed before the restart are not sent again; the rebuilt ones go on as before.
    events = [];
    now += 1000;
    service.tick();
    expect(events.map((e) => [e.window, e.count, e.closed])).toEqual([
      ['messages', 5, false],
      ['reactions', 1, false],
      ['poll', 4, false],
    ]);
  });
});
