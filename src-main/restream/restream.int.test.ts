import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination } from '../../src-shared/contract/restream.js';
import { EventBus } from '../core/bus.js';
import { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { BoundedReader } from '../media/bounded-reader.js';
import { PathManager } from '../media/path-manager.js';
import type { MediaChunk, PathReader } from '../media/types.js';
import { RtmpServer } from '../servers/rtmp/server.js';
import { openDatabase, type Db } from '../store/db.js';
import { StreamStore } from '../store/streams.js';
import { RestreamService } from './restream-service.js';
import { newBoxSecret } from './secret-box.js';
import { waitFor } from '../../test-support/wait.js';

// Our RTMP ingest fed by a real ffmpeg; three more RtmpServer instances on loopback stand in for
// YouTube, Twitch and a custom server. The two passthrough destinations are pushed from this process
// (RtmpPush, no ffmpeg); the 360p one is encoded by a real ffmpeg (FFMPEG_PATH when set, as the host
// finds it). Receivers that are not ours (nginx-rtmp, ffmpeg -listen, rtmps://) are in
// restream-receivers.int.test.ts.
const INGEST_KEY = 'sk_ingest_0123456789';
const logger = silentLogger();
const children = new ChildRegistry(500);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'restream-int-'));
const dbFile = path.join(tmp, 'studio.db');
const bus = new EventBus();
const events: { id: string; state: Destination['state'] | 'deleted'; error: string | null; at: number }[] = [];
let db: Db;
let ingestPaths: PathManager;
let ingest: RtmpServer;
let service: RestreamService;
let publisher: ChildProcess;

/** A loopback RTMP server that takes one key and counts what its path receives. */
class Receiver {
  readonly paths = new PathManager(logger);
  server: RtmpServer | undefined;
  port = 0;
  bytes = 0;
  publishes = 0;
  unpublishes = 0;
  constructor(readonly key: string) {
    this.paths.onPublish((name) => {
      this.publishes++;
      const counter: PathReader = { id: `count-${key}`, push: (c: MediaChunk) => (this.bytes += c.data.length), close: () => {} };
      this.paths.addReader(name, counter);
    });
    this.paths.onUnpublish(() => this.unpublishes++);
  }
  async start(): Promise<void> {
    this.server = new RtmpServer({ port: this.port, bind: '127.0.0.1', logger, paths: this.paths, authorize: (_app, key) => (key === this.key ? { name: 'main' } : null) });
    await this.server.start();
    this.port = this.server.address().port;
  }
  async stop(): Promise<void> {
    await this.server?.dispose();
    this.server = undefined;
  }
  get url(): string {
    return `rtmp://127.0.0.1:${this.port}/live`;
  }
}

const receivers = [new Receiver('rx-youtube-key-0001'), new Receiver('rx-twitch-key-0002'), new Receiver('rx-custom-key-0003')];

const stateOf = (id: string) => service.list('main').find((d) => d.id === id)?.state;

