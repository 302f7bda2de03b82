import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioConfig } from '../../src-shared/config.js';
import type { Recording } from '../../src-shared/contract/restream.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import { EventBus } from '../core/bus.js';
import { ChildRegistry } from '../core/children.js';
import { silentLogger } from '../core/logger.js';
import { PathManager } from '../media/path-manager.js';
import { RtmpServer } from '../servers/rtmp/server.js';
import { openDatabase, type Db } from '../store/db.js';
import { JobStore } from '../store/jobs.js';
import { JobQueue } from '../vod/job-queue.js';
import { RECORDING_VOD_JOB, RecordingService, type RecordingServiceOptions, type RecordingTuning } from './recording-service.js';
import { NO_VOD, RecordingStore } from './recording-store.js';
import { recordingRoutes } from './routes.js';

// Real RTMP ingest, a real ffmpeg publisher (1 s GOPs) and the recorder's real ffmpeg/ffprobe.
// Each test has its own service (own database and folder) recording the same live stream, so they run concurrently.
const KEYS: Record<string, string> = { sk_main_0123456789: 'main', sk_auto_0123456789: 'auto', sk_take_0123456789: 'take' };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recorder-int-'));
const children = new ChildRegistry(500);
const logger = silentLogger();
const paths = new PathManager(logger);
const services: RecordingService[] = [];
const queues: JobQueue[] = [];
const dbs: Db[] = [];
let rtmp: RtmpServer;
let port: number;
let publisher: ChildProcess;
let http: FastifyInstance;
let httpBase: string;

function publish(key: string, size: string, seconds: number): ChildProcess {
  const args = ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`];
  args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds));
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k');
  args.push('-f', 'flv', `rtmp://127.0.0.1:${port}/live/${key}`);
  return children.spawn('ffmpeg', args);
}

interface Probe {
  format: { duration?: string; size: string };
  streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
}
const ffprobe = (target: string): Probe =>
  JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', target], { encoding: 'utf8', timeout: 30_000 })) as Probe;

/** ffprobe without blocking the event loop: it reads from this process's HTTP server. */
const ffprobeAsync = async (target: string): Promise<Probe> =>
  JSON.parse((await promisify(execFile)('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', target], { timeout: 30_000 })).stdout) as Probe;

/** The studio's job queue on a service's database, running its VOD conversions (as entry/studio.ts wires it). */
function withQueue(options: Omit<RecordingServiceOptions, 'jobs'>): RecordingService {
  const queue: JobQueue = new JobQueue({
    store: new JobStore(options.db),
    logger,
    runners: { [RECORDING_VOD_JOB]: (ctx) => service.runVod(ctx) },
    concurrency: () => 1,
    stallMs: () => 30_000,
    maxAttempts: () => 2,
    onChange: (job) => service.onJobChanged(job),
  });
  const service = new RecordingService({ ...options, jobs: queue });
  queue.start();
  queues.push(queue);
  return service;
}

interface Harness {
  service: RecordingService;
  events: { id: string; recording: Recording | null; at: number }[];
  home: string;
  db: Db;
}

function harness(
  name: string,
  options: { config?: Partial<StudioConfig['recording']>; tuning?: RecordingTuning; freeBytes?: () => number; shouldRecord?: (n: string) => boolean } = {},
): Harness {
  const home = path.join(tmp, name);
  fs.mkdirSync(home, { recursive: true });
  const db = openDatabase(path.join(home, 'studio.db'));
  dbs.push(db);
  const bus = new EventBus();
  const events: Harness['events'] = [];
  bus.on('recording.changed', (e) => events.push({ ...e, at: Date.now() }));
  const config: StudioConfig['recording'] = { dir: '', format: 'mp4', splitMinutes: 60, splitMegabytes: 0, retentionDays: 30, minFreeMegabytes: 1, ...options.config };
  const service = withQueue({
    db,
    paths,
    isLive: (n) => paths.publisherOf(n) !== undefined,
    shouldRecord: options.shouldRecord ?? (() => false),
    children,
    ffmpegPath: async () => 'ffmpeg',
    ffprobePath: async () => 'ffprobe',
    config: () => config,
    home,
    bus,
    logger,
    freeBytes: options.freeBytes,
    tuning: { pollMs: 250, diskCheckMs: 250, stopGraceMs: 4000, backoff: { baseMs: 300, maxMs: 300, jitter: 0 }, ...options.tuning },
  });
  service.start();
  services.push(service);
  return { service, events, home, db };
}

