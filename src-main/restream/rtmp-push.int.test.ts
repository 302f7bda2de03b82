import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CollectingReader } from '../../test-support/collecting-reader.js';
import { waitFor } from '../../test-support/wait.js';
import { silentLogger } from '../core/logger.js';
import { chunkFromTag, FILE_HEADER_SIZE, parseTagHeader, TAG_HEADER_SIZE } from '../protocols/flv/flv.js';
import { PathManager } from '../media/path-manager.js';
import type { MediaChunk } from '../media/types.js';
import { RtmpServer } from '../servers/rtmp/server.js';
import { parsePushUrl, RtmpPush, type RtmpPushEnd } from './rtmp-push.js';

// RtmpPush against our own RTMP ingest (an in-process RtmpServer) as the destination.
const logger = silentLogger();
const KEY = 'rx-key-0001';
const FIXTURE = fs.readFileSync(new URL('../protocols/flv/fixtures/testsrc-1s.flv', import.meta.url));

function fixtureChunks(): MediaChunk[] {
  const chunks = [chunkFromTag(FIXTURE.subarray(0, FILE_HEADER_SIZE))];
  for (let offset = FILE_HEADER_SIZE; offset + TAG_HEADER_SIZE <= FIXTURE.length; ) {
    const size = TAG_HEADER_SIZE + parseTagHeader(FIXTURE, offset).dataSize + 4;
    chunks.push(chunkFromTag(Buffer.from(FIXTURE.subarray(offset, offset + size))));
    offset += size;
  }
  return chunks;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver() {
  const paths = new PathManager(logger);
  const reader = new CollectingReader('collect');
  let unpublished = 0;
  paths.onPublish((name) => paths.addReader(name, reader));
  paths.onUnpublish(() => unpublished++);
  const server = new RtmpServer({ port: 0, bind: '127.0.0.1', logger, paths, authorize: (_app, key) => (key === KEY ? { name: 'main' } : null) });
  await server.start();
  cleanups.push(() => server.dispose());
  return { url: `rtmp://127.0.0.1:${server.address().port}/live`, reader, unpublished: () => unpublished };
}

function pusher(url: string, key: string) {
  let live = 0;
  let resolveEnded!: (end: RtmpPushEnd) => void;
  const ended = new Promise<RtmpPushEnd>((resolve) => (resolveEnded = resolve));
  const push = new RtmpPush({ id: 'push', url, key, logger, timeoutMs: 3000, onLive: () => live++, onEnd: (end) => resolveEnded(end) });
  cleanups.push(() => push.destroy('test over'));
  return { push, ended, live: () => live };
}

describe('RtmpPush', () => {
  it('parses destination URLs', () => {
    expect(parsePushUrl('rtmp://a.rtmp.youtube.com/live2')).toEqual({ tls: false, host: 'a.rtmp.youtube.com', port: 1935, app: 'live2' });
    expect(parsePushUrl('rtmps://live-api-s.facebook.com:443/rtmp/')).toEqual({ tls: true, host: 'live-api-s.facebook.com', port: 443, app: 'rtmp' });
    expect(() => parsePushUrl('srt://h:1')).toThrow();
  });

  it('publishes the tags to an RTMP server: ffprobe reads what it received; close() unpublishes', async () => {
    const rx = await receiver();
    const p = pusher(rx.url, KEY);
    const chunks = fixtureChunks();
    // Pushed before the publish completes: held by the bounded queue, then sent in order.
    for (const chunk of chunks) p.push.push(chunk);
    p.push.start();
    await waitFor('the pushed tags to arrive', () => p.live() === 1 && rx.reader.bytes().length >= FIXTURE.length - 4096, 5000, 10);
    expect(p.push.bytesSent).toBeGreaterThan(FIXTURE.length / 2);
    p.push.close('the stream ended');
    await expect(p.ended).resolves.toEqual({ refused: false, reason: 'the stream ended', inputEnded: true });
    await waitFor('the unpublish', () => rx.unpublished() === 1, 5000, 10);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rtmp-push-')), 'rx.flv');
    fs.writeFileSync(file, rx.reader.bytes());
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
    expect(probe.status).toBe(0);
    const streams = probe.stdout.trim().split('\n').sort();
    expect(streams.map((s) => s.split(',')[0])).toEqual(['aac', 'h264']);
    const expected = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', '-f', 'flv', '-'], { input: FIXTURE, encoding: 'utf8' });
    expect(streams).toEqual(expected.stdout.trim().split('\n').sort());
  });

  it('reports a refused key as a refusal', async () => {
    const rx = await receiver();
    const p = pusher(rx.url, 'wrong-key');
    p.push.start();
    const end = await p.ended;
    expect(end).toMatchObject({ refused: true, inputEnded: false });
    expect(end.reason).toMatch(/refused/);
    expect(p.live()).toBe(0);
  });

  it('reports a server that is not there as a failure worth retrying', async () => {
    const p = pusher('rtmp://127.0.0.1:1/live', KEY);
    p.push.start();
    const end = await p.ended;
    expect(end).toMatchObject({ refused: false, inputEnded: false });
    expect(end.reason).toMatch(/Connection refused/);
  });
});