/** ffprobe reading a receiver's path from stdin (the path replays header, sequence headers and the GOP). */
function probe(receiver: Receiver): Promise<string[]> {
  const ffprobe = children.spawn('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'json', '-i', 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  ffprobe.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  const detach = receiver.paths.addReader('main', new BoundedReader({ id: 'ffprobe', sink: ffprobe.stdin!, logger }));
  return new Promise((resolve, reject) => {
    ffprobe.once('exit', (code) => {
      detach();
      if (code !== 0) return reject(new Error(`ffprobe exited with ${code}`));
      resolve((JSON.parse(out) as { streams: { codec_name: string }[] }).streams.map((s) => s.codec_name).sort());
    });
  });
}

beforeAll(async () => {
  db = openDatabase(dbFile);
  const streams = new StreamStore(db);
  streams.create({ name: 'main', ladder: 'passthrough', latency: 'standard', dvrMinutes: 0, private: false, record: false, createdAt: Date.now() }, INGEST_KEY);
  ingestPaths = new PathManager(logger);
  ingest = new RtmpServer({ port: 0, bind: '127.0.0.1', logger, paths: ingestPaths, authorize: (_a, key) => (key === INGEST_KEY ? { name: 'main' } : null) });
  await ingest.start();
  for (const r of receivers) await r.start();
  bus.on('destination.changed', ({ id, destination }) =>
    events.push({ id, state: destination?.state ?? 'deleted', error: destination?.error ?? null, at: Date.now() }),
  );
  service = new RestreamService({
    db,
    secret: () => streams.secret('destination-key', newBoxSecret),
    paths: ingestPaths,
    streamExists: (name) => streams.get(name) !== undefined,
    isLive: (name) => ingestPaths.publisherOf(name) !== undefined,
    children,
    ffmpegPath: () => Promise.resolve(process.env.FFMPEG_PATH ?? 'ffmpeg'),
    bus,
    logger,
  });
  service.start();
});

afterAll(async () => {
  await service?.dispose();
  for (const r of receivers) await r.stop();
  await ingest?.dispose();
  await children.dispose();
  db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('restreaming a live stream to three RTMP servers', () => {
  it('relays to all three, survives one server restarting, fails a refused key, and keeps keys sealed', async () => {
    // The third one gets its own encode (a 360p rung): the others pass the source through.
    const created = await Promise.all(receivers.map((r, i) => service.create('main', { url: r.url, key: r.key, label: `rx${i}`, rendition: i === 2 ? '360p' : null })));
    const ids = created.map((d) => d.id);
    expect(created.map((d) => [d.kind, d.state, d.keyHint])).toEqual(receivers.map((r) => ['custom', 'idle', `…${r.key.slice(-4)}`]));
    expect(JSON.stringify(created)).not.toContain(receivers[0]!.key);

    // Bad input is refused with a field error and stores nothing.
    for (const url of ['http://127.0.0.1/live', 'rtmp://', 'rtmp//127.0.0.1/live', `${receivers[0]!.url}/${receivers[0]!.key}`]) {
      const error = await service.create('main', { url, key: receivers[0]!.key }).then(
        () => undefined,
        (e: unknown) => e as StudioError,
      );
      expect(error).toBeInstanceOf(StudioError);
      expect(error?.code).toBe('VALIDATION_FAILED');
      expect(error?.details?.fields?.[0]?.path).toBe('url');
    }
    expect(service.list('main')).toHaveLength(3);
    expect(() => service.start('main', ids[0]!)).toThrow(/not live/);

    // The stream goes live: the auto-start relays follow.
    publisher = children.spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine',
      '-t', '50', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-f', 'flv', `rtmp://127.0.0.1:${ingest.address().port}/live/${INGEST_KEY}`]);
    const liveAt = Date.now();
    await waitFor('three relays live', () => ids.every((id) => stateOf(id) === 'live'), 15_000, 50);
    const firstLiveMs = Date.now() - liveAt;
    expect(service.list('main').every((d) => d.since !== null && d.retries === 0 && d.error === null)).toBe(true);
    expect(service.start('main', ids[0]!).state).toBe('live'); // idempotent
    const probes = await Promise.all(receivers.map(probe));
    expect(probes).toEqual([['aac', 'h264'], ['aac', 'h264'], ['aac', 'h264']]);
    await waitFor('bitrates', () => service.list('main').every((d) => d.bitrateKbps > 0), 8000, 50);

    // Receiver 1 goes away and comes back on the same port: its relay retries, the others carry on.
    const [a, b, c] = receivers as [Receiver, Receiver, Receiver];
    const mark = events.length;
    const before = [a.bytes, c.bytes];
    await b.stop();
    await waitFor('relay 1 retrying', () => stateOf(ids[1]!) === 'retrying', 10_000, 50);
    const retrying = service.list('main')[1]!;
    expect(retrying.error).toBeTruthy();
    expect(retrying.error).not.toContain(b.key);
    expect(retrying.nextRetryAt).toBeGreaterThan(Date.now() - 100);
    // Down long enough for one retry to meet a closed port, then back.
    await waitFor('a retry refused', () => service.list('main')[1]!.retries >= 2, 10_000, 50);
    expect(service.list('main')[1]!.error).toMatch(/Connection refused/);
    await b.start();
    await waitFor('relay 1 live again', () => stateOf(ids[1]!) === 'live', 20_000, 50);
    const after = [a.bytes, c.bytes];
    expect(after[0]).toBeGreaterThan(before[0]!);
    expect(after[1]).toBeGreaterThan(before[1]!);
    const otherStates = events.slice(mark).filter((e) => e.id === ids[0] || e.id === ids[2]).map((e) => e.state);
    expect(new Set(otherStates)).toEqual(new Set(otherStates.length > 0 ? ['live'] : []));
    expect([a.unpublishes, c.unpublishes]).toEqual([0, 0]);
    expect(b.publishes).toBe(2);
    expect(await probe(b)).toEqual(['aac', 'h264']);

    // A server that refuses the key: retrying, then failed with the reason; the others unaffected.
    const mark2 = events.length;
    const bad = await service.create('main', { url: a.url, key: 'not-the-right-key', autoStart: false });
    expect(service.start('main', bad.id).state).toBe('connecting');
    await waitFor('refused relay failed', () => stateOf(bad.id) === 'failed', 15_000, 50);
    const failed = service.list('main').find((d) => d.id === bad.id)!;
    expect(failed.error).toMatch(/refused.*Stream key refused/i);
    expect(failed.error).not.toContain('not-the-right-key');
    expect(events.slice(mark2).filter((e) => e.id === bad.id).map((e) => e.state)).toEqual(expect.arrayContaining(['connecting', 'retrying', 'failed']));
    expect(ids.map(stateOf)).toEqual(['live', 'live', 'live']);
    expect(events.slice(mark2).filter((e) => ids.includes(e.id)).every((e) => e.state === 'live')).toBe(true);

    // Keys are sealed in the database file (and its WAL), never there in clear.
    const raw = Buffer.concat([dbFile, `${dbFile}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const key of [...receivers.map((r) => r.key), 'not-the-right-key']) expect(raw.includes(key)).toBe(false);
    const rows = db.prepare('SELECT key_enc, key_hint FROM destinations').all() as { key_enc: string; key_hint: string }[];
    expect(rows.every((r) => r.key_enc.startsWith('v1.'))).toBe(true);

    // The stream ends: the relays stop and go idle.
    publisher.kill('SIGKILL');
    await waitFor('relays idle', () => ids.every((id) => stateOf(id) === 'idle'), 8000, 50);
    expect(firstLiveMs).toBeLessThan(10_000);
  });
});
