import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { destinationSchema, type Destination } from '../../src-shared/contract/restream.js';
import { FakeChildren } from '../../test-support/fake-ffmpeg.js';
import { waitFor } from '../../test-support/wait.js';
import { EventBus } from '../core/bus.js';
import type { StudioError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { PathReader, TrackInfo } from '../media/types.js';
import { openDatabase, type Db } from '../store/db.js';
import { StreamStore } from '../store/streams.js';
import { DestinationStore } from './destination-store.js';
import { RestreamService } from './restream-service.js';
import { newBoxSecret } from './secret-box.js';

const YT_KEY = 'abcd-efgh-ijkl-mnop';

/** The hub as the service sees it: publish and unpublish by hand. */
class FakePaths {
  readonly readers = new Map<string, Set<PathReader>>();
  readonly live = new Set<string>();
  tracks: TrackInfo | undefined;
  private readonly publishListeners = new Set<(name: string) => void>();
  private readonly unpublishListeners = new Set<(name: string) => void>();
  addReader = (name: string, reader: PathReader): (() => void) => {
    const set = this.readers.get(name) ?? new Set();
    this.readers.set(name, set.add(reader));
    return () => set.delete(reader);
  };
  onPublish = (l: (name: string) => void) => (this.publishListeners.add(l), () => this.publishListeners.delete(l));
  onUnpublish = (l: (name: string) => void) => (this.unpublishListeners.add(l), () => this.unpublishListeners.delete(l));
  tracksOf = () => this.tracks;
  publish(name: string): void {
    this.live.add(name);
    for (const l of this.publishListeners) l(name);
  }
  unpublish(name: string): void {
    this.live.delete(name);
    for (const reader of this.readers.get(name) ?? []) reader.close('publisher disconnected');
    this.readers.get(name)?.clear();
    for (const l of this.unpublishListeners) l(name);
  }
}

let tmp: string;
let db: Db;
let streams: StreamStore;
let paths: FakePaths;
let children: FakeChildren;
let service: RestreamService;
let events: { stream: string; id: string; destination: Destination | null }[];

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'restream-unit-'));
  db = openDatabase(path.join(tmp, 'studio.db'));
  streams = new StreamStore(db);
  for (const name of ['main', 'other']) streams.create({ name, ladder: 'passthrough', latency: 'standard', dvrMinutes: 0, private: false, record: false, createdAt: Date.now() }, `sk_${name}`);
  paths = new FakePaths();
  children = new FakeChildren();
  const bus = new EventBus();
  events = [];
  bus.on('destination.changed', (e) => events.push(e));
  service = new RestreamService({
    db,
    secret: () => streams.secret('destination-key', newBoxSecret),
    paths,
    streamExists: (name) => streams.get(name) !== undefined,
    isLive: (name) => paths.live.has(name),
    children,
    ffmpegPath: () => Promise.resolve('/usr/bin/ffmpeg'),
    bus,
    logger: silentLogger(),
    supervision: { backoff: { baseMs: 20, maxMs: 20, jitter: 0 }, stopGraceMs: 200 },
    // These tests drive the ffmpeg relay (FakeChildren); the in-process push has its own tests.
    inProcessRtmp: false,
  });
  service.start();
});

