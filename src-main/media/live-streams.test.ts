// LiveStreams with real parts (Path hub, SQLite store, bus, session folders) and a recording fake
// in place of the packager's ffmpeg (packager.int.test.ts and live-server.int.test.ts run the real one).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload, ViewerStats } from '../../src-shared/contract/index.js';
import { waitFor } from '../../test-support/wait.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { StreamStore } from '../store/streams.js';
import { LiveSessions } from './live-sessions.js';
import { LiveStreams, type PackagerPort, type PackagerRequest } from './live-streams.js';
import { PathManager } from './path-manager.js';
import { StreamTransitions } from './stream-transitions.js';
import type { PublisherInfo } from './types.js';

const VIDEO = { video: { codec: 'h264', width: 640, height: 360, fps: 30, bitrateKbps: 800 } };

class RecordingPackager implements PackagerPort {
  readonly progress = { speed: 1.01, fps: 30, restarts: 0, encodedOn: 'origin' };
  readonly droppedChunks = 0;
  started = false;
  stoppedWith: string | undefined;
  constructor(readonly request: PackagerRequest) {}
  start(): void {
    this.started = true;
  }
  stop(reason: string): Promise<void> {
    this.stoppedWith = reason;
    return stopGate;
  }
}

/** What a packager's stop waits for (an ffmpeg that takes its time to exit). */
let stopGate: Promise<void> = Promise.resolve();

const noViewers = (name: string): ViewerStats => ({ name, at: 0, viewers: 0, byRendition: {}, byProtocol: {}, bytesOut: 0, renditionSwitches: 0, segmentBytes: { peers: 0, http: 0 }, startupMsP50: null, latencyMsP50: {} });

let tmp: string;
let db: Db;
let store: StreamStore;
let paths: PathManager;
let sessions: LiveSessions;
let live: LiveStreams;
let packagers: RecordingPackager[];
let states: EventPayload<'stream.state'>[];
let stats: EventPayload<'stream.stats'>[];