beforeAll(async () => {
  rtmp = new RtmpServer({ port: 0, bind: '127.0.0.1', logger, paths, authorize: (app, key) => (app === 'live' && KEYS[key] ? { name: KEYS[key] } : null) });
  await rtmp.start();
  port = rtmp.address().port;
  publisher = publish('sk_main_0123456789', '640x480', 90);
  // Live, with tracks known and a keyframe cached.
  await waitFor('the publisher', () => paths.tracksOf('main')?.video, 15_000, 50);
  await sleep(1500);
});

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.dispose()));
  await Promise.allSettled(queues.map((q) => q.dispose()));
  await http?.close();
  publisher?.kill('SIGKILL');
  await rtmp?.dispose();
  await children.dispose();
  for (const db of dbs) db.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent('recorder with a live RTMP stream', () => {
  it('records ~20 s with the right duration, codecs, size and thumbnail; serves it; converts it to a 2-rendition VOD', async () => {
    const { service, events, home } = harness('basic');
    const started = await service.startRecording('main');
    expect(started).toMatchObject({ stream: 'main', state: 'recording', container: 'mp4', fileUrl: `/api/v1/recordings/${started.id}/file`, thumbnailUrl: null });
    expect(service.activeOf('main')).toBe(started.id);
    await expect(service.startRecording('main')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.startRecording('nobody')).rejects.toMatchObject({ code: 'CONFLICT' });
    await sleep(20_000);
    const done = await service.stopRecording('main');
    const wall = (Date.now() - started.startedAt) / 1000;
    expect(service.activeOf('main')).toBeNull();
    await expect(service.stopRecording('main')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(done.state).toBe('complete');
    expect(done.durationSec).toBeGreaterThan(wall - 2);
    expect(done.durationSec).toBeLessThan(wall + 2);
    expect(done.video).toEqual({ codec: 'h264', width: 640, height: 480 });
    expect(done.audio).toEqual({ codec: 'aac', sampleRate: 48000, channels: 1 });
    const file = path.join(home, 'recordings', done.file);
    expect(done.sizeBytes).toBe(fs.statSync(file).size);
    expect(done.thumbnailUrl).toBe(`/api/v1/recordings/${done.id}/thumbnail.jpg`);
    const thumb = ffprobe(path.join(home, 'recordings', 'thumbs', `${done.id}.jpg`)).streams[0];
    expect(thumb).toMatchObject({ codec_name: 'mjpeg', width: 320, height: 240 });
    expect(events.filter((e) => e.id === done.id && e.recording?.state === 'recording').length).toBeGreaterThan(5);
    expect(events.at(-1)?.recording).toEqual(done);

    // The routes: a download with Range, and JSON 404s.
    http = Fastify();
    await recordingRoutes(service, logger)(http);
    await http.listen({ port: 0, host: '127.0.0.1' });
    httpBase = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    const part = await fetch(`${httpBase}${done.fileUrl}`, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${done.sizeBytes}`);
    expect(part.headers.get('content-disposition')).toMatch(/^attachment; filename="main \d{4}-\d\d-\d\d \d\d-\d\d-\d\d\.mp4"/);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    for (const url of ['/api/v1/recordings/rec_000000000000/file', `/vod/${done.id}/index.m3u8`, `/vod/${done.id}/..%2F..%2Fstudio.db`]) {
      const res = await fetch(`${httpBase}${url}`);
      expect([res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([404, 'NOT_FOUND']);
    }

    // VOD: standard ladder over 640x480 H.264 = the source copied + 360p (480x360).
    const converting = service.convert(done.id, 'standard');
    expect(converting.vod).toMatchObject({ state: 'converting', progress: 0, ladder: 'standard' });
    expect(() => service.convert(done.id, 'standard')).toThrow(/already being converted/);
    const ready = await waitFor('the VOD', () => (service.get(done.id).vod.state !== 'converting' ? service.get(done.id) : null), 45_000, 50);
    expect(ready.vod).toEqual({ state: 'ready', progress: 1, ladder: 'standard', hls: `/vod/${done.id}/index.m3u8`, dash: `/vod/${done.id}/manifest.mpd`, error: null });
    const progress = events.filter((e) => e.id === done.id && e.recording?.vod.state === 'converting');
    const values = progress.map((e) => e.recording!.vod.progress);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.some((v) => v > 0 && v < 1)).toBe(true);
    // After the state change, progress comes at most twice a second.
    for (let i = 2; i < progress.length; i++) expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(450);
    const master = await (await fetch(`${httpBase}${ready.vod.hls}`)).text();
    expect(master.match(/#EXT-X-STREAM-INF/g)?.length).toBeGreaterThanOrEqual(2);
    const probed = (await ffprobeAsync(`${httpBase}${ready.vod.hls}`)).streams.filter((s) => s.codec_type === 'video');
    expect(probed.map((s) => s.height).sort()).toEqual([360, 480]);
    const mpd = await (await fetch(`${httpBase}${ready.vod.dash}`)).text();
    expect(mpd).toContain('type="static"');
    // Every rendition covers the whole recording (ffmpeg 5.1 writes the MPD duration in whole seconds).
    for (const uri of master.split('\n').filter((l) => /^media_\d+\.m3u8$/.test(l))) {
      const playlist = await (await fetch(`${httpBase}/vod/${done.id}/${uri}`)).text();
      const seconds = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(Math.abs(seconds - done.durationSec), uri).toBeLessThan(1);
      expect(playlist).toContain('#EXT-X-ENDLIST');
    }
    expect(Math.abs(Number((await ffprobeAsync(`${httpBase}${ready.vod.dash}`)).format.duration) - done.durationSec)).toBeLessThan(1.5);
  }, 90_000);

  it('SIGKILL of the recorder ffmpeg leaves a file that plays up to the kill; recording goes on in a new file', async () => {
    const { service } = harness('kill');
    const first = await service.startRecording('main');
    await sleep(6000);
    const pid = await waitFor('the recorder ffmpeg', () => service.pidOf('main'), 15_000, 50);
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const interrupted = await waitFor('the interrupted recording with a thumbnail', () => (service.get(first.id).state === 'interrupted' && service.get(first.id).thumbnailUrl ? service.get(first.id) : null), 15_000, 50);
    expect(interrupted.error).toBe('ffmpeg was killed by SIGKILL');
    const seconds = (killedAt - first.startedAt) / 1000;
    const probe = ffprobe(path.join(tmp, 'kill', 'recordings', first.file));
    expect(Math.abs(Number(probe.format.duration) - seconds)).toBeLessThan(2);
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(Math.abs(interrupted.durationSec - seconds)).toBeLessThan(2);

    const next = await waitFor('the next file', () => { const id = service.activeOf('main'); return id && id !== first.id ? id : null; }, 5000, 50);
    await sleep(2000);
    const last = await service.stopRecording('main');
    expect(last).toMatchObject({ id: next, state: 'complete' });
    expect(last.durationSec).toBeGreaterThan(1);

    // A host crash leaves rows `recording`: the next start marks them interrupted and probes them again.
    const crashHome = path.join(tmp, 'crash');
    fs.mkdirSync(path.join(crashHome, 'recordings'), { recursive: true });
    const crashDb = openDatabase(path.join(crashHome, 'studio.db'));
    dbs.push(crashDb);
    fs.copyFileSync(path.join(tmp, 'kill', 'recordings', first.file), path.join(crashHome, 'recordings', first.file));
    const { fileUrl: _f, thumbnailUrl: _t, ...stored } = interrupted;
    new RecordingStore(crashDb).insert({ ...stored, state: 'recording', durationSec: 0, sizeBytes: 0, error: null, endedAt: null, thumbnail: null, vod: { ...NO_VOD, state: 'converting' } });
    const recovering = withQueue(plainOptions(crashHome, crashDb));
    recovering.start();
    services.push(recovering);
    expect(recovering.get(first.id)).toMatchObject({ state: 'interrupted', error: 'the studio stopped while recording' });
    expect(recovering.get(first.id).vod).toMatchObject({ state: 'failed' });
    const reprobed = await waitFor('the thumbnail after recovery', () => (recovering.get(first.id).thumbnailUrl ? recovering.get(first.id) : null), 15_000, 50);
    expect(Math.abs(reprobed.durationSec - interrupted.durationSec)).toBeLessThan(0.5);
  }, 60_000);

  it('splits by duration into consecutive files that all play', async () => {
    const { service, home } = harness('split', { tuning: { splitSeconds: 4 } });
    const first = await service.startRecording('main');
    await sleep(9500);
    const last = await service.stopRecording('main');
    const rows = service.list('main');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows[0]!.id).toBe(last.id);
    expect(rows.at(-1)!.id).toBe(first.id);
    const total = rows.reduce((sum, r) => sum + r.durationSec, 0);
    const wall = (Date.now() - first.startedAt) / 1000;
    expect(Math.abs(total - wall)).toBeLessThan(2.5);
    for (const row of rows) {
      expect(row.state).toBe('complete');
      const file = path.join(home, 'recordings', row.file);
      expect(ffprobe(file).streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
      // Decodes from its first frame: every file starts at a keyframe with its own headers.
      execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-t', '1', '-i', file, '-f', 'null', '-'], { timeout: 30_000 });
    }
    // The split hands over at the first keyframe after 4 s: with the publisher's 2 s GOP that is the
    // one at 4 s, or the next at 6 s when the split comes a moment late (a loaded machine).
    expect(rows.at(-1)!.durationSec).toBeGreaterThan(3.5);
    expect(rows.at(-1)!.durationSec).toBeLessThan(6.5);
  }, 60_000);

  it('stops cleanly as failed when the disk falls below the floor (keeping recordings whose deletion would not reach it), and resumes in a new file when space is back', async () => {
    let free = 10 * 1024 ** 3;
    const h = harness('disk', { freeBytes: () => free, config: { minFreeMegabytes: 100 } });
    // An older finished recording: deleting it would not bring the disk back above the floor, so it stays.
    const store = new RecordingStore(h.db);
    const old = { id: 'rec_old000000000', stream: 'main', file: 'old.mp4', container: 'mp4' as const, state: 'complete' as const, startedAt: Date.now() - 60_000, endedAt: Date.now() - 50_000, durationSec: 10, sizeBytes: 5, video: null, audio: null, error: null, thumbnail: null, vod: NO_VOD };
    fs.mkdirSync(path.join(h.home, 'recordings'), { recursive: true });
    fs.writeFileSync(path.join(h.home, 'recordings', 'old.mp4'), 'old bytes');
    store.insert(old);
    const started = await h.service.startRecording('main');
    await sleep(2500);
    free = 10 * 1024 * 1024;
    const failedAt = Date.now();
    const failed = await waitFor('the failed event', () => h.events.find((e) => e.id === started.id && e.recording?.state === 'failed'), 5000, 50);
    expect(failed.at - failedAt).toBeLessThan(2000);
    expect(failed.recording).toMatchObject({ state: 'failed', error: 'disk almost full' });
    expect(h.events.some((e) => e.id === old.id && e.recording === null)).toBe(false);
    expect(fs.existsSync(path.join(h.home, 'recordings', 'old.mp4'))).toBe(true);
    expect(h.service.activeOf('main')).toBeNull();
    expect(paths.publisherOf('main')).toBeDefined();
    const final = await waitFor('a duration', () => (h.service.get(started.id).durationSec > 0 ? h.service.get(started.id) : null), 15_000, 50);
    expect(final.durationSec).toBeGreaterThan(1.5);
    expect(ffprobe(path.join(h.home, 'recordings', final.file)).streams).toHaveLength(2);
    await expect(h.service.startRecording('main')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // Just above the floor is not enough (it would stop again at once); a quarter above it is.
    free = 110 * 1024 * 1024;
    await sleep(1000);
    expect(h.service.activeOf('main')).toBeNull();
    free = 10 * 1024 ** 3;
    const resumed = await waitFor('the recording to resume', () => h.service.activeOf('main'), 5000, 50);
    expect(resumed).not.toBe(started.id);
    await sleep(2500);
    const second = await h.service.stopRecording('main');
    expect(second).toMatchObject({ id: resumed, stream: 'main', state: 'complete' });
    expect(second.durationSec).toBeGreaterThan(1);
  }, 40_000);

  it('records a stream with the record flag as soon as it goes live, in MKV, and ends with the publisher', async () => {
    const { service, home, db } = harness('auto', { shouldRecord: (n) => n === 'auto', config: { format: 'mkv' } });
    const auto = publish('sk_auto_0123456789', '320x240', 4);
    const id = await waitFor('the automatic recording', () => service.activeOf('auto'), 15_000, 50);
    await waitFor('the end', () => service.activeOf('auto') === null && service.get(id).state !== 'recording' && service.get(id).thumbnailUrl, 20_000, 50);
    const recording = service.get(id);
    expect(recording).toMatchObject({ stream: 'auto', container: 'mkv', state: 'complete', video: { codec: 'h264', width: 320, height: 240 } });
    expect(recording.durationSec).toBeGreaterThan(3);
    expect(recording.durationSec).toBeLessThan(5);
    expect(recording.file.endsWith('.mkv')).toBe(true);
    expect(ffprobe(path.join(home, 'recordings', recording.file)).format.duration).toBeDefined();
    auto.kill('SIGKILL');
    // Deleted while its VOD converts: the job is cancelled and goes with it, and so do its files.
    expect(service.convert(id, 'standard').vod.state).toBe('converting');
    expect(new JobStore(db).forSubject(id)).toMatchObject([{ kind: RECORDING_VOD_JOB, state: 'running' }]);
    await service.delete(id);
    expect(new JobStore(db).forSubject(id)).toEqual([]);
    expect(fs.existsSync(path.join(home, 'recordings', 'vod', id))).toBe(false);
    expect(fs.existsSync(path.join(home, 'recordings', recording.file))).toBe(false);
    expect(fs.existsSync(path.join(home, 'recordings', 'thumbs', `${id}.jpg`))).toBe(false);
    expect(() => service.get(id)).toThrow(/no recording/);
  }, 40_000);

  it('a publisher that takes over a silent one is recorded in a new file once the last one is finished; both play', async () => {
    const { service, home } = harness('take', { shouldRecord: (n) => n === 'take' });
    const first = publish('sk_take_0123456789', '320x240', 60);
    try {
      const firstId = await waitFor('the first publisher\'s recording', () => service.activeOf('take'), 15_000, 50);
      await sleep(3000);
      // A frozen encoder keeps its connection and sends nothing: after STALE_PUBLISHER_MS a new one takes over.
      first.kill('SIGSTOP');
      await sleep(2500);
      const second = publish('sk_take_0123456789', '640x360', 4);
      const secondId = await waitFor('the new publisher\'s recording', () => {
        const id = service.activeOf('take');
        return id !== null && id !== firstId ? id : undefined;
      }, 15_000, 50);
      // The first file was closed by its ffmpeg before the second began (the session waits for it); its probe may still run.
      await waitFor('the first recording complete', () => service.get(firstId).state !== 'recording' && service.get(firstId).video, 10_000, 50);
      expect(service.get(firstId)).toMatchObject({ stream: 'take', state: 'complete', video: { width: 320, height: 240 } });
      expect(service.get(firstId).durationSec).toBeGreaterThan(2);
      await waitFor('the second\'s end', () => service.activeOf('take') === null && service.get(secondId).state !== 'recording', 20_000, 50);
      expect(service.get(secondId)).toMatchObject({ stream: 'take', state: 'complete', video: { width: 640, height: 360 } });
      expect(service.get(secondId).durationSec).toBeGreaterThan(2);
      for (const id of [firstId, secondId]) {
        const probe = await ffprobeAsync(path.join(home, 'recordings', service.get(id).file));
        expect(Number(probe.format.duration)).toBeGreaterThan(2);
      }
      expect(service.list('take').map((r) => r.id).sort()).toEqual([firstId, secondId].sort());
      second.kill('SIGKILL');
    } finally {
      first.kill('SIGKILL');
    }
  }, 60_000);
});

function plainOptions(home: string, db: Db): Omit<RecordingServiceOptions, 'jobs'> {
  return {
    db,
    paths,
    isLive: () => false,
    shouldRecord: () => false,
    children,
    ffmpegPath: async () => 'ffmpeg',
    ffprobePath: async () => 'ffprobe',
    config: () => ({ dir: '', format: 'mp4', splitMinutes: 60, splitMegabytes: 0, retentionDays: 30, minFreeMegabytes: 1 }),
    home,
    bus: new EventBus(),
    logger,
  };
}