afterEach(async () => {
  await service.dispose();
  db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const youtube = () => service.create('main', { url: 'rtmp://a.rtmp.youtube.com/live2', key: YT_KEY });
const errorOf = async (fn: () => unknown): Promise<StudioError> => {
  try {
    await fn();
  } catch (error) {
    return error as StudioError;
  }
  throw new Error('expected a throw');
};
const publishUrlOf = (n = children.spawned.length - 1) => children.spawned[n]!.args.at(-1);

describe('RestreamService: destinations', () => {
  it('creates a destination: the contract shape, the key sealed and hinted, an event', async () => {
    const d = await youtube();
    expect(destinationSchema.parse(d)).toEqual(d);
    expect(d).toMatchObject({ stream: 'main', kind: 'youtube', label: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2', keyHint: '…mnop', autoStart: true, rendition: null, state: 'idle', retries: 0 });
    expect(JSON.stringify(d)).not.toContain(YT_KEY);
    expect(events).toEqual([{ stream: 'main', id: d.id, destination: d }]);
    const row = new DestinationStore(db).get(d.id)!;
    expect(row.keyEnc).toMatch(/^v1\./);
    expect(row.keyEnc).not.toContain(YT_KEY);
    expect(service.list('main')).toEqual([d]);
    expect(service.list('other')).toEqual([]);
    expect(service.presets().map((p) => p.kind)).toEqual(['youtube', 'twitch', 'kick', 'facebook', 'custom']);
  });

  it('refuses bad input with a field error and stores nothing', async () => {
    for (const [input, field] of [
      [{ url: 'http://a.rtmp.youtube.com/live2', key: 'k' }, 'url'],
      [{ url: 'rtmp://a.rtmp.youtube.com/live2' }, 'key'],
      [{ url: 'rtmp://h/live', key: 'k', rendition: '4k' }, 'rendition'],
    ] as const) {
      const error = await errorOf(() => service.create('main', input));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.details?.fields?.[0]?.path).toBe(field);
    }
    expect(service.list('main')).toEqual([]);
    expect(events).toEqual([]);
  });

  it('refuses an SRT destination up front when the found ffmpeg has no srt protocol (FFMPEG_FEATURE_MISSING), storing nothing', async () => {
    const info = (srt: boolean) => () =>
      Promise.resolve({
        found: true, path: '/opt/ffmpeg-4.1/ffmpeg', source: 'bundled' as const, version: '4.1', ffprobePath: null, probedAt: 0, cached: false,
        encoders: [], features: { srt }, missing: [],
      });
    const withoutSrt = new RestreamService({
      db, secret: () => streams.secret('destination-key', newBoxSecret), paths, streamExists: (n) => streams.get(n) !== undefined,
      isLive: (n) => paths.live.has(n), children, ffmpegPath: () => Promise.resolve('/opt/ffmpeg-4.1/ffmpeg'), ffmpegInfo: info(false),
      bus: new EventBus(), logger: silentLogger(), inProcessRtmp: false,
    });
    const refused = await withoutSrt.create('main', { url: ' SRT://live.example.com:9000?streamid=publish:k' }).then(() => undefined, (e: StudioError) => e);
    expect(refused?.code).toBe('FFMPEG_FEATURE_MISSING');
    expect(refused?.details).toMatchObject({ feature: 'srt' });
    expect(refused?.message).toMatch(/FFMPEG_PATH/);
    // An RTMP destination switched to SRT is refused too, and keeps its URL.
    expect(withoutSrt.list('main')).toEqual([]);
    const d = await withoutSrt.create('main', { url: 'rtmp://a.rtmp.youtube.com/live2', key: YT_KEY });
    await expect(withoutSrt.update('main', d.id, { url: 'srt://live.example.com:9000' })).rejects.toMatchObject({ code: 'FFMPEG_FEATURE_MISSING' });
    expect(withoutSrt.list('main')[0]?.url).toBe('rtmp://a.rtmp.youtube.com/live2');
    await withoutSrt.dispose();
    const withSrt = new RestreamService({
      db, secret: () => streams.secret('destination-key', newBoxSecret), paths, streamExists: (n) => streams.get(n) !== undefined,
      isLive: (n) => paths.live.has(n), children, ffmpegPath: () => Promise.resolve('/usr/bin/ffmpeg'), ffmpegInfo: info(true),
      bus: new EventBus(), logger: silentLogger(), inProcessRtmp: false,
    });
    await expect(withSrt.create('main', { url: 'srt://live.example.com:9000', key: 'publish:k' })).resolves.toMatchObject({ stream: 'main', state: 'idle' });
    await withSrt.dispose();
  });

  it('answers NOT_FOUND for an unknown stream or id, and for an id of another stream', async () => {
    const d = await youtube();
    expect((await errorOf(() => service.list('nope'))).code).toBe('NOT_FOUND');
    expect((await errorOf(() => service.create('nope', { url: 'rtmp://h/live', key: 'k' }))).code).toBe('NOT_FOUND');
    expect((await errorOf(() => service.start('main', 'dst_nope'))).code).toBe('NOT_FOUND');
    expect((await errorOf(() => service.start('other', d.id))).code).toBe('NOT_FOUND');
    await expect(service.stop('main', 'dst_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.update('other', d.id, { label: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.delete('main', 'dst_nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('updates: a new server keeps the stored key, a key in the URL replaces it, a default label follows', async () => {
    const d = await youtube();
    const moved = await service.update('main', d.id, { url: 'rtmp://live.twitch.tv/app' });
    expect(moved).toMatchObject({ kind: 'twitch', label: 'Twitch', url: 'rtmp://live.twitch.tv/app', keyHint: '…mnop' });
    const rekeyed = await service.update('main', d.id, { url: 'rtmp://live.twitch.tv/app/live_999_zzzz', label: 'Mine' });
    expect(rekeyed).toMatchObject({ label: 'Mine', url: 'rtmp://live.twitch.tv/app', keyHint: '…zzzz' });
    expect((await service.update('main', d.id, { url: 'rtmp://h.example.com/live' })).label).toBe('Mine');
    expect(await service.update('main', d.id, { autoStart: false, rendition: '480p' })).toMatchObject({ autoStart: false, rendition: '480p' });
    await expect(service.update('main', d.id, { url: 'ftp://h/live' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(service.list('main')[0]).toMatchObject({ url: 'rtmp://h.example.com/live', keyHint: '…zzzz' });
  });
});

describe('RestreamService: relays', () => {
  it('start needs a live stream (CONFLICT), is idempotent, and publishes with the decrypted key', async () => {
    const d = await youtube();
    const conflict = await errorOf(() => service.start('main', d.id));
    expect(conflict.code).toBe('CONFLICT');
    expect(conflict.message).toBe('the stream is not live');
    paths.live.add('main');
    expect(service.start('main', d.id).state).toBe('connecting');
    expect(service.start('main', d.id).state).toBe('connecting');
    await waitFor('the first ffmpeg', () => children.spawned.length === 1, 3000, 5);
    expect(children.last.command).toBe('/usr/bin/ffmpeg');
    expect(publishUrlOf()).toBe(`rtmp://a.rtmp.youtube.com/live2/${YT_KEY}`);
    expect(children.last.args).toContain('copy');
    expect(paths.readers.get('main')?.size).toBe(1);
    children.last.progress(100);
    children.last.progress(200);
    await waitFor('the destination live', () => service.list('main')[0]!.state === 'live', 3000, 5);
    expect(events.at(-1)?.destination).toMatchObject({ state: 'live' });
    expect((await service.stop('main', d.id)).state).toBe('idle');
    expect(children.last.exitCode).toBe(0);
  });

  it('auto-start destinations follow the stream; a failed one keeps its reason after the stream ends', async () => {
    const auto = await youtube();
    const manual = await service.create('main', { url: 'rtmp://h/live', key: 'k1', autoStart: false });
    const refused = await service.create('main', { url: 'rtmp://r/live', key: 'k2' });
    paths.publish('main');
    await waitFor('the second ffmpeg', () => children.spawned.length === 2, 3000, 5);
    expect(children.spawned.map((c) => c.args.at(-1))).toEqual([`rtmp://a.rtmp.youtube.com/live2/${YT_KEY}`, 'rtmp://r/live/k2']);
    for (let n = 0; n < 2; n++) {
      await waitFor('the next ffmpeg', () => children.spawned.length === 2 + n, 3000, 5);
      children.last.fail('[rtmp @ 0x1] [error] Server error: Invalid stream key\n');
      await waitFor('that ffmpeg to exit', () => children.spawned[1 + n]!.exitCode !== null, 3000, 5);
    }
    await waitFor('the refused destination failed', () => service.list('main').find((d) => d.id === refused.id)?.state === 'failed', 3000, 5);
    service.start('main', manual.id);
    await waitFor('the fourth ffmpeg', () => children.spawned.length === 4, 3000, 5);
    paths.unpublish('main');
    await waitFor('no destination connecting', () => service.list('main').every((d) => d.state !== 'connecting'), 3000, 5);
    const states = Object.fromEntries(service.list('main').map((d) => [d.id, [d.state, d.error]]));
    expect(states).toEqual({
      [auto.id]: ['idle', null],
      [manual.id]: ['idle', null],
      [refused.id]: ['failed', 'the server refused the stream: Invalid stream key'],
    });
    // The next publish starts the auto ones again, the failed one included; not the manual one.
    paths.publish('main');
    await waitFor('the sixth ffmpeg', () => children.spawned.length === 6, 3000, 5);
    expect(children.spawned.slice(4).map((c) => c.args.at(-1)).sort()).toEqual([`rtmp://a.rtmp.youtube.com/live2/${YT_KEY}`, 'rtmp://r/live/k2'].sort());
  });

  it('an update restarts a running relay with the new settings; a rendition is sized from the tracks', async () => {
    const d = await youtube();
    paths.live.add('main');
    service.start('main', d.id);
    await waitFor('the first ffmpeg', () => children.spawned.length === 1, 3000, 5);
    paths.tracks = { video: { codec: 'h264', width: 1920, height: 1080, fps: 30, bitrateKbps: 6000 } };
    await service.update('main', d.id, { rendition: '720p', key: 'new-key-5678' });
    await waitFor('the second ffmpeg', () => children.spawned.length === 2, 3000, 5);
    expect(children.spawned[0]!.exitCode).toBe(0);
    const args = children.last.args;
    expect(args.at(-1)).toBe('rtmp://a.rtmp.youtube.com/live2/new-key-5678');
    expect(args).toEqual(expect.arrayContaining(['-c:v', 'libx264', 'scale=w=1280:h=720,setsar=1,format=yuv420p', '2500k']));
    // A label change alone does not restart it.
    await service.update('main', d.id, { label: 'YT' });
    await new Promise((r) => setTimeout(r, 30));
    expect(children.spawned).toHaveLength(2);
  });

  it('delete stops the relay; forgetStream removes every destination of a stream; start() picks up live streams', async () => {
    const a = await youtube();
    const b = await service.create('main', { url: 'srt://h:9000', key: 'publish:k' });
    const c = await service.create('other', { url: 'rtmp://h/live', key: 'k3' });
    paths.publish('main');
    await waitFor('the second ffmpeg', () => children.spawned.length === 2, 3000, 5);
    expect(children.spawned[1]!.args.slice(-3)).toEqual(['-f', 'mpegts', 'srt://h:9000?streamid=publish:k']);
    expect(await service.delete('main', a.id)).toEqual({ id: a.id, deleted: true });
    expect(children.spawned[0]!.exitCode).toBe(0);
    expect(events.at(-1)).toEqual({ stream: 'main', id: a.id, destination: null });
    streams.delete('main'); // the rows go with the stream (ON DELETE CASCADE)
    await service.forgetStream('main');
    expect(children.spawned[1]!.kills).toEqual(['SIGKILL']);
    expect(events.at(-1)).toEqual({ stream: 'main', id: b.id, destination: null });
    expect(new DestinationStore(db).all().map((r) => r.id)).toEqual([c.id]);

    // A service started while 'other' is already live starts its auto relays.
    await service.dispose();
    paths.live.add('other');
    service = new RestreamService({
      db, secret: () => streams.secret('destination-key', newBoxSecret), paths, streamExists: () => true, isLive: (n) => paths.live.has(n),
      children, ffmpegPath: () => Promise.resolve('ffmpeg'), bus: new EventBus(), logger: silentLogger(), inProcessRtmp: false,
    });
    service.start();
    await waitFor('the third ffmpeg', () => children.spawned.length === 3, 3000, 5);
    expect(publishUrlOf()).toBe('rtmp://h/live/k3');
  });
});