const publisher = (kicked: string[] = []): PublisherInfo => ({ protocol: 'rtmp', remoteAddress: '127.0.0.1', kick: (r) => kicked.push(r) });

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'live-streams-'));
  db = openDatabase(path.join(tmp, 'studio.db'));
  store = new StreamStore(db);
  store.create({ name: 'show', ladder: 'standard', latency: 'standard', dvrMinutes: 0, private: false, record: false, createdAt: 1 }, 'sk_show');
  paths = new PathManager();
  sessions = new LiveSessions({ root: path.join(tmp, 'live') });
  sessions.reset();
  const bus = new EventBus();
  states = [];
  stats = [];
  bus.on('stream.state', (e) => states.push(e));
  bus.on('stream.stats', (e) => stats.push(e));
  packagers = [];
  live = new LiveStreams({
    store,
    paths,
    analytics: { snapshot: noViewers, onChange: () => () => {} },
    bus,
    logger: silentLogger(),
    createPackager: (request) => {
      const packager = new RecordingPackager(request);
      packagers.push(packager);
      return Promise.resolve({ packager, renditions: [] });
    },
    transitions: new StreamTransitions({ store, bus, logger: silentLogger() }),
    sessions,
    statsIntervalMs: 50,
  });
  live.start();
});
afterEach(async () => {
  await live.dispose();
  db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('LiveStreams', () => {
  it('goes live on publish with one packager in a new session folder, and ends on unpublish', async () => {
    const handle = paths.publish('show', publisher());
    handle.setTracks(VIDEO);
    const packager = await waitFor('the packager to start', () => packagers[0]?.started && packagers[0]);
    expect(packager.request).toMatchObject({ name: 'show', ladder: 'standard', tracks: VIDEO });
    expect(sessions.of('show').map((s) => s.dir)).toEqual([packager.request.outDir]);
    expect(live.viewOf('show')).toMatchObject({ publisher: { protocol: 'rtmp', remoteAddress: '127.0.0.1' }, tracks: VIDEO, viewers: 0, encodedOn: 'origin' });
    const tick = await waitFor('a stats event', () => stats.find((s) => s.name === 'show'));
    expect(tick.packager).toEqual({ speed: 1.01, fps: 30, restarts: 0, encodedOn: 'origin' });

    handle.end('publisher left');
    await waitFor('the packager to stop', () => packager.stoppedWith);
    expect(packager.stoppedWith).toBe('publisher left');
    expect(states.map((s) => s.state)).toEqual(['live', 'ended']);
    expect(sessions.of('show')[0]!.endedAt).not.toBeNull();
    expect(live.viewOf('show')).toBeNull();
  });

  it('gives a restarted packager a continuing session folder', async () => {
    paths.publish('show', publisher()).setTracks(VIDEO);
    const packager = await waitFor('the packager', () => packagers[0]?.started && packagers[0]);
    const next = packager.request.outDirFor(1);
    expect(sessions.of('show').map((s) => [s.dir, s.discontinuityBefore])).toEqual([
      [packager.request.outDir, false],
      [next, true],
    ]);
  });

  it('a publisher back while the last one\'s packager is still stopping stays live, with its own packager and session', async () => {
    let release!: () => void;
    stopGate = new Promise((resolve) => (release = resolve));
    try {
      const first = paths.publish('show', publisher());
      first.setTracks(VIDEO);
      const old = await waitFor('the first packager', () => packagers[0]?.started && packagers[0]);
      first.end('connection lost');
      await waitFor('the first packager stopping', () => old.stoppedWith);
      paths.publish('show', publisher()).setTracks(VIDEO);
      expect(live.viewOf('show')).not.toBeNull();
      expect(packagers).toHaveLength(1); // the new one waits for the old one's session to end
      release();
      const next = await waitFor('the second packager', () => packagers[1]?.started && packagers[1]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(live.viewOf('show')).not.toBeNull();
      expect(next.stoppedWith).toBeUndefined();
      const [before, now] = sessions.of('show');
      expect(before!.endedAt).not.toBeNull();
      expect(now).toMatchObject({ dir: next.request.outDir, endedAt: null });
      expect(states.map((e) => e.state)).toEqual(['live', 'ended', 'live']);
    } finally {
      stopGate = Promise.resolve();
    }
  });

  it('ends a kicked stream only once its packager has stopped (a deleted stream\'s folder goes after)', async () => {
    let release!: () => void;
    stopGate = new Promise((resolve) => (release = resolve));
    try {
      paths.publish('show', publisher()).setTracks(VIDEO);
      const packager = await waitFor('the packager', () => packagers[0]?.started && packagers[0]);
      // The kick ends the path at once (the stream leaves), as the deletion of a stream does before `end`.
      live.kick('show', 'stream deleted');
      expect(live.viewOf('show')).toBeNull();
      let ended = false;
      const ending = live.end('show', 'stream deleted').then(() => (ended = true));
      await waitFor('the packager stopping', () => packager.stoppedWith);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(ended).toBe(false);
      release();
      await ending;
      expect(ended).toBe(true);
    } finally {
      release();
      stopGate = Promise.resolve();
    }
  });

  it('a failure of a departed publisher\'s packager leaves the publisher on now alone', async () => {
    const first = paths.publish('show', publisher());
    first.setTracks(VIDEO);
    const old = await waitFor('the first packager', () => packagers[0]?.started && packagers[0]);
    first.end('connection lost');
    paths.publish('show', publisher()).setTracks(VIDEO);
    await waitFor('the second packager', () => packagers[1]?.started);
    old.request.onFailed('exited with code 255');
    expect(states.at(-1)).toMatchObject({ state: 'live' });
    expect(sessions.of('show').at(-1)!.endedAt).toBeNull();
  });

  it('turns a packager failure into the error state', async () => {
    paths.publish('show', publisher()).setTracks(VIDEO);
    const packager = await waitFor('the packager', () => packagers[0]?.started && packagers[0]);
    packager.request.onFailed('exited with code 1');
    expect(states.at(-1)).toMatchObject({ state: 'error', reason: 'packager failed: exited with code 1' });
  });

  it('kicks the publisher of an unknown stream, and only a live stream on request', () => {
    const kicked: string[] = [];
    paths.publish('nobody', publisher(kicked));
    expect(kicked).toEqual(['unknown stream']);
    live.kick('show', 'stream key rotated');
    expect(states).toEqual([]);
  });
});
