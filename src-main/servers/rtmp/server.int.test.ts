import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectingReader } from '../../../test-support/collecting-reader.js';
import { publishThrough, type RegisteredPublisher } from '../../../test-support/media.js';
import { needs } from '../../../test-support/peers.js';
import { waitFor } from '../../../test-support/wait.js';
import { ChildRegistry } from '../../core/children.js';
import { silentLogger } from '../../core/logger.js';
import { BoundedReader } from '../../media/bounded-reader.js';
import { PathManager } from '../../media/path-manager.js';
import type { MediaChunk, TrackInfo } from '../../media/types.js';
import { RtmpServer } from './server.js';

// Real ffmpeg publishers against the server; real ffprobe/ffmpeg check what readers receive.
const KEY = 'sk_live_int_0123456789';
const children = new ChildRegistry(500);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-int-'));
let paths: PathManager;
let server: RtmpServer;
let port: number;
let tlsPort: number;

type Ffmpeg = RegisteredPublisher;

const publish = (url: string, size = '640x360', seconds = 30): Ffmpeg => publishThrough(children, url, { format: 'flv', size, seconds });

function streamsOf(json: string): Record<string, unknown>[] {
  return (JSON.parse(json) as { streams: Record<string, unknown>[] }).streams;
}

const label = (c: MediaChunk) => (c.sequenceHeader ? `${c.kind}-config` : c.kind === 'video' && c.keyframe ? 'keyframe' : c.kind);

beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem')], { stdio: 'ignore' });
  paths = new PathManager(silentLogger());
  server = new RtmpServer({
    port: 0,
    bind: '127.0.0.1',
    logger: silentLogger(),
    paths,
    authorize: (app, key) => (app === 'live' && key === KEY ? { name: 'main' } : null),
    tls: { cert: fs.readFileSync(path.join(tmp, 'cert.pem')), key: fs.readFileSync(path.join(tmp, 'key.pem')) },
    tlsPort: 0,
  });
  await server.start();
  ({ port, tlsPort = 0 } = server.address());
});

