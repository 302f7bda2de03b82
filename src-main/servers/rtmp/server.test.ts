import { createRequire } from 'node:module';
import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectingReader } from '../../../test-support/collecting-reader.js';
import { waitFor } from '../../../test-support/wait.js';
import { StudioError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { tagBody } from '../../protocols/flv/flv.js';
import { PathManager } from '../../media/path-manager.js';
import { RtmpServer, type RtmpServerOptions } from './server.js';

// NMS's own RTMP client (a test peer in-process): it can send any tag, Enhanced RTMP included.
const RtmpClient = createRequire(import.meta.url)('node-media-server/src/protocol/rtmp_client.js');

const KEY = 'sk_live_0123456789';
const authorize = (app: string, key: string) => (app === 'live' && key === KEY ? { name: 'main' } : null);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(overrides: Partial<RtmpServerOptions> = {}) {
  const paths = overrides.paths instanceof PathManager ? overrides.paths : new PathManager(silentLogger());
  const server = new RtmpServer({ port: 0, bind: '127.0.0.1', logger: silentLogger(), paths, authorize, ...overrides });
  await server.start();
  cleanups.push(() => server.dispose());
  return { server, paths, port: server.address().port };
}

async function client(port: number, app = 'live', key = KEY): Promise<any> {
  const c = new RtmpClient();
  c.onErrorCallback = () => undefined;
  await c.connect(`rtmp://127.0.0.1:${port}/${app}/${key}`);
  cleanups.push(() => c.disconnect());
  return c;
}

async function publisher(port: number, key = KEY): Promise<any> {
  const c = await client(port, 'live', key);
  await c.sendConnect();
  await c.sendCreateStream();
  await c.sendPublish(key);
  return c;
}

const packet = (type: number, dts: number, data: Buffer) => ({ codec_type: type, codec_id: 0, flags: 0, dts, pts: dts, size: data.length, data });

const hevcConfig = Buffer.from([0x90, ...Buffer.from('hvc1'), 0x01, 0x01, 0x60, 0x00, 0x00, 0x00]);
const hevcKey = Buffer.from([0x91, ...Buffer.from('hvc1'), 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x26, 0x01, 0xaf]);
const hevcInter = Buffer.from([0xa1, ...Buffer.from('hvc1'), 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x08, 0x02, 0x01, 0xd0]);
const aacConfig = Buffer.from([0xaf, 0x00, 0x11, 0x90]);

describe('RtmpServer', () => {
  it('passes Enhanced RTMP (HEVC FourCC) tags through untouched and learns the tracks', async () => {
    const { port, paths } = await startServer();
    const reader = new CollectingReader();
    paths.addReader('main', reader);
    const tracks: unknown[] = [];
    paths.onTracks((_name, t) => tracks.push(t));
    const c = await publisher(port);
    expect(paths.publisherOf('main')).toMatchObject({ protocol: 'rtmp', remoteAddress: '127.0.0.1' });
    c.sendMetaData({ width: 1920, height: 1080, framerate: 50, videocodecid: 0x68766331, audiocodecid: 10, audiosamplerate: 48000, stereo: true });
    c.sendPacket(packet(9, 0, hevcConfig));
    c.sendPacket(packet(8, 0, aacConfig));
    c.sendPacket(packet(9, 0, hevcKey));
    c.sendPacket(packet(9, 20, hevcInter));
    await waitFor('six chunks', () => reader.chunks.length >= 6, 3000, 5);
    expect(reader.chunks.map((ch) => ch.kind)).toEqual(['header', 'metadata', 'video', 'audio', 'video', 'video']);
    expect(reader.chunks[0]!.data[4]).toBe(0x05);
    // FLV files carry onMetaData directly: "@setDataFrame" is gone.
    expect(tagBody(reader.chunks[1]!.data).subarray(3, 13).toString()).toBe('onMetaData');
    expect(reader.chunks.slice(2).map((ch) => tagBody(ch.data).toString('hex'))).toEqual([hevcConfig, aacConfig, hevcKey, hevcInter].map((b) => b.toString('hex')));
    expect(reader.chunks.slice(2).map((ch) => [ch.sequenceHeader, ch.keyframe, ch.timestamp])).toEqual([
      [true, true, 0],
      [true, true, 0],
      [false, true, 0],
      [false, false, 20],
    ]);
    expect(tracks.at(-1)).toEqual({
      video: { codec: 'hevc', width: 1920, height: 1080, fps: 50, bitrateKbps: 0 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2, bitrateKbps: 0 },
    });
  });

  it('refuses an unknown key at publish, quickly, without logging the key', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
    const { port, paths } = await startServer({ logger });
    const published: string[] = [];
    paths.onPublish((name) => published.push(name));
    const c = await client(port, 'live', 'not-the-key-42');
    await c.sendConnect();
    await c.sendCreateStream();
    const started = Date.now();
    await expect(c.sendPublish('not-the-key-42')).rejects.toThrow(/Stream key refused/);
    expect(Date.now() - started).toBeLessThan(500);
    await waitFor('the socket released', () => c.socket === null, 3000, 5);
    expect(published).toEqual([]);
    expect(paths.liveNames()).toEqual([]);
    expect(lines.join('\n')).toMatch(/publish refused: stream key or token refused/);
    expect(lines.join('\n')).not.toMatch(/not-the-key-42/);
  });

  it('refuses an application other than live or a missing tcUrl at connect, and play requests', async () => {
    const { port } = await startServer();
    const wrongApp = await client(port, 'vod');
    await expect(wrongApp.sendConnect()).rejects.toThrow(/Unknown application/);
    // NMS's own connect handler throws on a missing tcUrl (an uncaught exception in its RtmpSession).
    const noTcUrl = await client(port);
    noTcUrl.setChunkSize(noTcUrl.outChunkSize);
    await expect(noTcUrl.sendCommand('connect', { cmdObj: { app: 'live' }, args: [] })).rejects.toThrow(/Malformed tcUrl/);
    const player = await client(port);
    await player.sendConnect();
    await player.sendCreateStream();
    await expect(player.sendPlay(KEY)).rejects.toThrow(/not offered/);
  });

  it('refuses a second publisher of a live stream and never lets its packets in', async () => {
    const { port, paths } = await startServer();
    const reader = new CollectingReader();
    paths.addReader('main', reader);
    const first = await publisher(port);
    first.sendPacket(packet(9, 0, Buffer.from([0x17, 0x01, 0, 0, 0, 0xaa])));
    const second = await client(port);
    await second.sendConnect();
    await second.sendCreateStream();
    await expect(second.sendPublish(KEY)).rejects.toThrow(/already live/);
    second.sendPacket(packet(9, 40, Buffer.from([0x17, 0x01, 0, 0, 0, 0xbb])));
    first.sendPacket(packet(9, 40, Buffer.from([0x27, 0x01, 0, 0, 0, 0xaa])));
    await waitFor('three chunks', () => reader.chunks.length >= 3, 3000, 5);
    await new Promise((r) => setTimeout(r, 50));
    const markers = reader.chunks.filter((c) => c.kind === 'video').map((c) => tagBody(c.data).at(-1));
    expect(markers).toEqual([0xaa, 0xaa]);
    expect(paths.publisherOf('main')).toBeDefined();
  });

  it('ends the path the moment the publisher socket closes, and kick closes the socket', async () => {
    const { port, paths } = await startServer();
    const ended: [string, number][] = [];
    paths.onUnpublish((_n, reason) => ended.push([reason, Date.now()]));
    const c = await publisher(port);
    const dropped = Date.now();
    c.socket.destroy();
    const [reason, at] = await waitFor('the end', () => ended[0], 3000, 5);
    expect(reason).toBe('publisher disconnected');
    expect(at - dropped).toBeLessThan(1000);

    const again = await publisher(port);
    let closed = false;
    again.onCloseCallback = () => (closed = true);
    expect(paths.kick('main', 'key rotated')).toBe(true);
    await waitFor('the close', () => closed, 3000, 5);
    expect(ended.map((e) => e[0])).toEqual(['publisher disconnected', 'key rotated']);
  });

  it('keeps two servers in one process independent (no shared NMS context)', async () => {
    const a = await startServer();
    const b = await startServer();
    await publisher(a.port);
    await publisher(b.port);
    expect(a.paths.liveNames()).toEqual(['main']);
    expect(b.paths.liveNames()).toEqual(['main']);
  });

  /** A raw client: the RTMP handshake, then `after` (chunks of its own making); resolves once the server has closed it and kept no connection. */
  async function rawClientClosed(after: Buffer): Promise<void> {
    const { port, server } = await startServer();
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    let received = 0;
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (received !== 1 + 1536 * 2) return;
      socket.write(Buffer.alloc(1536));
      socket.write(after);
    });
    socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
    await waitFor('the socket closed', () => socket.destroyed || socket.readableEnded, 3000, 5);
    await waitFor('no connection left', () => server.connectionCount === 0, 3000, 5);
  }

  it('closes a client that announces a huge message before publishing', async () => {
    // fmt 0, chunk stream 3, timestamp 0, length 1 MiB, AMF0 command, stream 0, first payload byte
    await rawClientClosed(Buffer.from('030000000fffff140000000002', 'hex'));
  });

  it('closes a client that opens more than 8 chunk streams before publishing (each holding a message)', async () => {
    // fmt 0 on chunk streams 3..12, each: timestamp 0, length 60000, AMF0 command, stream 0, then
    // its first chunk (128 bytes at the default chunk size), so that each message stays open
    const chunks = Array.from({ length: 10 }, (_, i) => Buffer.concat([Buffer.from([3 + i]), Buffer.from('00000000ea601400000000', 'hex'), Buffer.alloc(128, 2)]));
    await rawClientClosed(Buffer.concat(chunks));
  });

  it('reports a port in use as PORT_IN_USE, not process.exit', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as net.AddressInfo).port;
    const server = new RtmpServer({ port, bind: '127.0.0.1', logger: silentLogger(), paths: new PathManager(), authorize });
    const error = await server.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect(error).toMatchObject({ code: 'PORT_IN_USE', message: `port ${port} on 127.0.0.1 is already in use (rtmp.port)`, details: { port, field: 'rtmp.port' } });
    await server.dispose();
  });
});