afterAll(async () => {
  await server.dispose();
  await children.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// The file's hooks run only when this suite does (openssl makes the RTMPS certificate in beforeAll).
describe.skipIf(needs('ffmpeg', 'ffprobe', 'openssl'))('RTMP ingest with ffmpeg publishers', () => {
  it('delivers a decodable FLV with tracks; a late reader starts at a keyframe; SIGKILL ends the path within 1 s', async () => {
    const early = new CollectingReader('early');
    paths.addReader('main', early);
    const file = path.join(tmp, 'received.flv');
    const fileSink = fs.createWriteStream(file);
    const fileClosed = new Promise<string>((resolve) => {
      paths.addReader('main', new BoundedReader({ id: 'file', sink: fileSink, logger: silentLogger(), onClose: resolve }));
    });
    const tracks: TrackInfo[] = [];
    paths.onTracks((_n, t) => tracks.push(t));
    const unpublished: [string, number][] = [];
    paths.onUnpublish((_n, reason) => unpublished.push([reason, Date.now()]));

    const ffmpeg = publish(`rtmp://127.0.0.1:${port}/live/${KEY}`);
    await waitFor('a video frame', () => early.chunks.some((c) => c.kind === 'video' && !c.sequenceHeader), 10_000, 10);
    const firstFive = early.chunks.slice(0, 5).map(label);
    expect(firstFive.slice(0, 2)).toEqual(['header', 'metadata']);
    expect(firstFive.slice(2, 4).sort()).toEqual(['audio-config', 'video-config']);
    expect(early.chunks.find((c) => c.kind === 'video' && !c.sequenceHeader)?.keyframe).toBe(true);
    expect(tracks.at(-1)).toMatchObject({
      video: { codec: 'h264', width: 640, height: 360, fps: 30 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 1 },
    });
    expect(paths.publisherOf('main')).toMatchObject({ protocol: 'rtmp', remoteAddress: '127.0.0.1' });

    // Join after the first GOP (-g 60 at 30 fps: 2 s) and let ffprobe read the live FLV from stdin.
    await new Promise((r) => setTimeout(r, 2600));
    const ffprobe = children.spawn('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', '-i', 'pipe:0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let probeOut = '';
    ffprobe.stdout?.setEncoding('utf8').on('data', (s: string) => (probeOut += s));
    const probed = new Promise<number | null>((resolve) => ffprobe.once('exit', resolve));
    const late = new CollectingReader('late');
    paths.addReader('main', late);
    paths.addReader('main', new BoundedReader({ id: 'ffprobe', sink: ffprobe.stdin!, logger: silentLogger() }));
    expect(late.chunks.slice(0, 2).map(label)).toEqual(['header', 'metadata']);
    expect(late.chunks.find((c) => c.kind === 'video' && !c.sequenceHeader)?.keyframe).toBe(true);
    expect(late.chunks.find((c) => c.kind === 'video' && !c.sequenceHeader)!.timestamp).toBeGreaterThan(1500);
    expect(await probed).toBe(0);
    expect(streamsOf(probeOut).map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);

    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    ffmpeg.child.kill('SIGKILL');
    const [reason, at] = await waitFor('the unpublish', () => unpublished[0], 3000, 10);
    expect(reason).toBe('publisher disconnected');
    expect(at - killedAt).toBeLessThan(1000);
    expect(early.closedWith).toBe('publisher disconnected');

    expect(await fileClosed).toBe('publisher disconnected');
    // The reader ended the file stream when it closed: wait for the file to be complete on disk.
    if (!fileSink.closed) await once(fileSink, 'close');
    const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,sample_rate', '-of', 'json', file], { encoding: 'utf8' });
    expect(streamsOf(probe)).toEqual(expect.arrayContaining([
      expect.objectContaining({ codec_name: 'h264', width: 640, height: 360 }),
      expect.objectContaining({ codec_name: 'aac', sample_rate: '44100' }),
    ]));
    // Decoding the whole recording shows no errors (only the cut-off last frame may be incomplete).
    const decodeErrors = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(decodeErrors).toBe('');
  });

  it('refuses a wrong key: ffmpeg exits non-zero quickly and nothing is published', async () => {
    const published: string[] = [];
    const off = paths.onPublish((name) => published.push(name));
    const started = Date.now();
    const ffmpeg = publish(`rtmp://127.0.0.1:${port}/live/wrong-${KEY}`);
    const { code, at } = await ffmpeg.exited;
    off();
    expect(code).not.toBe(0);
    expect(at - started).toBeLessThan(1500);
    expect(ffmpeg.stderr()).toMatch(/Stream key refused|Server error/);
    expect(published).toEqual([]);
    expect(paths.liveNames()).toEqual([]);
  });

  it('refuses a second publisher of a live key and keeps the first stream clean', async () => {
    const reader = new CollectingReader('watch');
    paths.addReader('main', reader);
    const first = publish(`rtmp://127.0.0.1:${port}/live/${KEY}`);
    await waitFor('a keyframe', () => reader.chunks.some((c) => c.kind === 'video' && c.keyframe && !c.sequenceHeader), 10_000, 10);
    const started = Date.now();
    const second = publish(`rtmp://127.0.0.1:${port}/live/${KEY}`, '320x240');
    const { code, at } = await second.exited;
    expect(code).not.toBe(0);
    expect(at - started).toBeLessThan(1500);
    expect(second.stderr()).toMatch(/already live|Server error/);
    const before = reader.chunks.length;
    await waitFor('30 more chunks', () => reader.chunks.length > before + 30, 10_000, 10);
    // A second publisher's packets would bring its own header, metadata and sequence headers.
    const labels = reader.chunks.map(label);
    expect(labels.filter((l) => l === 'header' || l === 'metadata' || l.endsWith('-config')).sort()).toEqual(['audio-config', 'header', 'metadata', 'video-config']);
    expect(paths.tracksOf('main')?.video).toMatchObject({ width: 640, height: 360 });
    first.child.kill('SIGKILL');
    await waitFor('no live path', () => paths.liveNames().length === 0, 3000, 10);
  });

  it('takes RTMPS publishers on the TLS port', async () => {
    const reader = new CollectingReader('tls');
    paths.addReader('main', reader);
    const ffmpeg = publish(`rtmps://127.0.0.1:${tlsPort}/live/${KEY}`);
    await waitFor('a keyframe', () => reader.chunks.some((c) => c.kind === 'video' && c.keyframe && !c.sequenceHeader), 10_000, 10);
    expect(paths.tracksOf('main')).toMatchObject({ video: { codec: 'h264', width: 640, height: 360 }, audio: { codec: 'aac' } });
    ffmpeg.child.kill('SIGKILL');
    await waitFor('the reader to close', () => reader.closedWith, 10_000, 10);
  });
});
